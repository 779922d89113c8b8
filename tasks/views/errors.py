"""Error pages. The 500 page shows a reference that is also in the log line carrying the traceback."""

import secrets

from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def server_error(request, template_name="500.html"):
    ref = getattr(request, "error_ref", None)
    if ref is None:
        ref = request.error_ref = secrets.token_hex(4).upper()
    try:
        body = loader.get_template(template_name).render({"ref": ref})
    except Exception:  # the error page itself must never fail
        body = f"<h1>Server Error (500)</h1><p>Reference: {ref}</p>"
    response = HttpResponseServerError(body)
    response["X-Error-Ref"] = ref
    return response
