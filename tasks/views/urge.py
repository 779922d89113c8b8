"""催办: a committee member presses "urge" on an assignment, with an optional message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks import access
from tasks.forms import UrgeForm
from tasks.services.reminders import assignment_urge


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
    urge_done = None
    if form.is_valid():
        urge_done = assignment_urge(assignment=assignment, urged_by=request.user, message=form.cleaned_data["message"])
        form = UrgeForm()
    if request.htmx:
        return render(
            request,
            "tasks/partials/urge_form.html",
            {"assignment": assignment, "urge_form": form, "urge_done": urge_done},
        )
    if urge_done:
        messages.success(request, _("Urged: the owner and the unit secretary have been told."))
    else:
        messages.error(request, _("The urge was not sent: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect(assignment)
