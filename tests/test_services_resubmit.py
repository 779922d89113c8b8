"""After a return the correction starts from the returned report: its figures and words in the form, its
evidence kept with one tick (copied, so each report's files are its own)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from tasks.models import Evidence, ProgressReport
from tasks.services import progress_report_return, progress_report_submit
from tasks.services.evidence import evidence_name, evidence_storage
from tests.helpers import JPEG_BYTES, PDF_BYTES, pdf, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _early_in_the_year():
    with time_machine.travel(dt.datetime(2023, 2, 10, 2, 0, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def returned(assignment_a1, secretary_a, committee):
    report = progress_report_submit(
        assignment=assignment_a1,
        author=secretary_a,
        percent=40,
        actual_value=Decimal(6),
        narrative="组织专题学习 6 次",
        obstacles="缺少辅导老师",
        files=[pdf("学习记录.pdf"), upload("现场.jpg", JPEG_BYTES)],
    )
    return progress_report_return(report=report, reviewer=committee, reason="请补充会议纪要")


def resubmit(assignment, author, corrects, **kwargs):
    values = {"percent": 45, "narrative": "组织专题学习 6 次，补充纪要", "files": []}
    values.update(kwargs)
    return progress_report_submit(assignment=assignment, author=author, corrects=corrects, **values)


def test_kept_files_are_copied_onto_the_correction(returned, assignment_a1, secretary_a):
    new = resubmit(assignment_a1, secretary_a, returned, keep_evidence=True, files=[pdf("会议纪要.pdf")])
    names = sorted(new.evidence.values_list("original_name", flat=True))
    assert names == ["会议纪要.pdf", "学习记录.pdf", "现场.jpg"]
    storage = evidence_storage()
    for old, copy in zip(
        returned.evidence.order_by("original_name"),
        new.evidence.exclude(original_name="会议纪要.pdf").order_by("original_name"),
        strict=True,
    ):
        assert copy.stored_name != old.stored_name and copy.sha256 == old.sha256
        with storage.open(evidence_name(copy)) as handle:
            assert handle.read() in (PDF_BYTES, JPEG_BYTES)
    # The returned report keeps its own files.
    assert returned.evidence.count() == 2


def test_without_the_tick_nothing_is_kept(returned, assignment_a1, secretary_a):
    new = resubmit(assignment_a1, secretary_a, returned, keep_evidence=False)
    assert not new.evidence.exists()


def test_kept_files_satisfy_a_task_that_asks_for_evidence(returned, assignment_a1, secretary_a):
    assignment_a1.key_task.evidence_required = True
    assignment_a1.key_task.save()
    with pytest.raises(ValidationError) as error:
        resubmit(assignment_a1, secretary_a, returned, keep_evidence=False)
    assert "evidence" in error.value.message_dict
    assert resubmit(assignment_a1, secretary_a, returned, keep_evidence=True).evidence.count() == 2


def test_a_kept_file_that_vanished_is_refused_and_nothing_is_written(returned, assignment_a1, secretary_a):
    lost = returned.evidence.get(original_name="现场.jpg")
    evidence_storage().delete(evidence_name(lost))
    before = Evidence.objects.count()
    with pytest.raises(ValidationError) as error:
        resubmit(assignment_a1, secretary_a, returned, keep_evidence=True, files=[pdf("会议纪要.pdf")])
    assert error.value.message_dict["keep_evidence"] == ["被退回反馈的“现场.jpg”已找不到，请重新选择该文件。"]
    assert Evidence.objects.count() == before
    assert ProgressReport.objects.count() == 1


def test_kept_and_new_files_count_together(returned, assignment_a1, secretary_a, settings):
    settings.EVIDENCE_MAX_FILES = 2
    with pytest.raises(ValidationError, match="含保留的文件"):
        resubmit(assignment_a1, secretary_a, returned, keep_evidence=True, files=[pdf("会议纪要.pdf")])


def test_files_of_another_report_cannot_be_kept(returned, assignment_b, secretary_b, committee):
    """Keeping works only from the returned report being corrected; anything else is refused whole."""
    with pytest.raises(ValidationError, match="只能更正"):
        resubmit(assignment_b, secretary_b, returned, keep_evidence=True)
    assert not Evidence.objects.filter(report__assignment=assignment_b).exists()


def test_the_form_starts_from_the_returned_report(client, returned, assignment_a1, secretary_a):
    client.force_login(secretary_a)
    for url in (reverse("report_create", args=[assignment_a1.pk]), assignment_a1.get_absolute_url()):
        page = client.get(url).content.decode()
        assert 'value="40"' in page and 'value="6.00"' in page
        assert "组织专题学习 6 次</textarea>" in page and "缺少辅导老师</textarea>" in page
        assert "保留被退回反馈的佐证材料：学习记录.pdf、现场.jpg" in page
        assert re.search(r"<input[^>]*name=\"keep_evidence\"[^>]*checked>", page)
    assignment_a1.refresh_from_db()
    response = client.post(
        reverse("report_create", args=[assignment_a1.pk]),
        {
            "version": assignment_a1.version,
            "percent": "45",
            "actual_value": "6",
            "narrative": "补充纪要",
            "obstacles": "缺少辅导老师",
            "keep_evidence": "on",
        },
    )
    assert response.status_code == 302
    new = ProgressReport.objects.get(corrects=returned)
    assert new.evidence.count() == 2
