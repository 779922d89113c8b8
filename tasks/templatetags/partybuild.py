from django import template
from django.utils.translation import gettext as _

from tasks.rules import Light

register = template.Library()


@register.inclusion_tag("tasks/partials/light_badge.html")
def light_badge(light):
    light = Light(light)
    return {"light": light, "symbol": light.symbol, "label": light.label}


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
