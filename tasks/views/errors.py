"""Error pages. The 500 page shows a reference that is also in the log line carrying the traceback; under /api/ the
same reference comes as a problem (application/problem+json), since the caller is a program, not a person."""

import secrets

from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from tasks.api.problems import server_error_problem

API_PREFIX = "/api/"  # partybuild/urls.py


@requires_csrf_token
def server_error(request, template_name="500.html"):
    ref = getattr(request, "error_ref", None)
    if ref is None:
        ref = request.error_ref = secrets.token_hex(4).upper()
    if request.path_info.startswith(API_PREFIX):
        return server_error_problem(request, ref)
    try:
        body = loader.get_template(template_name).render({"ref": ref})
    except Exception:  # the error page itself must never fail
        body = f"<h1>Server Error (500)</h1><p>Reference: {ref}</p>"
    response = HttpResponseServerError(body)
    response["X-Error-Ref"] = ref
    return response
