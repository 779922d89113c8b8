"""The reviewer role (审核人): a membership, decided in tasks.access, given in the admin and audited; the former
EXTRA_REVIEWERS setting turned into memberships by migration 0014."""

import datetime as dt
import importlib

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from tasks import access
from tasks.models import AuditEntry, Membership, ProgressReport, Reminder, User
from tasks.services.accounts import membership_save
from tests.factories import MembershipFactory, ReportFactory, UserFactory
from tests.test_services_reminders import SHANGHAI, scan_each_day, sent_on

migration = importlib.import_module("tasks.migrations.0014_extra_reviewers_to_memberships")


@pytest.fixture
def reviewer_a(org):
    """赵敏 reviews 机关党总支 (branch A) and the branches below it; no other role."""
    user = UserFactory(username="reviewer_a", full_name="赵敏")
    MembershipFactory(user=user, unit=org.branch_a, role=Membership.Role.REVIEWER)
    return user


def test_a_reviewer_sees_and_reviews_the_units_below_and_nothing_else(
    client, reviewer_a, secretary_a, secretary_b, assignment_a1, assignment_b
):
    assert access.can_review(reviewer_a)
    assert set(access.visible_assignments(reviewer_a)) == {assignment_a1}
    assert not access.can_report(reviewer_a, assignment_a1)  # reviewing is not reporting
    assert not access.can_urge(reviewer_a) and not access.can_decide_extension(reviewer_a)
    assert not access.orglife_units(reviewer_a).exists()  # work reports, not the branches' rosters and meetings

    mine = ReportFactory(assignment=assignment_a1, author=secretary_a, percent=60)
    theirs = ReportFactory(assignment=assignment_b, author=secretary_b, percent=60)
    client.force_login(reviewer_a)
    queue = client.get(reverse("review_queue")).content.decode()
    assert assignment_a1.key_task.title in queue and "刘芳" not in queue
    hidden = client.post(reverse("report_review", args=[theirs.pk]), {"action": "approve", "version": theirs.version})
    assert hidden.status_code == 404
    response = client.post(reverse("report_review", args=[mine.pk]), {"action": "approve", "version": mine.version})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.state, mine.reviewer) == (ProgressReport.State.APPROVED, reviewer_a)


def test_without_a_reviewer_or_committee_role_nobody_reviews(client, secretary_a, outsider, assignment_a1):
    assert not access.can_review(secretary_a) and not access.can_review(outsider)
    report = ReportFactory(assignment=assignment_a1, author=secretary_a)
    client.force_login(secretary_a)
    assert client.get(reverse("review_queue")).status_code == 404
    assert client.post(reverse("report_review", args=[report.pk]), {"action": "approve"}).status_code == 404


def test_review_pending_reminders_go_to_the_units_reviewers_only(
    org, reviewer_a, committee, secretary_a, secretary_b, assignment_a1, assignment_b
):
    reviewer_b = UserFactory(username="reviewer_b")
    MembershipFactory(user=reviewer_b, unit=org.branch_b, role=Membership.Role.REVIEWER)
    submitted = dt.datetime(2024, 6, 7, 18, 0, tzinfo=SHANGHAI)
    report = ReportFactory(assignment=assignment_a1, author=secretary_a, submitted_at=submitted)

    created = scan_each_day(dt.date(2024, 6, 7), dt.date(2024, 6, 14))

    expected = [(dt.date(2024, 6, 13), f"report{report.pk}")]
    assert sent_on(created, kind=Reminder.Kind.REVIEW_PENDING, recipient=reviewer_a) == expected
    assert sent_on(created, kind=Reminder.Kind.REVIEW_PENDING, recipient=committee) == expected
    assert sent_on(created, kind=Reminder.Kind.REVIEW_PENDING, recipient=reviewer_b) == []


def test_the_system_administrator_gives_the_role_in_the_admin_and_it_is_audited(client, org, outsider):
    sysadmin = UserFactory(username="sysadmin", is_staff=True, admin_duty=User.AdminDuty.SYSTEM)
    client.force_login(sysadmin)
    add = reverse("admin:tasks_membership_add")
    assert "审核人" in client.get(add).content.decode()
    response = client.post(add, {"user": outsider.pk, "unit": org.branch_b.pk, "role": Membership.Role.REVIEWER})
    assert response.status_code == 302
    membership = Membership.objects.get(user=outsider)
    row = AuditEntry.objects.filter(action="change", object_type="tasks.membership").latest("id")
    assert (row.username, row.object_id) == ("sysadmin", str(membership.pk))
    assert row.detail["changes"]["role"] == ["—", "审核人"]
    access.forget_scope(outsider)
    assert access.can_review(User.objects.get(pk=outsider.pk))


@pytest.mark.parametrize("duty", [User.AdminDuty.SYSTEM, User.AdminDuty.SECURITY, User.AdminDuty.AUDIT])
def test_no_duty_account_makes_itself_or_another_a_reviewer(org, duty):
    actor = UserFactory(username=f"admin_{duty}", is_staff=True, admin_duty=duty)
    other = UserFactory(username="other_admin", is_staff=True, admin_duty=User.AdminDuty.AUDIT)
    for target in (actor, other):
        with pytest.raises(PermissionDenied):
            membership_save(
                actor=actor, membership=Membership(user=target, unit=org.committee_unit, role=Membership.Role.REVIEWER)
            )
    assert not Membership.objects.filter(role=Membership.Role.REVIEWER).exists()


def test_only_the_audit_administrator_reads_the_audit_log_and_others_get_a_403(client, committee):
    auditor = UserFactory(username="auditor", is_staff=True, admin_duty=User.AdminDuty.AUDIT)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    sysadmin = UserFactory(username="sysadmin", is_staff=True, admin_duty=User.AdminDuty.SYSTEM)
    assert access.can_read_audit_log(auditor)
    for user in (committee, root, sysadmin):
        assert not access.can_read_audit_log(user)
        client.force_login(user)
        assert client.get(reverse("audit_log")).status_code == 403
    client.force_login(auditor)
    assert client.get(reverse("audit_log")).status_code == 200


# --- The migration of EXTRA_REVIEWERS ----------------------------------------------------------------------


def migration_apps():
    """The models as the migration sees them (no history signals: the migration writes its own records)."""
    loader = MigrationLoader(connection)
    return loader.project_state(("tasks", "0014_extra_reviewers_to_memberships")).apps


def test_the_migration_turns_listed_usernames_into_reviewer_memberships(
    monkeypatch, capsys, org, committee, secretary_a, member_a, outsider
):
    auditor = UserFactory(username="auditor", admin_duty=User.AdminDuty.AUDIT)
    monkeypatch.setenv(
        "EXTRA_REVIEWERS", f" secretary_a, member_a,outsider,{committee.username},{auditor.username},gone,"
    )

    state = migration_apps()
    migration.forwards(state, None)
    migration.forwards(state, None)  # migrating twice (a rerun, a restore) gives nothing twice

    reviewers = set(Membership.objects.filter(role=Membership.Role.REVIEWER).values_list("user__username", "unit"))
    assert reviewers == {
        ("secretary_a", org.branch_a.pk),  # where it already worked: it sees what it saw
        ("member_a", org.branch_a1.pk),
        ("outsider", org.committee_unit.pk),  # no role anywhere: the top committee unit
    }
    history = Membership.history.filter(role=Membership.Role.REVIEWER, history_type="+")
    assert history.count() == 3 and {row.history_change_reason for row in history} == {migration.REASON}
    audit = AuditEntry.objects.filter(action="change", object_type="tasks.membership", username="migrate")
    assert audit.count() == 3
    assert {row.detail["changes"]["role"][1] for row in audit} == {"reviewer"}
    said = capsys.readouterr().out
    assert "'auditor' is an administrator account" in said and "no account 'gone'" in said
    assert not Membership.objects.filter(user=auditor).exists()
    access.forget_scope(member_a)
    assert access.can_review(member_a)


def test_the_migration_does_nothing_without_the_setting(monkeypatch, org, secretary_a):
    monkeypatch.delenv("EXTRA_REVIEWERS", raising=False)
    migration.forwards(migration_apps(), None)
    assert not Membership.objects.filter(role=Membership.Role.REVIEWER).exists()
