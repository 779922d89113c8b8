import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from tasks.models import Assignment, Evidence, InboxMessage, ProgressReport
from tasks.selectors import key_task_progress
from tasks.services import (
    StaleWriteError,
    progress_report_approve,
    progress_report_return,
    progress_report_submit,
)
from tasks.services.evidence import evidence_name, evidence_storage
from tests.factories import AssignmentFactory
from tests.helpers import JPEG_BYTES, PDF_BYTES, PNG_BYTES, office_bytes, pdf, stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mid_year():
    with time_machine.travel(dt.datetime(2023, 2, 10, 2, 0, tzinfo=dt.UTC)):
        yield


def submit(assignment, author, **kwargs):
    values = {"percent": 60, "narrative": "已召开专题会议", "obstacles": "", "files": []}
    values.update(kwargs)
    return progress_report_submit(assignment=assignment, author=author, **values)


def test_submit_does_not_move_progress_until_approved(assignment_a1, secretary_a, committee):
    report = submit(assignment_a1, secretary_a, actual_value=Decimal(12))
    assignment_a1.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED
    assert assignment_a1.progress == 0
    progress_report_approve(report=report, reviewer=committee)
    assignment_a1.refresh_from_db()
    assert (assignment_a1.progress, assignment_a1.actual_value) == (60, Decimal(12))
    assert assignment_a1.last_approved_report_id == report.pk
    assert assignment_a1.last_approved_at == dt.date(2023, 2, 10)
    assert not assignment_a1.is_completed


def test_approving_100_percent_completes_the_assignment(assignment_a1, secretary_a, committee):
    report = submit(assignment_a1, secretary_a, percent=100)
    progress_report_approve(report=report, reviewer=committee)
    assignment_a1.refresh_from_db()
    assert assignment_a1.status == Assignment.Status.COMPLETED
    assert assignment_a1.completed_at == dt.date(2023, 2, 10)
    with pytest.raises(ValidationError, match="已办结"):
        submit(assignment_a1, secretary_a, percent=100)


def test_lower_progress_needs_a_reason(assignment_a1, secretary_a, committee):
    progress_report_approve(report=submit(assignment_a1, secretary_a, percent=60), reviewer=committee)
    with pytest.raises(ValidationError) as error:
        submit(assignment_a1, secretary_a, percent=40)
    assert "decrease_reason" in error.value.message_dict
    report = submit(assignment_a1, secretary_a, percent=40, decrease_reason="上次统计有误")
    assert report.decrease_reason == "上次统计有误"


@pytest.mark.parametrize("narrative", ["", "   "])
def test_narrative_is_required(assignment_a1, secretary_a, narrative):
    with pytest.raises(ValidationError) as error:
        submit(assignment_a1, secretary_a, narrative=narrative)
    assert "narrative" in error.value.message_dict
    assert not ProgressReport.objects.exists()


def test_yellow_or_red_assignment_must_say_what_is_in_the_way(assignment_a1, secretary_a):
    Assignment.objects.filter(pk=assignment_a1.pk).update(deadline=dt.date(2023, 2, 14))  # due soon: yellow
    assignment_a1.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        submit(assignment_a1, secretary_a)
    assert "obstacles" in error.value.message_dict
    assert submit(assignment_a1, secretary_a, obstacles="经费未到位，需协调").obstacles == "经费未到位，需协调"


def test_only_one_report_waits_for_review_at_a_time(assignment_a1, secretary_a):
    submit(assignment_a1, secretary_a)
    with pytest.raises(ValidationError, match="待审核"):
        submit(assignment_a1, secretary_a, percent=70)


def test_other_branch_cannot_report(assignment_a1, secretary_b, outsider):
    for user in (secretary_b, outsider):
        with pytest.raises(PermissionDenied):
            submit(assignment_a1, user)


def test_return_needs_a_reason_and_tells_the_author_at_once(assignment_a1, secretary_a, committee):
    report = submit(assignment_a1, secretary_a)
    with pytest.raises(ValidationError):
        progress_report_return(report=report, reviewer=committee, reason=" ")
    progress_report_return(report=report, reviewer=committee, reason="请补充会议记录")
    message = InboxMessage.objects.get(user=secretary_a)
    assert assignment_a1.key_task.title in message.title
    assert message.body == "请补充会议记录"


def test_returned_report_can_be_corrected_and_both_stay(assignment_a1, secretary_a, committee):
    first = submit(assignment_a1, secretary_a)
    progress_report_return(report=first, reviewer=committee, reason="数据有误")
    second = submit(assignment_a1, secretary_a, percent=55, corrects=first)
    assert second.corrects_id == first.pk
    assert set(assignment_a1.reports.values_list("state", flat=True)) == {"returned", "submitted"}


def test_approved_report_cannot_be_reviewed_again(assignment_a1, secretary_a, committee):
    report = submit(assignment_a1, secretary_a)
    progress_report_approve(report=report, reviewer=committee)
    with pytest.raises(ValidationError, match="已审核"):
        progress_report_return(report=report, reviewer=committee, reason="改主意了")
    with pytest.raises(ValidationError, match="已审核"):
        progress_report_approve(report=report, reviewer=committee)


def test_secretary_cannot_review(assignment_a1, secretary_a):
    report = submit(assignment_a1, secretary_a)
    with pytest.raises(PermissionDenied):
        progress_report_approve(report=report, reviewer=secretary_a)


def test_stale_version_is_refused(assignment_a1, secretary_a, committee):
    loaded_version = assignment_a1.version
    progress_report_approve(report=submit(assignment_a1, secretary_a), reviewer=committee)
    with pytest.raises(StaleWriteError):
        submit(assignment_a1, secretary_a, percent=80, expected_version=loaded_version)


def test_key_task_progress_is_the_weighted_mean(
    key_task, assignment_a1, assignment_b, secretary_a, secretary_b, committee
):
    Assignment.objects.filter(pk=assignment_a1.pk).update(weight=3)
    progress_report_approve(report=submit(assignment_a1, secretary_a, percent=80), reviewer=committee)
    progress_report_approve(report=submit(assignment_b, secretary_b, percent=40), reviewer=committee)
    assert key_task_progress(key_task) == Decimal("70.0")  # (80*3 + 40*1) / 4


def test_key_task_progress_ignores_unapproved_reports(key_task, assignment_a1, secretary_a):
    submit(assignment_a1, secretary_a, percent=90)
    assert key_task_progress(key_task) == Decimal("0.0")


# --- Evidence -------------------------------------------------------------------------------------------


def test_evidence_of_each_allowed_kind_is_stored_outside_static_and_media(assignment_a1, secretary_a, settings):
    files = [
        pdf("记录.pdf"),
        upload("photo.jpg", JPEG_BYTES),
        upload("chart.png", PNG_BYTES),
        upload("总结.docx", office_bytes("word/document.xml")),
        upload("台账.xlsx", office_bytes("xl/workbook.xml")),
    ]
    report = submit(assignment_a1, secretary_a, files=files)
    stored = list(report.evidence.order_by("id"))
    assert [e.original_name for e in stored] == ["记录.pdf", "photo.jpg", "chart.png", "总结.docx", "台账.xlsx"]
    for evidence, upload_ in zip(stored, files, strict=True):
        path = Path(evidence_storage().path(evidence_name(evidence)))
        assert path.is_file() and path.is_relative_to(settings.EVIDENCE_ROOT)
        assert evidence.original_name not in path.name  # generated name
        assert str(settings.MEDIA_ROOT) not in str(path) and str(settings.STATIC_ROOT) not in str(path)
        upload_.seek(0)
        content = upload_.read()
        assert path.read_bytes() == content
        assert (evidence.size, evidence.sha256) == (len(content), hashlib.sha256(content).hexdigest())


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fake.pdf", b"MZ\x90\x00 this is an exe"),  # name says pdf, content does not
        ("script.png", b"<script>alert(1)</script>"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20),  # legacy .doc
        ("archive.docx", office_bytes("not-word.xml")),  # a zip that is no Word file
        ("empty.pdf", b""),
    ],
)
def test_wrong_file_type_is_refused_and_nothing_is_saved(assignment_a1, secretary_a, name, content, settings):
    with pytest.raises(ValidationError) as error:
        submit(assignment_a1, secretary_a, files=[pdf(), upload(name, content)])
    assert "evidence" in error.value.message_dict
    assert name in " ".join(error.value.message_dict["evidence"])
    assert not ProgressReport.objects.exists() and not Evidence.objects.exists()
    assert not list((settings.EVIDENCE_ROOT).glob("**/*.pdf")) if settings.EVIDENCE_ROOT.exists() else True


def test_oversized_file_is_refused(assignment_a1, secretary_a, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="上限"):
        submit(assignment_a1, secretary_a, files=[upload("big.pdf", b"%PDF-" + b"0" * 2000)])
    assert not ProgressReport.objects.exists()


def test_too_many_files_are_refused(assignment_a1, secretary_a, settings):
    settings.EVIDENCE_MAX_FILES = 2
    with pytest.raises(ValidationError, match="最多上传 2 个"):
        submit(assignment_a1, secretary_a, files=[pdf("a.pdf"), pdf("b.pdf"), pdf("c.pdf")])


@pytest.mark.parametrize(
    "backend", ["django.core.files.storage.FileSystemStorage", "django.core.files.storage.InMemoryStorage"]
)
def test_files_written_are_removed_when_the_report_fails_later(
    assignment_a1, secretary_a, settings, monkeypatch, backend
):
    from tasks.services import evidence as evidence_module

    real_create = evidence_module.Evidence.objects.create
    calls = []

    def create_then_fail(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_create(**kwargs)

    if backend != settings.STORAGES["evidence"]["BACKEND"]:
        settings.STORAGES = {**settings.STORAGES, "evidence": {"BACKEND": backend}}
    monkeypatch.setattr(evidence_module.Evidence.objects, "create", create_then_fail)
    with pytest.raises(RuntimeError):
        submit(assignment_a1, secretary_a, files=[pdf("a.pdf"), pdf("b.pdf")])
    assert not ProgressReport.objects.exists()
    assert len(calls) == 2  # both files were saved before the failure
    assert stored_files(evidence_storage()) == []
    assert not [p for p in settings.EVIDENCE_ROOT.glob("**/*") if p.is_file()]


def test_file_name_is_made_to_tell_the_truth(assignment_a1, secretary_a):
    report = submit(assignment_a1, secretary_a, files=[upload("总结.exe", PDF_BYTES)])
    assert report.evidence.get().original_name == "总结.pdf"


def test_task_asking_for_evidence_needs_a_file(assignment_a1, secretary_a):
    assignment_a1.key_task.evidence_required = True
    assignment_a1.key_task.save()
    with pytest.raises(ValidationError) as error:
        submit(assignment_a1, secretary_a)
    assert "evidence" in error.value.message_dict


def test_member_owner_can_report_on_own_assignment(key_task, org, member_a):
    assignment = AssignmentFactory(key_task=key_task, unit=org.branch_b, owner=member_a)
    assert submit(assignment, member_a).author == member_a
