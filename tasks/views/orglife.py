"""Organisational life (组织生活) pages: a branch's roster, its meeting records, and recording a meeting.

Every page starts by finding the branch among those the user may see (tasks.access.orglife_units): any other id
gets the same 404 as one that does not exist. Writing needs tasks.access.can_keep_orglife."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tasks import access
from tasks.forms import MeetingRecordForm, MeetingTypeForm, PartyGroupForm, PartyMemberForm, RosterImportForm
from tasks.models import Attendance, MeetingRecord, MeetingType, OrgUnit, PartyMember
from tasks.rules import local_today
from tasks.selectors import orglife as selectors
from tasks.services import orglife as services
from tasks.services.evidence import evidence_name, evidence_storage
from tasks.services.exports import XLSX_CONTENT_TYPE
from tasks.services.orglife.ledger import orglife_ledger_build
from tasks.services.orglife.meetings import TEXT_FIELDS, AttendanceLine, roster_for_meeting
from tasks.services.orglife.roster_import import roster_import, roster_template_workbook
from tasks.services.orglife.types import MEETING_TYPE_FIELDS
from tasks.services.plan_import.results import PlanImportError
from tasks.views.common import apply_service_errors, year_param

RECORDS_PER_PAGE = 30


def _unit_for(user, unit_id) -> OrgUnit:
    return access.get_visible_or_404(access.orglife_units(user), pk=unit_id)


def _keeper_unit_for(user, unit_id) -> OrgUnit:
    unit = _unit_for(user, unit_id)
    if not access.can_keep_orglife(user, unit):
        raise Http404
    return unit


@login_required
def orglife_home(request):
    """Where the menu leads: the user's own branch when there is one, else the list of branches they see."""
    units = list(access.orglife_units(request.user).order_by("sort_order", "name"))
    kept = [unit for unit in units if access.can_keep_orglife(request.user, unit)]
    if len(kept) == 1 or len(units) == 1:
        return redirect("meeting_list", unit_id=(kept or units)[0].pk)
    return render(request, "tasks/orglife/branches.html", {"units": units})


# --- Roster -------------------------------------------------------------------------------------------


@login_required
def roster(request, unit_id):
    unit = _unit_for(request.user, unit_id)
    return _roster_page(request, unit)


def _roster_page(request, unit, *, group_form=None, status=200):
    members = list(
        PartyMember.objects.filter(unit=unit)
        .select_related("party_group")
        .order_by("status", "party_group__sort_order", "id")
    )
    active = [m for m in members if m.status == PartyMember.Status.ACTIVE]
    return render(
        request,
        "tasks/orglife/roster.html",
        {
            "unit": unit,
            "members": members,
            "active_count": len(active),
            "probationary_count": sum(m.category == PartyMember.Category.PROBATIONARY for m in active),
            "groups": unit.party_groups.all(),
            "may_keep": access.can_keep_orglife(request.user, unit),
            "group_form": group_form or PartyGroupForm(),
        },
        status=status,
    )


def _member_values(data) -> dict:
    return {
        "name": data["name"],
        "gender": data["gender"],
        "category": data["category"],
        "party_group": data["party_group"],
        "joined_on": data["joined_on"],
        "status": data["status"],
    }


@login_required
def member_create(request, unit_id):
    unit = _keeper_unit_for(request.user, unit_id)
    form = PartyMemberForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.party_member_create(unit=unit, user=request.user, **_member_values(form.cleaned_data))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s added to the roster.") % {"name": member.name})
            if "add_another" in request.POST:
                return redirect("member_create", unit_id=unit.pk)
            return redirect("roster", unit_id=unit.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "tasks/orglife/member_form.html", {"unit": unit, "form": form}, status=status)


@login_required
def member_edit(request, pk):
    member = access.get_visible_or_404(access.visible_party_members(request.user).select_related("unit"), pk=pk)
    unit = _keeper_unit_for(request.user, member.unit_id)
    initial = {
        "version": member.version,
        "name": member.name,
        "gender": member.gender,
        "category": member.category,
        "party_group": member.party_group_id,
        "joined_on": member.joined_on,
        "status": member.status,
    }
    form = PartyMemberForm(request.POST or None, unit=unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.party_member_update(
                member=member,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                account=member.user,
                **_member_values(form.cleaned_data),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Roster updated."))
            return redirect("roster", unit_id=unit.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "tasks/orglife/member_form.html", {"unit": unit, "form": form, "member": member}, status=status
    )


@login_required
@require_POST
def group_create(request, unit_id):
    unit = _keeper_unit_for(request.user, unit_id)
    form = PartyGroupForm(request.POST)
    if form.is_valid():
        try:
            group = services.party_group_create(unit=unit, user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Party group “%(name)s” created.") % {"name": group.name})
            return redirect("roster", unit_id=unit.pk)
    return _roster_page(request, unit, group_form=form, status=422)


@login_required
def roster_import_page(request, unit_id):
    unit = _keeper_unit_for(request.user, unit_id)
    issues, result = [], None
    form = RosterImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = roster_import(unit=unit, user=request.user, file=upload, file_name=upload.name)
        except PlanImportError as error:
            issues = error.issues
        else:
            messages.success(
                request,
                _("Roster imported: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.")
                % {"created": len(result.created), "updated": len(result.updated), "unchanged": len(result.unchanged)},
            )
            return redirect("roster", unit_id=unit.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "tasks/orglife/roster_import.html", {"unit": unit, "form": form, "issues": issues}, status=status
    )


@login_required
@require_GET
def roster_template(request, unit_id):
    unit = _keeper_unit_for(request.user, unit_id)
    return FileResponse(
        io.BytesIO(roster_template_workbook(unit=unit)),
        as_attachment=True,
        filename=f"{unit.label}党员名册导入模板.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


# --- Meeting records -----------------------------------------------------------------------------------


@login_required
def meeting_list(request, unit_id):
    unit = _unit_for(request.user, unit_id)
    records = (
        MeetingRecord.objects.filter(unit=unit)
        .select_related("party_group")
        .prefetch_related("types")
        .order_by("-held_on", "-id")
    )
    page = Paginator(records, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    today = local_today()
    year_rows = {}
    for occurrence in selectors.occurrences_for(unit_ids=[unit.pk], year=today.year, today=today)[unit.pk]:
        if occurrence.light is not None:  # periods not started owe nothing yet
            year_rows.setdefault(occurrence.label, []).append(occurrence)
    return render(
        request,
        "tasks/orglife/meeting_list.html",
        {
            "unit": unit,
            "page": page,
            "records": page.object_list,
            "may_keep": access.can_keep_orglife(request.user, unit),
            "groups": unit.party_groups.all(),
            "year": today.year,
            "year_rows": list(year_rows.items()),
            "absences": selectors.absent_members(unit_ids=[unit.pk], today=today),
        },
    )


@login_required
def meeting_detail(request, pk):
    record = access.get_visible_or_404(
        access.visible_meetings(request.user).select_related("unit", "party_group", "created_by"), pk=pk
    )
    attendance = list(
        record.attendance.select_related("member__party_group").order_by("member__party_group__sort_order", "member_id")
    )
    return render(
        request,
        "tasks/orglife/meeting_detail.html",
        {
            "record": record,
            "unit": record.unit,
            "types": list(record.types.all()),
            "attendance": attendance,
            "files": list(record.files.all()),
            "may_keep": access.can_keep_orglife(request.user, record.unit),
        },
    )


def _attendance_from_post(post, members) -> tuple[list[AttendanceLine], dict[int, tuple[str, str]]]:
    """One line per member listed on the page; what was chosen, to show again after an error."""
    lines, chosen = [], {}
    for member in members:
        status = post.get(f"att-{member.pk}")
        if status is None:
            continue
        reason = post.get(f"reason-{member.pk}", "")[:300]
        lines.append(AttendanceLine(member.pk, status, reason))
        chosen[member.pk] = (status, reason)
    # A member of another branch posted by hand is passed on, so that the service refuses it by name.
    listed = {member.pk for member in members}
    for key in post:
        if key.startswith("att-") and key[4:].isdigit() and int(key[4:]) not in listed:
            lines.append(AttendanceLine(int(key[4:]), post[key], post.get(f"reason-{key[4:]}", "")))
    return lines, chosen


def _attendance_list(unit, record, party_group) -> tuple[list, dict[int, tuple[str, str]]]:
    """Who is listed, and what was chosen for them: the roster's members on the roll (one party group's); for a
    correction, who was on the record and anyone on the roll since, as recorded."""
    members = roster_for_meeting(unit=unit, party_group=party_group)
    if record is None:
        return members, {}
    kept = {row.member_id: row for row in record.attendance.select_related("member__party_group")}
    on_record = [row.member for row in kept.values()]
    members = on_record + [m for m in members if m.pk not in kept]
    return members, {member_id: (row.status, row.reason) for member_id, row in kept.items()}


def _meeting_save(request, unit, record, form, lines):
    """The service's record, or None with its refusal on the form (attendance's above the attendance list)."""
    data = form.cleaned_data
    values = {
        "user": request.user,
        "types": list(data["types"]),
        "attendance": lines,
        **{field: data[field] for field in (*TEXT_FIELDS, "held_on", "party_group", "files")},
    }
    try:
        if record is None:
            return services.meeting_record_create(unit=unit, **values)
        return services.meeting_record_update(record=record, expected_version=data["version"], **values)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            # Attendance is not a form field: its errors show above the attendance list, not twice.
            found = error.message_dict
            form.attendance_errors = found.pop("attendance", [])
            error = ValidationError(found) if found else None
        if error is not None:
            apply_service_errors(form, error)
    return None


def _meeting_form_page(request, unit, *, record=None):
    """Record a meeting (or correct one). The attendance list is the roster's members on the roll (one party
    group's, for a group meeting chosen with ?group=), everyone present until changed."""
    group_id = request.POST.get("party_group") or request.GET.get("group") or (record and record.party_group_id)
    party_group = unit.party_groups.filter(pk=group_id).first() if str(group_id or "").isdigit() else None
    members, chosen = _attendance_list(unit, record, party_group)
    if request.method == "POST":
        form = MeetingRecordForm(request.POST, request.FILES, unit=unit, record=record)
        lines, chosen = _attendance_from_post(request.POST, members)
        saved = _meeting_save(request, unit, record, form, lines) if form.is_valid() else None
        if saved is not None:
            messages.success(
                request,
                _("Meeting recorded: %(present)d of %(expected)d present.")
                % {"present": saved.present_count, "expected": saved.expected_count},
            )
            return redirect(saved)
        if request.FILES:
            form.add_error("files", _("The files you chose were not kept: choose them again."))
        chosen_types = {int(pk) for pk in request.POST.getlist("types") if pk.isdigit()}
    else:
        form = MeetingRecordForm(unit=unit, record=record, initial=_initial(request, unit, record, party_group))
        chosen_types = {t.pk for t in form.initial.get("types", [])}
    rows = [
        {
            "member": member,
            "status": chosen.get(member.pk, (Attendance.Status.PRESENT, ""))[0],
            "reason": chosen.get(member.pk, ("", ""))[1],
        }
        for member in members
    ]
    return render(
        request,
        "tasks/orglife/meeting_form.html",
        {
            "unit": unit,
            "record": record,
            "form": form,
            "rows": rows,
            "party_group": party_group,
            "groups": unit.party_groups.all(),
            "statuses": Attendance.Status.choices,
            "attendance_errors": getattr(form, "attendance_errors", []),
            "type_options": list(form.fields["types"].queryset),
            "chosen_types": chosen_types,
            "today": local_today(),
        },
        status=422 if request.method == "POST" else 200,
    )


def _initial(request, unit, record, party_group) -> dict:
    if record is not None:
        return {
            "version": record.version,
            "types": list(record.types.all()),
            "party_group": record.party_group_id,
            "held_on": record.held_on,
            "place": record.place,
            "host": record.host,
            "recorder": record.recorder,
            "topics": record.topics,
            "lecturer": record.lecturer,
            "lecture_title": record.lecture_title,
            "minutes": record.minutes,
        }
    # The place, host and recorder of the branch's last meeting are most often this one's too.
    last = MeetingRecord.objects.filter(unit=unit).order_by("-held_on", "-id").first()
    initial = {"held_on": local_today(), "party_group": getattr(party_group, "pk", None)}
    if last is not None:
        initial.update(place=last.place, host=last.host, recorder=last.recorder)
    else:
        initial["host"] = request.user.display_name[:30]
    if party_group is not None:
        initial["types"] = list(MeetingType.objects.filter(per_party_group=True, is_active=True))
    elif request.GET.get("type"):
        initial["types"] = list(MeetingType.objects.filter(code=request.GET["type"], is_active=True))
    return initial


@login_required
def meeting_create(request, unit_id):
    unit = _keeper_unit_for(request.user, unit_id)
    return _meeting_form_page(request, unit)


@login_required
def meeting_edit(request, pk):
    record = access.get_visible_or_404(access.visible_meetings(request.user).select_related("unit"), pk=pk)
    unit = _keeper_unit_for(request.user, record.unit_id)
    return _meeting_form_page(request, unit, record=record)


@login_required
@require_GET
def ledger_download(request, unit_id):
    """组织生活台账 of the branch for a year (?year=, this year by default), one sheet per meeting type."""
    unit = _unit_for(request.user, unit_id)
    year = _year(request)
    out = io.BytesIO()
    orglife_ledger_build(unit=unit, year=year, user=request.user, out=out)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"{unit.label}{year}年组织生活台账.xlsx", content_type=XLSX_CONTENT_TYPE
    )


@login_required
@require_GET
def meeting_file_download(request, pk):
    stored = access.get_visible_or_404(access.visible_meeting_files(request.user), pk=pk)
    storage, name = evidence_storage(), evidence_name(stored)
    if not storage.exists(name):
        raise Http404
    response = FileResponse(
        storage.open(name, "rb"), as_attachment=True, filename=stored.original_name, content_type=stored.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def meeting_file_delete(request, pk, file_id):
    """Delete one file of a saved record, after a confirmation (files chosen for a record not yet saved are only
    un-chosen in the form). A second click finds the file gone and says so on the record."""
    record = access.get_visible_or_404(access.visible_meetings(request.user).select_related("unit"), pk=pk)
    _keeper_unit_for(request.user, record.unit_id)
    stored = record.files.filter(pk=file_id).first()
    if stored is None:
        messages.info(request, _("This file was already deleted."))
        return redirect(record)
    errors = []
    if request.method == "POST":
        try:
            services.meeting_file_delete(stored=stored, user=request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("File “%(name)s” deleted.") % {"name": stored.original_name})
            return redirect(record)
    return render(
        request,
        "tasks/orglife/meeting_file_delete.html",
        {"record": record, "unit": record.unit, "file": stored, "errors": errors},
        status=422 if errors else 200,
    )


# --- Compliance: the matrix and the 6-month list ----------------------------------------------------------


def _year(request) -> int:
    year = year_param(request)
    today = local_today()
    return year if year is not None and 2000 <= year <= today.year else today.year


@login_required
def orglife_matrix_page(request):
    """Branches × types (this year so far), or branches × periods of one type; each cell links to its record."""
    year = _year(request)
    matrix = selectors.orglife_matrix(
        request.user, year=year, type_code=request.GET.get("type") or None, page_number=request.GET.get("page")
    )
    if not matrix.rows and not access.orglife_units(request.user).exists():
        raise Http404
    today = local_today()
    return render(
        request,
        "tasks/orglife/matrix.html",
        {"matrix": matrix, "year": year, "years": range(today.year, today.year - 5, -1), "today": today},
    )


@login_required
def absences_page(request):
    """党章第九条: members absent from organisational life without reason for six consecutive months."""
    units = access.orglife_units(request.user)
    runs = selectors.absent_members(unit_ids=list(units.values_list("pk", flat=True)))
    return render(request, "tasks/orglife/absences.html", {"runs": runs, "run_months": selectors.ABSENCE_RUN_MONTHS})


# --- The duties themselves: the committee's --------------------------------------------------------------


@login_required
def meeting_types_page(request, pk=None):
    """The meeting types and their cadence (the regulations' defaults); the committee changes them and adds types,
    in the middle of a year too (a new type owes from its "owed from" day)."""
    if not access.can_manage_meeting_types(request.user):
        raise Http404
    meeting_type = get_object_or_404(MeetingType, pk=pk) if pk is not None else None
    initial = {"cadence": MeetingType.Cadence.MONTH, "is_active": True}
    if meeting_type is not None:
        initial = {field: getattr(meeting_type, field) for field in MEETING_TYPE_FIELDS}
    form = MeetingTypeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.meeting_type_save(user=request.user, meeting_type=meeting_type, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Meeting type “%(name)s” saved.") % {"name": saved.name})
            return redirect("meeting_types")
    return render(
        request,
        "tasks/orglife/meeting_types.html",
        {"types": MeetingType.objects.order_by("sort_order", "id"), "form": form, "editing": meeting_type},
        status=422 if request.method == "POST" else 200,
    )
