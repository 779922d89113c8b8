"""ETags and If-Match: the optimistic-lock version of assignments and reports, over HTTP.

A versioned object's ETag is its version (`"v3"`). A write that changes one (a report on an assignment, a review
of a report, an extension request) must send `If-Match` with the ETag the client read: missing, 428; another
version (someone wrote in between), 412 and nothing changes. The services compare the version under the row lock,
so two clients that read the same version cannot both write.
"""

import re

from django.utils.translation import gettext as _

from tasks.api.problems import PreconditionFailed, PreconditionRequired

ETAG = re.compile(r'^\s*"v([0-9]{1,9})"\s*$')


def etag(version: int) -> str:
    return f'"v{version}"'


def if_match_version(request) -> int:
    """The version the client's If-Match names."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(
            _("Send If-Match with the ETag you read (GET the object first): it keeps you from overwriting a change.")
        )
    match = ETAG.match(header)
    if match is None:
        raise PreconditionFailed(_("If-Match does not name this object's version: GET it again and use its ETag."))
    return int(match.group(1))


def with_etag(response, version: int):
    response["ETag"] = etag(version)
    return response
