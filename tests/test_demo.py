import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from tasks import access
from tasks.models import AnnualPlan, Assignment, Bundle, InboxMessage, KeyTask, OrgUnit, ProgressReport, User
from tasks.selectors import assignment_rows, committee_rollup, current_plan
from tasks.selectors.orglife import orglife_summary
from tests.factories import OrgUnitFactory, PlanFactory

TODAY = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


def counts():
    return (KeyTask.objects.count(), Assignment.objects.count(), ProgressReport.objects.count(), User.objects.count())


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_demo_builds_the_reference_plan_every_light_and_working_accounts(client, settings):
    """One build, several checks: building the demo takes seconds."""
    call_command("seed_demo", "--password", "Demo-pass-2023")

    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH).count() >= 8
    plan = AnnualPlan.objects.get(year=2023)
    assert plan.areas.count() == 4
    assert KeyTask.objects.filter(plan=plan).count() >= 20
    titles = " ".join(KeyTask.objects.filter(plan=plan).values_list("title", flat=True))
    for phrase in [
        "第一议题",
        "中心组学习",
        "月读一书",
        "红色教育",
        "办实事",
        "领题调研",
        "三会一课",
        "组织生活会",
        "民主评议",
        "两优一先",
        "主体责任清单",
        "作风",
        "警示教育",
        "制度修订",
    ]:
        assert phrase in titles, phrase
    assert ProgressReport.objects.filter(assignment__key_task__plan=plan, state="approved").count() > 100
    assert plan.status == AnnualPlan.Status.CLOSED
    assert not ProgressReport.objects.filter(assignment__key_task__plan=plan, state="submitted").exists(), (
        "a closed plan has no report waiting for review"
    )

    rows = assignment_rows(Assignment.objects.filter(key_task__plan__year=2026).select_related("key_task"))
    assert {row.light.value for row in rows} == {"red", "yellow", "green", "done", "done_late"}
    assert ProgressReport.objects.filter(state="submitted", assignment__key_task__plan__year=2026).exists()

    # A tree of committees (README "Many committees"): the 工委 above the bureau, a sister bureau beside it, each
    # with its plan of the year; the bureau sees nothing of its sister, the 工委 sees both.
    top, bureau, sister = (OrgUnit.objects.get(name=name) for name in ("市直机关工委", "市局党委", "市交通运输局党委"))
    assert (top.parent, bureau.parent, sister.parent) == (None, top, top)
    assert set(AnnualPlan.objects.filter(year=2026).values_list("committee", flat=True)) == {
        top.pk,
        bureau.pk,
        sister.pk,
    }
    sister_work = Assignment.objects.filter(key_task__plan__committee=sister)
    assert {row.light.value for row in assignment_rows(sister_work.select_related("key_task"))} >= {"red", "done"}
    bureau_member, top_member = User.objects.get(username="committee"), User.objects.get(username="gongwei")
    assert not access.visible_assignments(bureau_member).filter(pk__in=sister_work).exists()
    assert access.visible_assignments(top_member).filter(pk__in=sister_work).count() == sister_work.count()
    assert current_plan(bureau_member).committee == bureau and current_plan(top_member).committee == top
    # 上级要点 → 本级要点: both bureaus answer the 工委's 1.1 with their own 1.1; its progress is theirs.
    cascaded = Assignment.objects.filter(key_task__plan__committee=top, is_cascaded=True)
    assert set(cascaded.values_list("unit", flat=True)) == {bureau.pk, sister.pk}
    assert cascaded.get(unit=sister).progress == 70  # the sister's 1.1: its branches at 60, 80 and 70
    # The 工委's roll-up: both bureaus, ranked by the 工委, each with its organisational life counted (or "—").
    rollup = {row.committee: row for row in committee_rollup(top_member, year=2026)}
    assert set(rollup) == {bureau, sister} and {row.rank for row in rollup.values()} == {1, 2}
    assert rollup[bureau].orglife == orglife_summary(bureau_member).tally
    assert rollup[sister].orglife is None  # the sister keeps no roster here: its "—" shows in the demo

    secretary1 = User.objects.get(username="secretary1")
    secretary2 = User.objects.get(username="secretary2")
    assert {m.unit_id for m in secretary1.memberships.all()}.isdisjoint(
        {m.unit_id for m in secretary2.memberships.all()}
    )
    # A new user's first look at the inbox: no replayed 退回 notices about reports approved long ago, but today's
    # urges from the committee about late or slipping assignments, unread.
    assert not InboxMessage.objects.filter(reminder__kind="returned").exists()
    assert ProgressReport.objects.filter(state="returned").exists()  # the returns stay on the timelines
    # Their bundles went with them: none is left for the worker to send empty ("the message has no items").
    assert not Bundle.objects.filter(items__isnull=True).exists()
    notices = list(InboxMessage.objects.select_related("reminder__assignment"))
    assert notices, "some unit has a late assignment: its secretary was urged"
    for notice in notices:
        assert (notice.reminder.kind, notice.read_at) == ("urge", None)
        assert notice.reminder.assignment.light in ("red", "yellow")
        assert notice.created_at.date() == TODAY.date()
    settings.DEBUG = True  # printed demo passwords work in development only (tests/test_security_accounts.py)
    for username in ("admin", "secadmin", "auditor", "committee", "secretary1", "secretary2", "gongwei", "committee2"):
        client.post(reverse("login"), {"username": username, "password": "Demo-pass-2023"})
        assert "_auth_user_id" in client.session, username
        client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "committee", "password": "Demo-pass-2023"})
    assert client.get(reverse("home")).status_code == 200
    assert {u.username: u.admin_duty for u in User.objects.exclude(admin_duty="")} == {
        "admin": "system",
        "secadmin": "security",
        "auditor": "audit",
    }
    assert not User.objects.filter(is_superuser=True).exists()

    before = counts()
    call_command("seed_demo")
    assert counts() == before, "seed_demo must be idempotent"


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_seed_without_password_prints_a_working_one(capsys):
    bureau = OrgUnitFactory(name="市局党委", kind=OrgUnit.Kind.COMMITTEE)
    PlanFactory(year=2023, committee=bureau)
    PlanFactory(year=2026, committee=bureau)  # the bureau's plans exist: only the accounts (and the small plans of
    # the 工委 and the sister bureau) are built
    call_command("seed_demo")
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.strip().startswith("secretary1"))
    assert User.objects.get(username="secretary1").check_password(line.split()[-1])
