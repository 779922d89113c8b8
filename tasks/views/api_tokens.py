"""The API token page: a person's own tokens; for the system administrator, the service accounts' tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks import access
from tasks.forms import ApiTokenForm
from tasks.models import ApiToken, User
from tasks.security import duties
from tasks.services.api_tokens import api_token_create, api_token_revoke, may_hold_tokens, may_manage_tokens
from tasks.views.common import apply_service_errors


def _tokens_of(user):
    """The tokens the user manages: their own, and the service accounts' for the system administrator."""
    accounts = [user.pk] if may_hold_tokens(user) else []
    tokens = ApiToken.objects.filter(user_id__in=accounts)
    if duties.may_manage_service_accounts(user):
        tokens = tokens | ApiToken.objects.filter(user__is_service_account=True)
    return tokens.select_related("user", "created_by").order_by("-created_at", "-id")


def _service_accounts(user):
    if not duties.may_manage_service_accounts(user):
        return None
    return User.objects.filter(is_service_account=True, is_active=True).order_by("username")


@login_required
def api_tokens(request):
    user = request.user
    service_accounts = _service_accounts(user)
    may_create = may_hold_tokens(user) or service_accounts is not None
    form = ApiTokenForm(request.POST or None, service_accounts=service_accounts)
    created = None
    status = 200
    if request.method == "POST":
        if not may_create:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                row, secret = api_token_create(
                    actor=user,
                    user=data.get("account") or user,
                    name=data["name"],
                    scope=data["scope"],
                    expires_on=data["expires_on"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                created = (row, secret)
                form = ApiTokenForm(service_accounts=service_accounts)
        if created is None:
            status = 422
    context = {
        "form": form if may_create else None,
        "tokens": _tokens_of(user),
        "created": created,
        "no_service_accounts": service_accounts is not None and not service_accounts.exists(),
        "may_manage_webhooks": access.can_manage_webhooks(user),
    }
    return render(request, "tasks/api_tokens.html", context, status=status)


@login_required
@require_POST
def api_token_revoke_view(request, pk):
    token = ApiToken.objects.select_related("user").filter(pk=pk).first()
    if token is None or not may_manage_tokens(request.user, token.user):
        raise Http404
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    return redirect("api_tokens")
