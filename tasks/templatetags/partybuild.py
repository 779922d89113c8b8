from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.rules import Light

register = template.Library()


@register.inclusion_tag("tasks/partials/light_badge.html")
def light_badge(light):
    light = Light(light)
    return {"light": light, "symbol": light.symbol, "label": light.label}


# An occurrence of organisational life (tasks.selectors.orglife): held, missed, ends soon, not yet due.
_ORGLIFE_LIGHTS = {
    Light.DONE.value: ("light light-done", "✔", gettext_lazy("held")),
    Light.RED.value: ("light light-red", "▲", gettext_lazy("missed")),
    Light.YELLOW.value: ("light light-yellow", "◆", gettext_lazy("ends soon")),
    Light.GREEN.value: ("light light-green", "●", gettext_lazy("not yet due")),
}


@register.simple_tag
def orglife_light(light):
    """An occurrence's light as a badge. A tag, not an included template: the matrix shows hundreds a page, and an
    include costs a template lookup and a context per badge."""
    if light not in _ORGLIFE_LIGHTS:
        return format_html('<span class="text-muted small">{}</span>', _("not started"))
    css, symbol, label = _ORGLIFE_LIGHTS[light]
    return format_html('<span class="{}"><span aria-hidden="true">{}</span>{}</span>', css, symbol, label)


@register.inclusion_tag("tasks/partials/progress_bar.html")
def progress_bar(value, light=None):
    """The bar's width is a class (`pct-0` .. `pct-100` in app.css), not a style attribute: the
    Content-Security-Policy allows no inline style."""
    try:
        width = min(100, max(0, round(float(value or 0))))
    except (TypeError, ValueError):
        width = 0
    return {"value": value, "width": width, "light": Light(light) if light else None}


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
