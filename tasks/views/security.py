"""Password change (forced when the password is too old) and the audit administrator's log search."""

import csv
import io

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone

from tasks import access
from tasks.audit import Action, audit_denials_flush, audit_record, valid_ip
from tasks.audit.display import audit_rows
from tasks.forms import AuditSearchForm, LoginForm
from tasks.models import AuditEntry
from tasks.services.exports import XLSX_CONTENT_TYPE
from tasks.services.spreadsheet_text import csv_text
from tasks.services.xlsx_stream import StreamingSheet

AUDIT_PAGE_SIZE = 50
AUDIT_EXPORT_LIMIT = 100_000
EXPORT_COLUMNS = [
    "id",
    "created_at",
    "username",
    "ip",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "result",
    "detail",
    "hash",
]
EXPORT_WIDTHS = [8, 20, 14, 16, 14, 18, 10, 30, 8, 60, 20]


class LoginView(auth_views.LoginView):
    """The login form (local passwords and LDAP) and a button per single sign-on provider that is on."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from tasks.security.sso import sso_login_buttons

        return {**super().get_context_data(**kwargs), "sso_buttons": sso_login_buttons()}


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")

    def get_context_data(self, **kwargs):
        from tasks.security.middleware import password_change_required

        return {**super().get_context_data(**kwargs), "forced": password_change_required(self.request.user)}

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(action=Action.PASSWORD_CHANGE, request=self.request, obj=self.request.user)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


def _require_auditor(request) -> None:
    """A 403, not the 404 of work pages: the page is no secret, the duty is what is missing."""
    if not access.can_read_audit_log(request.user):
        raise PermissionDenied


def _filtered(form: AuditSearchForm):
    entries = AuditEntry.objects.all().order_by("-id")
    if not form.is_valid():
        return entries.none()
    data = form.cleaned_data
    if data["q"]:
        from django.db.models import Q

        q = data["q"]
        match = Q(username__icontains=q) | Q(object_repr__icontains=q) | Q(object_type__icontains=q) | Q(object_id=q)
        if _looks_like_ip(q):
            match |= Q(ip=q)
        entries = entries.filter(match)
    if data["action"]:
        entries = entries.filter(action=data["action"])
    if data["result"]:
        entries = entries.filter(result=data["result"])
    if data["date_from"]:
        entries = entries.filter(created_at__date__gte=data["date_from"])
    if data["date_to"]:
        entries = entries.filter(created_at__date__lte=data["date_to"])
    return entries


def _looks_like_ip(value: str) -> bool:
    return valid_ip(value) is not None


@login_required
def audit_log(request):
    """Search the audit log; `?export=csv` or `?export=xlsx` downloads what the search found (itself audited)."""
    _require_auditor(request)
    audit_denials_flush()  # counts of repeated denials whose minute is over, so that none is missing here
    form = AuditSearchForm(request.GET or {"q": ""})
    entries = _filtered(form)
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        rows = entries[:AUDIT_EXPORT_LIMIT]
        audit_record(
            action=Action.EXPORT,
            request=request,
            object_type=AuditEntry._meta.label_lower,
            detail={
                "format": export,
                "filters": {k: str(v) for k, v in (form.cleaned_data or {}).items()} if form.is_valid() else {},
                "rows": rows.count(),
            },
        )
        return _export(rows, export)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tasks/audit_log.html",
        {"form": form, "page": page, "rows": audit_rows(page.object_list), "query": query.urlencode()},
    )


def _row(entry: AuditEntry) -> list:
    return [
        entry.pk,
        timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        entry.username,
        entry.ip or "",
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        entry.result,
        str(entry.detail) if entry.detail else "",
        entry.hash,
    ]


def _export(entries, kind: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if kind == "xlsx":
        # User names and object names are user input: the streaming writer keeps every text a text.
        buffer = io.BytesIO()
        with StreamingSheet(buffer, title="audit", headers=EXPORT_COLUMNS, widths=EXPORT_WIDTHS) as sheet:
            for entry in entries.iterator(chunk_size=2000):
                sheet.append(_row(entry))
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
        return response
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a byte-order mark
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for entry in entries.iterator(chunk_size=2000):
        writer.writerow([csv_text(value) for value in _row(entry)])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
