import functools
from urllib.parse import urlencode

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.formats import localize
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from tasks.rules import Light

register = template.Library()


# Badges and bars are tags that return their HTML, not inclusion tags: a list of 100 rows draws 200 of them, and an
# inclusion tag renders a template (a context and its nodes) for each.
@functools.cache
def _light_badges(language: str) -> dict[str, str]:
    """The five lights' badges in one language, built once: a page of lists shows a few hundred."""
    return {
        light.value: format_html(
            '<span class="light light-{}" title="{}"><span aria-hidden="true">{}</span>{}</span>',
            light.value,
            light.label,
            light.symbol,
            light.label,
        )
        for light in Light
    }


@register.simple_tag
def light_badge(light):
    return _light_badges(get_language() or "")[Light(light).value]


# An occurrence of organisational life (tasks.selectors.orglife): held, missed, ends soon, not yet due.
_ORGLIFE_LIGHTS = {
    Light.DONE.value: ("light light-done", "✔", "held"),
    Light.RED.value: ("light light-red", "▲", "missed"),
    Light.YELLOW.value: ("light light-yellow", "◆", "ends soon"),
    Light.GREEN.value: ("light light-green", "●", "not yet due"),
}
# Marked for translation here; translated when rendered.
_ORGLIFE_LABELS = (gettext_noop("held"), gettext_noop("missed"), gettext_noop("ends soon"), gettext_noop("not yet due"))


@functools.cache
def _orglife_badges(language: str) -> dict:
    """The five badges in one language, built once: the committee's matrix shows up to 1,800 a page."""
    badges = {
        light: format_html('<span class="{}"><span aria-hidden="true">{}</span>{}</span>', css, symbol, _(label))
        for light, (css, symbol, label) in _ORGLIFE_LIGHTS.items()
    }
    badges[None] = format_html('<span class="text-muted small">{}</span>', _("not started"))
    return badges


@register.simple_tag
def orglife_light(light):
    """An occurrence's light as a badge. A tag, not an included template (a template lookup and a context per
    badge)."""
    badges = _orglife_badges(get_language() or "")
    return badges.get(light, badges[None])


_PK_SENTINEL = 987654321


@functools.cache
def _url_pattern(name: str, prefix: str) -> str:
    """The path of `name` with a placeholder for its one pk: reversed once a process (and script prefix), not once a
    row or cell (a `reverse` costs as much as the rest of a row)."""
    return reverse(name, args=[_PK_SENTINEL])


def path_to(name: str, pk: int) -> str:
    """The path of the view `name` for `pk`, as `{% url name pk %}` gives it, for tags that draw hundreds of links."""
    return _url_pattern(name, get_script_prefix()).replace(str(_PK_SENTINEL), str(pk))


@register.simple_tag
def orglife_period_cell(cell):
    """A cell of the matrix by period: the badge of each occurrence (one per party group), linked to the record
    that met it. Built here rather than by nested template loops, and the record's address by `path_to` rather
    than one `{% url %}` per cell: a page of 50 branches × 12 months × party groups has some 1,800 badges."""
    badges = _orglife_badges(get_language() or "")

    def badge(light, record_id, title=None) -> str:
        shown = badges.get(light, badges[None])
        title_attribute = f' title="{escape(title)}"' if title else ""
        if record_id:
            return f'<a href="{path_to("meeting_detail", record_id)}"{title_attribute}>{shown}</a>'
        return f"<span{title_attribute}>{shown}</span>" if title else shown

    # Plain strings, escaped where they hold text (the title), marked safe once: format_html per badge cost more
    # than the rest of the cell.
    if len(cell.occurrences) > 1:
        return mark_safe("".join(badge(o.light, o.record_id, o.label) for o in cell.occurrences))  # noqa: S308
    if cell.occurrences:
        return mark_safe(badge(cell.light, cell.record_id))  # noqa: S308
    return mark_safe('<span class="text-muted">—</span>')


@register.simple_tag
def orglife_summary_cell(cell, year):
    """A cell of the matrix's summary (one column per type): held / owed so far, linked to the type by period,
    and how many are missed or end soon. A tag for the same reason as orglife_period_cell (350 cells a page)."""
    tally = cell.tally
    if not tally.owed:
        return mark_safe('<span class="text-muted">—</span>')
    query = escape(urlencode({"year": year, "type": cell.column.code}))
    html = (
        f'<a href="?{query}" class="text-decoration-none matrix-tally" title="{escape(_("held / owed so far"))}">'
        f"{tally.done}/{tally.owed}</a>"
    )
    if tally.red:
        html += f' <span class="light light-red"><span aria-hidden="true">▲</span>{tally.red}</span>'
    elif tally.yellow:
        html += f' <span class="light light-yellow"><span aria-hidden="true">◆</span>{tally.yellow}</span>'
    return mark_safe(html)  # noqa: S308 (numbers, and text escaped above)


@register.simple_tag
def progress_bar(value, light=None):
    """The bar's width is a class (`pct-0` .. `pct-100` in app.css), not a style attribute: the
    Content-Security-Policy allows no inline style."""
    try:
        width = min(100, max(0, round(float(value or 0))))
    except (TypeError, ValueError):
        width = 0
    shown = escape(localize(value))
    # An f-string, not format_html: a list of 100 rows draws 100 bars.
    return mark_safe(  # noqa: S308 - the label and the number escaped, the rest our own
        f'<div class="progress progress-cell" role="progressbar" aria-label="{escape(_("Progress"))}" '
        f'aria-valuenow="{shown}" aria-valuemin="0" aria-valuemax="100"><div class="progress-bar pct-{width}'
        f'{f" light-{Light(light).value}" if light else ""}">{shown}%</div></div>'
    )


@register.filter
def workdays_phrase(workdays_left: int) -> str:
    if workdays_left > 0:
        return _("%(n)d working days left") % {"n": workdays_left}
    if workdays_left == 0:
        return _("due today")
    return _("%(n)d working days overdue") % {"n": -workdays_left}


@register.inclusion_tag("tasks/partials/plan_status.html")
def plan_status(plan):
    """The plan's status as a badge (草稿 / 已发布 / 已关闭), wherever a plan is named."""
    return {"plan": plan}


@register.filter
def plan_choice(plan) -> str:
    """A plan in a year chooser: its year, and "（草稿）" or "（已关闭）" when it is not the live one."""
    from tasks.models import AnnualPlan

    if plan.status == AnnualPlan.Status.PUBLISHED:
        return str(plan.year)
    return f"{plan.year}（{plan.get_status_display()}）"
