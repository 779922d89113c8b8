"""The OpenAPI schema (drf-spectacular): every operation documents the problem details it may answer with."""

from drf_spectacular import authentication, openapi

from tasks.api.problems import PROBLEM_CONTENT_TYPE, ProblemSerializer

READ_PROBLEMS = ("400", "401", "403", "404", "429", "500")
WRITE_PROBLEMS = (*READ_PROBLEMS, "409", "412", "413", "415", "428")


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = READ_PROBLEMS if self.method in ("GET", "HEAD") else WRITE_PROBLEMS
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ProblemSerializer, code, media_types=[PROBLEM_CONTENT_TYPE], direction=direction
                )
        return responses


class SessionScheme(authentication.SessionScheme):
    target_class = "tasks.api.auth.SessionAuthentication"


class BearerScheme(authentication.TokenScheme):
    target_class = "tasks.api.auth.TokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token or a service account's (pb_...), created on the token page.",
        }
