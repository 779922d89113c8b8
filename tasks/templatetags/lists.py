from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from tasks import cache

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label, current: str):
    """A column header that sorts by `key`, and reverses on a second click; keeps the other filters."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    active = current.lstrip("-") == key
    descending = current.startswith("-")
    query["sort"] = f"-{key}" if active and not descending else key
    mark = ""
    if active:
        mark = " ▼" if descending else " ▲"
    state = (_("descending") if descending else _("ascending")) if active else ""
    return format_html(
        '<a href="?{}" class="text-reset text-decoration-none"{}>{}{}</a>{}',
        query.urlencode(),
        format_html(' aria-sort="{}"', state) if active else "",
        label,
        mark,
        format_html('<span class="visually-hidden"> ({})</span>', state) if active else "",
    )


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"


@register.filter
def percent(value) -> str:
    return "–" if value is None else f"{value}%"


@register.simple_tag
def choice_options(filterset, name: str, label_attr: str):
    """The <option>s of a model filter, the chosen one selected.

    At provincial scale a unit or owner filter offers 500 choices: loading and escaping them took ~30 ms of
    every list page, so the escaped labels are kept in the shared cache until the next write (the key is the
    choices' SQL, which holds what this user may see). A person's renamed account is not such a write (logins
    save accounts too often): the old name may show here for up to the cache's five minutes."""
    queryset = filterset.filters[name].queryset
    choices = cache.cached(
        ("filter-choices", cache.query_key(queryset), label_attr),
        lambda: [(str(obj.pk), escape(getattr(obj, label_attr))) for obj in queryset],
    )
    chosen = str(filterset.form[name].value() or "")
    # Safe: labels were escaped above and primary keys are integers; format_html per option cost ~20 ms.
    return mark_safe(  # noqa: S308
        "".join(f'<option value="{pk}"{" selected" if pk == chosen else ""}>{label}</option>' for pk, label in choices)
    )
