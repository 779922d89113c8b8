"""The rows of the long lists (the assignment list, the key task page and workbench cards, the dashboard's red and
due-soon lists), built here rather than by a template included per row.

Measured at 50,000 assignments (bench/RESULTS.md): 100 rows of the assignment list took 17 ms as template rows, the
60 cards of a key task page 12 ms; the template engine resolves each of a row's ~50 nodes through its lookup rules,
with a context pushed per include. Here a row is one f-string. Every text from the database goes through `_text`
(escaped); the rest are numbers, dates and our own translated strings, escaped too where a translation holds a
value. The markup is the one the templates had: tests and CSS read it.
"""

import datetime as dt
from html import escape

from django.template import Library
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tasks.models import ProgressReport
from tasks.rules.figures import percent_text
from tasks.templatetags.partybuild import light_badge, path_to, progress_bar, workdays_phrase

register = Library()


def _text(value) -> str:
    return escape(str(value)) if value is not None else ""


def _day(value, template: str = "%Y-%m-%d") -> str:
    """A date, or a datetime in local time, as the `date` filter shows it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return value.strftime(template)


def _urged(urges, date_format: str) -> str:
    """ "urged 2 times, last 12-01", or nothing for an assignment not urged."""
    if not urges or not urges.count:
        return ""
    return ngettext("urged %(counter)s time, last %(when)s", "urged %(counter)s times, last %(when)s", urges.count) % {
        "counter": urges.count,
        "when": _day(urges.last_at, date_format),
    }


def _cut(text: str, length: int) -> str:
    """`text` cut to `length` characters as the truncatechars filter cuts it (only a longer text needs Truncator)."""
    return Truncator(text).chars(length) if len(text) > length else text


def _unit_and_owner(assignment) -> str:
    """ "办公室支部 · 张伟": the unit, and the owner when there is one."""
    owner = assignment.owner
    return _text(assignment.unit.label) + (f" · {_text(owner.display_name)}" if owner else "")


def _task_title(assignment, length: int | None = None) -> str:
    title = assignment.key_task.title
    return f"{_text(assignment.key_task.number)} {_text(_cut(title, length) if length else title)}"


@register.simple_tag
def assignment_list_row(row, may_urge: bool):
    """A row of the assignment list (tasks/assignment_list.html): its tick box for urging, the key task and area,
    unit, owner, light, deadline (working days left, urges) and progress."""
    assignment = row.assignment
    unit = _text(assignment.unit.label)
    cells = []
    if may_urge:
        tick = ""
        if not assignment.is_completed:
            said = _("Select %(task)s · %(unit)s") % {"task": assignment.key_task.number, "unit": assignment.unit.label}
            tick = (
                f'<input type="checkbox" class="form-check-input" name="assignment" value="{assignment.pk}" '
                f'form="urge-many" id="pick-{assignment.pk}" aria-label="{_text(said)}">'
            )
        cells.append(f'<td class="stack-check">{tick}</td>')
    deadline = _day(assignment.deadline)
    if not assignment.is_completed:
        deadline += f'<div class="small text-muted">{_text(workdays_phrase(row.workdays_left))}</div>'
    urged = _urged(getattr(row, "urges", None), "%m-%d")
    if urged:
        deadline += f'<div class="small text-muted">{_text(urged)}</div>'
    owner = _text(assignment.owner.display_name) if assignment.owner else "–"
    cells += [
        f'<td class="text-wrap minw-14"><a href="{path_to("assignment_detail", assignment.pk)}">'
        f"{_task_title(assignment)}</a>\n"
        f'          <div class="small text-muted">{_text(assignment.key_task.area.name)}</div></td>',
        f'<td data-label="{_text(_("Unit"))}">{unit}</td>',
        f'<td data-label="{_text(_("Owner"))}">{owner}</td>',
        f"<td>{light_badge(row.light)}</td>",
        f'<td class="text-nowrap" data-label="{_text(_("Deadline"))}">{deadline}</td>',
        f'<td class="minw-7">{progress_bar(assignment.progress, row.light)}</td>',
    ]
    return mark_safe(f"<tr>\n        {''.join(cells)}\n      </tr>")  # noqa: S308 - every text escaped above


def _latest_report(report) -> str:
    """The line under a card's bar: its latest report awaiting review, returned (with the committee's comment) or
    approved."""
    if report is None:
        return ""
    if report.state == ProgressReport.State.SUBMITTED:
        said = f'<span class="badge text-bg-info">{_text(_("Report awaiting review"))}</span>'
    elif report.state == ProgressReport.State.RETURNED:
        said = (
            f'<span class="badge text-bg-warning">{_text(_("Report returned"))}</span>\n'
            f'              <span class="text-muted">{_text(_cut(report.review_comment, 40))}</span>'
        )
    else:
        approved = _("Approved %(date)s") % {"date": _day(report.reviewed_at)}
        said = f'<span class="text-muted">{_text(approved)}</span>'
    return f'\n          <div class="small mt-1">\n            {said}\n          </div>'


@register.simple_tag
def assignment_card(row):
    """An assignment as a card (the key task page, the workbench, the assignment page's head): key task, area, unit
    and owner; light; deadline and working days left; progress, the Report button when the viewer may report and no
    report awaits review, and the latest report's state."""
    assignment, light, report = row.assignment, row.light, row.latest_report
    who = f"{_text(assignment.key_task.area.name)} · {_unit_and_owner(assignment)}"
    left = ""
    if not assignment.is_completed:
        left = f'\n        <div class="text-muted">{_text(workdays_phrase(row.workdays_left))}</div>'
    button = ""
    if row.may_report and (report is None or report.state != ProgressReport.State.SUBMITTED):
        button = (
            f'\n            <a class="btn btn-sm btn-danger text-nowrap" '
            f'href="{path_to("report_create", assignment.pk)}">{_text(_("Report"))}</a>'
        )
    return mark_safe(  # noqa: S308 - every text escaped above
        f'<div class="card task-card border-light-{light.value} mb-2" id="assignment-{assignment.pk}">\n'
        f'  <div class="card-body py-2">\n'
        f'    <div class="row g-2 align-items-center">\n'
        f'      <div class="col-12 col-lg-5">\n'
        f'        <a class="fw-semibold text-decoration-none" href="{path_to("assignment_detail", assignment.pk)}">'
        f"{_task_title(assignment)}</a>\n"
        f'        <div class="small text-muted">{who}</div>\n'
        f"      </div>\n"
        f'      <div class="col-6 col-lg-2">{light_badge(light)}</div>\n'
        f'      <div class="col-6 col-lg-2 small">\n'
        f"        <div>{_text(_('Deadline'))} {_day(assignment.deadline)}</div>{left}\n"
        f"      </div>\n"
        f'      <div class="col-12 col-lg-3">\n'
        f'        <div class="d-flex align-items-center gap-2">\n'
        f'          <div class="flex-grow-1">{progress_bar(assignment.progress, light)}</div>{button}\n'
        f"        </div>{_latest_report(report)}\n"
        f"      </div>\n"
        f"    </div>\n"
        f"  </div>\n"
        f"</div>\n"
    )


def _follow_up(follow) -> str:
    """When a late assignment was last reported and urged (the dashboard's red list)."""
    if follow.last_report_at:
        reported = _("last report %(day)s") % {"day": _day(follow.last_report_at)}
    else:
        reported = _("no report yet")
    urged = _urged(follow.urges, "%Y-%m-%d") or _("not urged yet")
    return f'\n        <div class="small text-muted follow-up">{_text(reported)} · {_text(urged)}</div>'


@register.simple_tag
def dashboard_row(row, follow=None):
    """A row of the dashboard's red or due-soon list: key task, unit and owner (with the follow-up line on the red
    list), light, deadline and working days left."""
    assignment = row.assignment
    who = _unit_and_owner(assignment)
    return mark_safe(  # noqa: S308 - every text escaped above
        f"<tr>\n"
        f'      <td><a href="{path_to("assignment_detail", assignment.pk)}">{_task_title(assignment, 32)}</a>\n'
        f'        <div class="small text-muted">{who}</div>{_follow_up(follow) if follow else ""}</td>\n'
        f'      <td class="text-end text-nowrap">{light_badge(row.light)}\n'
        f'        <div class="small">{_day(assignment.deadline)}</div>'
        f'<div class="small text-muted">{_text(workdays_phrase(row.workdays_left))}</div></td>\n'
        f"    </tr>"
    )


@register.simple_tag
def unit_table_row(row, url: str, counts, ranks_shown: bool):
    """A row of the dashboard's unit table: rank (for the ranking committee only), unit, its assignments by light
    (each linked to them), completion rate, on-time rate and progress."""
    cells = [f"<td>{row.rank}</td>"] if ranks_shown else []
    cells.append(f'<td><a href="{_text(url)}">{_text(row.name)}</a></td>')
    for _light, count, light_url in counts:
        shown = f'<a href="{_text(light_url)}">{count}</a>' if count else '<span class="text-muted">0</span>'
        cells.append(f'<td class="text-end">{shown}</td>')
    lights = row.lights
    cells += [
        f'<td class="text-end">{_text(percent_text(lights.completion_rate))}</td>',
        f'<td class="text-end">{_text(percent_text(lights.on_time_rate))}</td>',
        f'<td class="text-end">{_text(localize(lights.progress))}%</td>',
    ]
    return mark_safe(f"<tr>{''.join(cells)}</tr>")  # noqa: S308 - every text escaped above


@register.simple_tag
def light_count_links(counts):
    """An area's assignments by light on the dashboard: each light it has, with its count, linked to them."""
    return mark_safe(  # noqa: S308 - labels and addresses escaped
        "".join(
            f'<a class="light-count me-2" href="{_text(url)}" title="{_text(light.label)}">'
            f'<span class="light light-{light.value}"><span aria-hidden="true">{light.symbol}</span>'
            f'<span class="visually-hidden">{_text(light.label)}</span> {count}</span></a>'
            for light, count, url in counts
            if count
        )
    )


@register.simple_tag
def waiting_report_row(report):
    """A report waiting for review on the dashboard: key task, unit, percent reported and when."""
    assignment = report.assignment
    return mark_safe(  # noqa: S308 - every text escaped
        f'<tr><td class="wrap"><a href="{path_to("assignment_detail", assignment.pk)}">{_task_title(assignment, 30)}'
        f"</a></td><td>{_text(assignment.unit.label)}</td>"
        f'<td class="text-end">{report.percent}%</td><td class="text-muted">{_day(report.submitted_at)}</td></tr>'
    )


@register.simple_tag
def difficulty_item(report):
    """An open difficulty on the dashboard: the assignment's light, key task and unit, when it was raised, and the
    start of what it says."""
    assignment = report.assignment
    return mark_safe(  # noqa: S308 - every text escaped
        f'<li class="mb-2">{light_badge(report.light)}\n'
        f'  <a href="{path_to("assignment_detail", assignment.pk)}">{_text(assignment.key_task.number)} · '
        f"{_text(assignment.unit.label)}</a>\n"
        f'  <span class="text-muted small">{_day(report.submitted_at)}</span>\n'
        f'  <div class="small text-prewrap">{_text(_cut(report.obstacles, 160))}</div>\n'
        f"</li>"
    )
