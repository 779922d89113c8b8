from django.core.exceptions import ValidationError


def apply_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names, the rest above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def year_param(request) -> int | None:
    """The plan year asked for in the query string (`?year=2024`); None when absent or not a year (the
    page then shows the current plan, tasks.selectors.current_plan)."""
    text = request.GET.get("year", "").strip()
    if len(text) != 4 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


PAGE_SIZES = (50, 100, 200)


def page_size_param(request) -> int:
    """Rows a page of a list (`?per_page=100`): one of PAGE_SIZES, the first when absent or anything else (a
    link offers them; a hand-edited address falls back rather than failing)."""
    text = request.GET.get("per_page", "").strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) in PAGE_SIZES else PAGE_SIZES[0]
