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
    return {"value": value, "light": Light(light) if light else None}


@register.filter
def workdays_phrase(workdays_left: int) -> str:
    if workdays_left > 0:
        return _("%(n)d working days left") % {"n": workdays_left}
    if workdays_left == 0:
        return _("due today")
    return _("%(n)d working days overdue") % {"n": -workdays_left}
