"""催办: a committee member presses "urge" on an assignment, with a message to the unit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks import access
from tasks.forms import UrgeForm
from tasks.services.reminders import assignment_urge
from tasks.views.reports import assignment_page


@login_required
@require_POST
def urge(request, pk):
    # Same 404 for "no such assignment", "not yours" and "you may not urge": nothing is revealed.
    assignment = access.get_visible_or_404(
        access.visible_assignments(request.user).select_related("key_task", "unit"), pk=pk
    )
    if not access.can_urge(request.user):
        raise Http404
    form = UrgeForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            context = {"assignment": assignment, "urge_form": form}
            return render(request, "tasks/partials/urge_form.html", context, status=422)
        return assignment_page(request, assignment, status=422, urge_form=form)
    try:
        urge_done = assignment_urge(assignment=assignment, urged_by=request.user, message=form.cleaned_data["message"])
    except ValidationError as error:
        form.add_error("message", error.messages)
        if request.htmx:
            context = {"assignment": assignment, "urge_form": form}
            return render(request, "tasks/partials/urge_form.html", context, status=422)
        return assignment_page(request, assignment, status=422, urge_form=form)
    if request.htmx:
        context = {"assignment": assignment, "urge_form": UrgeForm(), "urge_done": urge_done}
        return render(request, "tasks/partials/urge_form.html", context)
    messages.success(request, _("Urged: the owner and the unit secretary have been told."))
    return redirect(assignment)
