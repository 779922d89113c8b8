"""Many committees, one installation: a 机关工委 over two sister bureaus, each with its own plan of the same year.

A bureau's committee member meets the same 404 on everything of the sister bureau as a branch secretary does on
another branch (tests/test_access.py, the branch wall); lists, dashboards and downloads leave the sister out; the
工委 sees both bureaus but runs only its own plan. Decided in tasks.access alone."""

import io
import zipfile

import pytest
from django.urls import reverse

from tasks import access
from tasks.models import (
    AnnualPlan,
    Assignment,
    ExtensionRequest,
    ProgressReport,
)
from tasks.rules import local_today
from tasks.selectors import current_plan, plan_of_year

# Every URL that names an object of a bureau: (url name, the object's id, GET or POST).
OBJECT_URLS = [
    ("key_task_detail", lambda b: b.key_task.pk, "get"),
    ("assignment_detail", lambda b: b.assignment.pk, "get"),
    ("report_create", lambda b: b.assignment.pk, "get"),
    ("extension_create", lambda b: b.assignment.pk, "post"),
    ("report_review", lambda b: b.report.pk, "post"),
    ("difficulty_answer", lambda b: b.report.pk, "post"),
    ("extension_decide", lambda b: b.extension.pk, "post"),
    ("evidence_download", lambda b: b.evidence.pk, "get"),
    ("evidence_view", lambda b: b.evidence.pk, "get"),
    ("comment_create", lambda b: b.key_task.pk, "post"),
    ("assignment_urge", lambda b: b.assignment.pk, "post"),
    ("cascade_link", lambda b: b.assignment.pk, "post"),
    ("key_task_edit", lambda b: b.key_task.pk, "get"),
    ("key_task_edit", lambda b: b.key_task.pk, "post"),
    ("assignment_add", lambda b: b.key_task.pk, "post"),
    ("assignment_edit", lambda b: b.assignment.pk, "get"),
    ("assignment_edit", lambda b: b.assignment.pk, "post"),
    ("assignment_remove", lambda b: b.assignment.pk, "get"),
    ("meeting_list", lambda b: b.branch.pk, "get"),
    ("meeting_create", lambda b: b.branch.pk, "get"),
    ("orglife_ledger", lambda b: b.branch.pk, "get"),
    ("meeting_detail", lambda b: b.meeting.pk, "get"),
    ("meeting_edit", lambda b: b.meeting.pk, "get"),
    ("meeting_file_download", lambda b: b.meeting_file.pk, "get"),
    ("meeting_file_delete", lambda b: (b.meeting.pk, b.meeting_file.pk), "post"),
    ("roster", lambda b: b.branch.pk, "get"),
    ("member_create", lambda b: b.branch.pk, "get"),
    ("member_edit", lambda b: b.party_member.pk, "get"),
    ("party_group_create", lambda b: b.branch.pk, "post"),
    ("roster_import", lambda b: b.branch.pk, "get"),
    ("roster_template", lambda b: b.branch.pk, "get"),
    ("api:key-task-detail", lambda b: b.key_task.pk, "get"),
    ("api:assignment-detail", lambda b: b.assignment.pk, "get"),
    ("api:report-detail", lambda b: b.report.pk, "get"),
    ("api:extension-detail", lambda b: b.extension.pk, "get"),
    ("api:plan-detail", lambda b: b.plan.pk, "get"),
    ("api:unit-detail", lambda b: b.branch.pk, "get"),
    ("api:evidence-download", lambda b: b.evidence.pk, "get"),
]

MISSING = 987654321


def _fetch(client, name, pk, method):
    url = reverse(name, args=list(pk) if isinstance(pk, tuple) else [pk])
    return client.post(url, {}) if method == "post" else client.get(url)


@pytest.mark.parametrize(("name", "pk_of", "method"), OBJECT_URLS, ids=[f"{n}-{m}" for n, _, m in OBJECT_URLS])
def test_a_sister_bureau_is_the_same_404_as_a_missing_object(client, tree, name, pk_of, method):
    client.force_login(tree.a.member)
    hidden = _fetch(client, name, pk_of(tree.b), method)
    missing = _fetch(client, name, (MISSING, MISSING) if name == "meeting_file_delete" else MISSING, method)
    assert hidden.status_code == missing.status_code == 404, name


# The committee's own pages: anyone without a committee role is told so (403) before any object is looked up.
COMMITTEE_PAGES = {"key_task_edit", "assignment_add", "assignment_edit", "assignment_remove"}


@pytest.mark.parametrize(("name", "pk_of", "method"), OBJECT_URLS, ids=[f"{n}-{m}" for n, _, m in OBJECT_URLS])
def test_a_sister_bureau_branch_secretary_meets_the_same_wall(client, tree, name, pk_of, method):
    client.force_login(tree.b.secretary)
    expected = 403 if name in COMMITTEE_PAGES else 404
    assert _fetch(client, name, pk_of(tree.a), method).status_code == expected, name


@pytest.mark.parametrize(
    "name",
    ["key_task_detail", "assignment_detail", "evidence_download", "meeting_detail", "roster", "api:assignment-detail"],
)
def test_the_bureaus_own_objects_open(client, tree, name):
    """The wall is not a wall for everyone: the same URLs open for the bureau's own committee member."""
    pk_of = {row[0]: row[1] for row in OBJECT_URLS}[name]
    client.force_login(tree.a.member)
    assert client.get(reverse(name, args=[pk_of(tree.a)])).status_code == 200


def test_nothing_of_a_sister_bureau_was_written_by_the_wall(client, tree):
    client.force_login(tree.a.member)
    for name, pk_of, method in OBJECT_URLS:
        _fetch(client, name, pk_of(tree.b), method)
    client.post(reverse("reports_approve_many"), {"reports": [tree.b.report.pk]})
    client.post(reverse("assignment_urge_many"), {"assignments": [tree.b.assignment.pk]})
    tree.b.report.refresh_from_db()
    tree.b.extension.refresh_from_db()
    assert tree.b.report.state == ProgressReport.State.SUBMITTED
    assert tree.b.extension.state == ExtensionRequest.State.PENDING
    assert not tree.b.assignment.urges.exists()


PAGES = [
    "home",
    "dashboard",
    "assignment_list",
    "key_task_list",
    "review_queue",
    "plan_list",
    "exports",
    "orglife_home",
    "orglife_matrix",
    "orglife_absences",
    "inbox",
    "api:assignment-list",
    "api:key-task-list",
    "api:report-list",
    "api:extension-list",
    "api:plan-list",
    "api:unit-list",
    "api:dashboard",
]


@pytest.mark.parametrize("name", PAGES)
def test_lists_and_dashboards_leave_the_sister_bureau_out(client, tree, name):
    client.force_login(tree.a.member)
    response = client.get(reverse(name), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("乙局", tree.b.branch.name):
        assert text not in body, (name, text)


@pytest.mark.parametrize("name", ["ledger_download", "assessment_download", "annual_report_download"])
def test_downloads_hold_the_own_bureau_only(client, tree, name):
    client.force_login(tree.a.member)
    response = client.get(reverse(name))
    assert response.status_code == 200
    text = _zipped_text(b"".join(response.streaming_content))
    # The assessment ranks units once something is due; in December nothing of this plan is late yet.
    assert "甲局" in text or name == "assessment_download"
    assert "乙局" not in text


def _zipped_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def test_the_plan_pages_are_the_viewers_committees(client, tree):
    year = local_today().year
    client.force_login(tree.a.member)
    body = client.get(reverse("plan_detail", args=[year])).content.decode()
    assert tree.a.plan.title in body and "乙局" not in body and tree.top_plan.title not in body
    assert current_plan(tree.a.member) == tree.a.plan
    assert plan_of_year(tree.b.secretary, year) == tree.b.plan
    assert current_plan(tree.top_member) == tree.top_plan


def test_the_top_committee_sees_both_bureaus_and_runs_only_its_own_plan(tree):
    top = tree.top_member
    seen = set(access.visible_assignments(top).values_list("pk", flat=True))
    assert seen == {tree.a.assignment.pk, tree.b.assignment.pk}
    assert set(access.visible_plans(top)) == {tree.top_plan, tree.a.plan, tree.b.plan}
    assert access.can_run_plan(top, tree.top_plan)
    assert not access.can_run_plan(top, tree.a.plan)
    assert not access.can_run_plan(tree.a.member, tree.b.plan)
    assert not access.can_run_plan(tree.a.member, tree.top_plan)


def test_a_bureau_sees_neither_the_sister_nor_the_top_committees_draft(tree):
    AnnualPlan.objects.filter(pk=tree.top_plan.pk).update(status=AnnualPlan.Status.DRAFT)
    assert set(access.visible_plans(tree.a.member)) == {tree.a.plan}
    assert set(access.visible_plans(tree.a.secretary)) == {tree.a.plan}
    AnnualPlan.objects.filter(pk=tree.top_plan.pk).update(status=AnnualPlan.Status.PUBLISHED)
    access.forget_scope(tree.a.member)
    assert set(access.visible_plans(tree.a.member)) == {tree.a.plan, tree.top_plan}


def test_a_plan_gives_work_only_below_its_committee(client, tree):
    client.force_login(tree.a.member)
    url = reverse("assignment_add", args=[tree.a.key_task.pk])
    response = client.post(url, {"add-unit": tree.b.branch.pk})
    assert response.status_code == 422 or "add-unit" in response.content.decode()
    assert not Assignment.objects.filter(key_task=tree.a.key_task, unit=tree.b.branch).exists()
    page = client.get(reverse("key_task_edit", args=[tree.a.key_task.pk])).content.decode()
    assert tree.b.branch.name not in page and tree.b.secretary.full_name not in page


def test_one_plan_a_year_per_committee(tree):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AnnualPlan.objects.create(committee=tree.a.committee_unit, year=tree.a.plan.year, title="重复")
    AnnualPlan.objects.create(committee=tree.a.branch, year=tree.a.plan.year, title="另一个委员会的")


def test_review_reminders_go_to_the_units_own_committee(tree):
    """A report of a bureau's branch waits for that bureau's committee, not the sister's nor the 工委's."""
    users = [tree.top_member.pk, tree.a.member.pk, tree.b.member.pk, tree.a.secretary.pk]
    reviewers = access.reviewers(users)
    assert set(reviewers.committee) == {tree.top_member.pk, tree.a.member.pk, tree.b.member.pk}
    assert reviewers.of(unit_id=tree.a.branch.pk, committee_id=tree.a.committee_unit.pk) == [tree.a.member.pk]
    assert reviewers.of(unit_id=tree.b.branch.pk, committee_id=tree.b.committee_unit.pk) == [tree.b.member.pk]
    assert reviewers.of(unit_id=tree.top_unit.pk, committee_id=tree.top_unit.pk) == [tree.top_member.pk]
    # The 工委's own key task given to a bureau's branch: the 工委 reviews it (access.can_review), not the bureau.
    assert reviewers.of(unit_id=tree.a.branch.pk, committee_id=tree.top_unit.pk) == [tree.top_member.pk]


def test_the_annual_report_is_the_plans_committees_own(tree):
    from tasks.services.annual_report import annual_report_figures

    assert annual_report_figures(plan=tree.a.plan, user=tree.a.member).committee == "甲局党委"
    assert annual_report_figures(plan=tree.top_plan, user=tree.top_member).committee == "市直机关工委"


def test_each_committee_gets_the_weekly_digest_of_its_own_subtree(tree):
    from tasks.selectors import weekly_digest

    members = access.committee_members([tree.top_member.pk, tree.a.member.pk, tree.b.member.pk])
    assert members == {
        tree.top_unit.pk: [tree.top_member.pk],
        tree.a.committee_unit.pk: [tree.a.member.pk],
        tree.b.committee_unit.pk: [tree.b.member.pk],
    }
    today = local_today()
    for bureau, sister in ((tree.a, tree.b), (tree.b, tree.a)):
        text = weekly_digest(today=today, committee_id=bureau.committee_unit.pk).summary()
        assert sister.branch.name not in text
    top = weekly_digest(today=today, committee_id=tree.top_unit.pk)
    # The 工委's digest: its own plan (the bureaus' reports are theirs to review) and one line per bureau.
    assert top.pending_count == 0
    assert sorted(line.committee_id for line in top.by_committee) == sorted(
        [tree.a.committee_unit.pk, tree.b.committee_unit.pk]
    )
    assert weekly_digest(today=today, committee_id=tree.a.committee_unit.pk).pending_count == 1


def test_the_roll_up_and_the_digest_have_the_same_committees_below(tree):
    """One rule (access.committees_below): every level below; a committee in a tree not yet placed under the 工委 is
    the 工委's, as everything under no committee is."""
    from tasks.models import OrgUnit
    from tasks.selectors import weekly_digest
    from tests.factories import PlanFactory

    today = local_today()
    nested = OrgUnit.objects.create(name="甲局机关党委", kind=OrgUnit.Kind.COMMITTEE, parent=tree.a.committee_unit)
    unplaced = OrgUnit.objects.create(name="新划入单位", kind=OrgUnit.Kind.DEPARTMENT)
    loose = OrgUnit.objects.create(name="新划入单位党委", kind=OrgUnit.Kind.COMMITTEE, parent=unplaced)
    for committee in (nested, loose):
        PlanFactory(committee=committee, year=today.year)
    for user in (tree.top_member, tree.a.member):
        access.forget_scope(user)
    a, b = tree.a.committee_unit.pk, tree.b.committee_unit.pk
    # Ranked: the committees right below one's own.
    assert access.lower_committees(tree.top_member) == {a: True, b: True, nested.pk: False, loose.pk: True}
    assert access.lower_committees(tree.a.member) == {nested.pk: True}
    assert access.lower_committees(tree.b.member) == {}

    def digest_lines(committee_id):
        lines = weekly_digest(today=today, committee_id=committee_id).by_committee
        return None if lines is None else {line.committee_id for line in lines}

    assert digest_lines(tree.top_unit.pk) == {a, b, nested.pk, loose.pk}
    assert digest_lines(a) == {nested.pk}
    assert digest_lines(b) is None  # no committees below: no such part


def test_a_webhook_gets_only_the_events_of_plans_its_owner_sees(tree):
    from tasks.models import WebhookDelivery, WebhookEndpoint
    from tasks.services.reports import progress_report_approve

    for owner in (tree.a.member, tree.b.member, tree.top_member):
        WebhookEndpoint.objects.create(
            owner=owner, url=f"https://{owner.username}.example/h", events=["report.approved"]
        )
    progress_report_approve(report=tree.b.report, reviewer=tree.b.member)
    told = set(WebhookDelivery.objects.values_list("endpoint__owner__username", flat=True))
    assert told == {tree.b.member.username, tree.top_member.username}  # 乙局 and the 工委 above it, not 甲局


def test_the_annual_reports_organisational_life_counts_its_own_branches(tree):
    from tasks.services.orglife.ledger import orglife_counts

    year = local_today().year
    assert orglife_counts(year=year) == {"general_meeting": 2}  # both bureaus' meetings
    assert orglife_counts(year=year, committee_id=tree.a.committee_unit.pk) == {"general_meeting": 1}
    assert orglife_counts(year=year, committee_id=tree.top_unit.pk) == {"general_meeting": 2}


def test_only_the_top_committee_sets_the_meeting_types_every_branch_follows(client, tree):
    assert access.can_manage_meeting_types(tree.top_member)
    assert not access.can_manage_meeting_types(tree.a.member)
    client.force_login(tree.a.member)
    assert client.get(reverse("meeting_types")).status_code in (403, 404)
