"""催办: a committee member presses "urge" on an assignment, with a message to the unit; or on several late
assignments at once from the assignment list (one urge, one message and one audit row each)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks import access
from tasks.forms import UrgeForm
from tasks.selectors.urges import urge_summary
from tasks.services.reminders import assignment_urge
from tasks.views.bulk import back_to, ticked_ids
from tasks.views.reports import assignment_page


def _urge_box(request, assignment, form, *, status=200, urge_done=None):
    context = {"assignment": assignment, "urge_form": form, "urge_done": urge_done, "urges": urge_summary(assignment)}
    return render(request, "tasks/partials/urge_form.html", context, status=status)


@login_required
@require_POST
def urge(request, pk):
    # Same 404 for "no such assignment", "not yours" and "you may not urge": nothing is revealed.
    assignment = access.get_visible_or_404(
        access.visible_assignments(request.user).select_related("key_task", "unit"), pk=pk
    )
    if not access.can_urge(request.user, assignment):
        raise Http404
    form = UrgeForm(request.POST)
    if form.is_valid():
        try:
            urge_done = assignment_urge(
                assignment=assignment, urged_by=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        if request.htmx:
            return _urge_box(request, assignment, form, status=422)
        return assignment_page(request, assignment, status=422, urge_form=form)
    if request.htmx:
        return _urge_box(request, assignment, UrgeForm(), urge_done=urge_done)
    messages.success(request, _("Urged: the owner and the unit secretary have been told."))
    return redirect(assignment)


@login_required
@require_POST
def urge_many(request):
    """Urge the ticked assignments of a list, each through the urge service: each one that cannot go (urged today,
    completed, out of sight) is named with the reason; the others go."""
    if not access.can_urge(request.user):
        raise Http404
    back = back_to(request, reverse("assignment_list"))
    ids = ticked_ids(request, "assignment")
    form = UrgeForm(request.POST)
    if not ids:
        messages.error(request, _("Tick the assignments to urge first."))
        return redirect(back)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("message", [])))
        return redirect(back)
    visible = {
        assignment.pk: assignment
        for assignment in access.visible_assignments(request.user).filter(pk__in=ids).select_related("key_task", "unit")
    }
    done = 0
    for assignment_id in ids:
        assignment = visible.get(assignment_id)
        if assignment is None or not access.can_urge(request.user, assignment):
            messages.error(request, _("One of the ticked assignments is no longer there: not urged."))
            continue
        try:
            assignment_urge(assignment=assignment, urged_by=request.user, message=form.cleaned_data["message"])
        except ValidationError as error:
            messages.error(
                request,
                _("%(task)s · %(unit)s: not urged. %(reason)s")
                % {
                    "task": f"{assignment.key_task.number} {assignment.key_task.title}",
                    "unit": assignment.unit.label,
                    "reason": " ".join(error.messages),
                },
            )
            continue
        done += 1
    if done:
        messages.success(
            request,
            _("Urged %(count)d assignments: their owners and unit secretaries have been told.") % {"count": done},
        )
    return redirect(back)
