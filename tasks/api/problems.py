"""Errors as RFC 9457 problem details (`application/problem+json`), with a Chinese `detail`.

Every error the API gives goes through `problem_exception_handler`: DRF's own (validation, authentication,
throttling), Django's (Http404, PermissionDenied) and the services' ValidationError (a business rule refused).
A field's messages are in `errors` ({field: [message]}), the first of them is `detail`. A server error (an
unhandled exception) is a problem too (`server_error_problem`, from Django's handler500), never the HTML page.
"""

import json

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from tasks.audit import audit_denied
from tasks.services.common import StaleWriteError

PROBLEM_CONTENT_TYPE = "application/problem+json"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "412"
    default_code = "stale"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "428"
    default_code = "if_match_required"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "409"
    default_code = "conflict"


def titles() -> dict[int, str]:
    return {
        400: _("The request is not valid"),
        401: _("Not signed in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        412: _("Changed in the meantime"),
        413: _("Too large"),
        415: _("Unsupported media type"),
        428: _("If-Match required"),
        429: _("Too many requests"),
        500: _("Server error"),
    }


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, as the schema documents them."""

    type = serializers.CharField(help_text="about:blank (the status says it all) or a URN naming the problem")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(help_text="the path that was requested")
    code = serializers.CharField(help_text="a machine-readable code, e.g. not_found, stale, throttled")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="messages by field (`non_field_errors` for the request as a whole)",
    )
    reference = serializers.CharField(
        required=False, help_text="a server error's reference, also in the server's log with the traceback"
    )


def server_error_problem(request, ref: str) -> HttpResponse:
    """An unhandled exception under /api/ (tasks.views.errors.server_error): a problem like every other error, with
    the reference that is logged with the traceback, and nothing of the traceback itself."""
    body = {
        "type": "about:blank",
        "title": titles()[500],
        "status": 500,
        "detail": _(
            "Something went wrong on the server. Try again later; if it happens again, give the administrator "
            "the reference %(ref)s."
        )
        % {"ref": ref},
        "code": "server_error",
        "instance": request.path,
        "reference": ref,
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=500, content_type=PROBLEM_CONTENT_TYPE)
    response["X-Error-Ref"] = ref
    return response


def _flatten(detail) -> dict[str, list[str]] | list[str]:
    if isinstance(detail, dict):
        return {str(key): [str(item) for item in _as_list(value)] for key, value in detail.items()}
    return [str(item) for item in _as_list(detail)]


def _as_list(value) -> list:
    if isinstance(value, dict):
        return [message for messages in value.values() for message in _as_list(messages)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _as_list(item)]
    return [value]


def _from_django_validation(exc: DjangoValidationError) -> exceptions.APIException:
    if isinstance(exc, StaleWriteError):
        # The web's words say to reload the page; a client GETs the object again.
        return PreconditionFailed(
            detail=_("Someone else changed this in the meantime: GET it again and send its new ETag as If-Match.")
        )
    if getattr(exc, "code", None) == "stale":
        return Conflict(detail=" ".join(exc.messages))
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    else:
        detail = {"non_field_errors": exc.messages}
    return exceptions.ValidationError(detail=detail)


def problem_exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(detail=_("Not found, or not visible to you."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = _from_django_validation(exc)
    if not isinstance(exc, exceptions.APIException):
        return None  # a server error: Django's handler500 logs it with a reference
    if isinstance(exc, exceptions.PermissionDenied) and request is not None:
        view = context.get("view")
        audit_denied(
            request=request._request,
            kind=f"api:{type(view).__name__}" if view is not None else request.path,
            detail={"path": request.path[:300], "method": request.method},
        )
    code = exc.get_codes()
    flat = _flatten(exc.detail)
    body = {
        "type": "about:blank",
        "title": titles().get(exc.status_code, str(exc.status_code)),
        "status": exc.status_code,
        "instance": request.path if request is not None else "",
    }
    if isinstance(flat, dict):
        body["code"] = "invalid"
        body["errors"] = flat
        first = next((messages[0] for messages in flat.values() if messages), "")
        body["detail"] = first or _("The request is not valid.")
        body["type"] = "urn:partybuild:problem:invalid"
    else:
        body["code"] = code if isinstance(code, str) else (code[0] if code else "error")
        body["detail"] = " ".join(flat)
        if body["code"] == "stale":
            body["type"] = "urn:partybuild:problem:stale"
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
