import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tasks.models import Assignment, Comment, Evidence, ExtensionRequest, ProgressReport
from tasks.services import progress_report_submit
from tasks.services.evidence import evidence_name, evidence_storage
from tests.helpers import PDF_BYTES, pdf, stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _early_in_the_year():
    with time_machine.travel(dt.datetime(2023, 2, 10, 2, 0, tzinfo=dt.UTC)):
        yield


def report_data(assignment, **overrides):
    data = {
        "version": assignment.version,
        "percent": "60",
        "actual_value": "5",
        "narrative": "召开支部委员会专题研究",
        "decrease_reason": "",
    }
    data.update(overrides)
    return data


def submitted(assignment, author, percent=60):
    return progress_report_submit(assignment=assignment, author=author, percent=percent, narrative="进展顺利")


# --- Reporting --------------------------------------------------------------------------------------------


def test_report_form_opens_in_one_click_from_the_workbench(client, secretary_a, assignment_a1):
    client.force_login(secretary_a)
    home = client.get(reverse("home")).content.decode()
    url = reverse("report_create", args=[assignment_a1.pk])
    assert f'href="{url}"' in home
    page = client.get(url).content.decode()
    assert "进展情况" in page and 'name="evidence"' in page and "第一议题学习" in page


def test_report_without_javascript_redirects_to_the_assignment(client, secretary_a, assignment_a1):
    client.force_login(secretary_a)
    data = report_data(assignment_a1, evidence=[pdf()])
    response = client.post(reverse("report_create", args=[assignment_a1.pk]), data)
    assert response.status_code == 302 and response["Location"] == assignment_a1.get_absolute_url()
    report = ProgressReport.objects.get()
    assert (report.percent, report.evidence.count(), report.author) == (60, 1, secretary_a)
    page = client.get(response["Location"]).content.decode()
    assert "会议记录.pdf" in page and "待审核" in page


def test_report_with_htmx_answers_a_fragment(client, secretary_a, assignment_a1):
    client.force_login(secretary_a)
    response = client.post(
        reverse("report_create", args=[assignment_a1.pk]), report_data(assignment_a1), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "已提交" in body
    assert ProgressReport.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("narrative", "", "请填写进展情况"),
        ("narrative", "x" * 5001, "5000"),
        ("percent", "", "这个字段是必填项"),
        ("percent", "150", "100"),
        ("percent", "-5", "0"),
        ("percent", "abc", "整数"),
        ("actual_value", "-1", "0"),
        ("actual_value", "many", "数字"),
    ],
)
def test_bad_input_gets_a_chinese_message_next_to_the_field(client, secretary_a, assignment_a1, field, value, message):
    client.force_login(secretary_a)
    response = client.post(
        reverse("report_create", args=[assignment_a1.pk]), report_data(assignment_a1, **{field: value})
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert not ProgressReport.objects.exists()


def test_wrong_file_type_gets_a_message_and_nothing_is_saved(client, secretary_a, assignment_a1, settings):
    client.force_login(secretary_a)
    data = report_data(assignment_a1, evidence=[pdf(), upload("病毒.pdf", b"MZ\x90\x00binary")])
    response = client.post(reverse("report_create", args=[assignment_a1.pk]), data)
    assert "病毒.pdf" in " ".join(response.context["form"].errors["evidence"])
    assert not ProgressReport.objects.exists()
    assert not settings.EVIDENCE_ROOT.exists() or not any(p.is_file() for p in settings.EVIDENCE_ROOT.glob("**/*"))


def test_oversized_file_gets_a_message(client, secretary_a, assignment_a1, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    client.force_login(secretary_a)
    data = report_data(assignment_a1, evidence=[upload("大文件.pdf", PDF_BYTES + b"0" * 200)])
    response = client.post(reverse("report_create", args=[assignment_a1.pk]), data)
    assert "上限" in " ".join(response.context["form"].errors["evidence"])
    assert not ProgressReport.objects.exists()


def test_stale_form_is_refused_with_a_clear_message(client, secretary_a, committee, assignment_a1):
    client.force_login(secretary_a)
    data = report_data(assignment_a1)
    Assignment.objects.filter(pk=assignment_a1.pk).update(version=assignment_a1.version + 1)  # someone saved meanwhile
    response = client.post(reverse("report_create", args=[assignment_a1.pk]), data)
    assert "他人修改" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_script_in_the_narrative_is_shown_escaped(client, secretary_a, committee, assignment_a1):
    progress_report_submit(
        assignment=assignment_a1,
        author=secretary_a,
        percent=10,
        narrative="<script>alert('x')</script>",
        obstacles="<b>bold</b>",
    )
    for user, url in [
        (secretary_a, assignment_a1.get_absolute_url()),
        (committee, reverse("review_queue")),
        (committee, assignment_a1.key_task.get_absolute_url()),
    ]:
        client.force_login(user)
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "&lt;script&gt;alert" in body
        assert "<b>bold</b>" not in body


def test_returned_report_is_corrected_and_history_keeps_both(client, secretary_a, committee, assignment_a1):
    first = submitted(assignment_a1, secretary_a)
    client.force_login(committee)
    client.post(
        reverse("report_review", args=[first.pk]),
        {"action": "return", "version": first.version, "review_comment": "请补充会议记录"},
    )
    client.force_login(secretary_a)
    page = client.get(reverse("report_create", args=[assignment_a1.pk])).content.decode()
    assert "请补充会议记录" in page
    assignment_a1.refresh_from_db()
    client.post(reverse("report_create", args=[assignment_a1.pk]), report_data(assignment_a1, percent="65"))
    second = ProgressReport.objects.exclude(pk=first.pk).get()
    assert second.corrects == first
    timeline = client.get(assignment_a1.get_absolute_url()).content.decode()
    assert "退回" in timeline and "65%" in timeline and "60%" in timeline


# --- Review -------------------------------------------------------------------------------------------


def test_review_queue_lists_oldest_first_with_previous_state_and_evidence(
    client, committee, secretary_a, secretary_b, assignment_a1, assignment_b
):
    with time_machine.travel(dt.datetime(2023, 2, 9, 2, 0, tzinfo=dt.UTC)):
        older = progress_report_submit(
            assignment=assignment_b, author=secretary_b, percent=30, narrative="乙支部", files=[pdf("乙.pdf")]
        )
    newer = submitted(assignment_a1, secretary_a)
    client.force_login(committee)
    body = client.get(reverse("review_queue")).content.decode()
    assert body.index(f'id="review-{older.pk}"') < body.index(f'id="review-{newer.pk}"')
    assert "乙.pdf" in body and "已审核进度" in body


def test_committee_approves_and_progress_moves(client, committee, secretary_a, assignment_a1):
    report = submitted(assignment_a1, secretary_a, percent=60)
    client.force_login(committee)
    response = client.post(reverse("report_review", args=[report.pk]), {"action": "approve", "version": report.version})
    assert response.status_code == 302
    assignment_a1.refresh_from_db()
    assert assignment_a1.progress == 60
    key_task_page = client.get(assignment_a1.key_task.get_absolute_url()).content.decode()
    assert 'id="key-task-progress">60.0%' in key_task_page


def test_return_without_reason_is_refused(client, committee, secretary_a, assignment_a1):
    report = submitted(assignment_a1, secretary_a)
    client.force_login(committee)
    response = client.post(
        reverse("report_review", args=[report.pk]),
        {"action": "return", "version": report.version, "review_comment": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "退回原因" in response.content.decode()
    report.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED


def test_review_refused_without_javascript_shows_the_queue_with_the_error_and_the_comment(
    client, committee, secretary_a, assignment_a1
):
    report = submitted(assignment_a1, secretary_a)
    client.force_login(committee)
    response = client.post(
        reverse("report_review", args=[report.pk]),
        {"action": "return", "version": report.version + 1, "review_comment": "请补充照片"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "该内容已被他人修改" in page
    assert ">请补充照片</textarea>" in page
    report.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED


def test_htmx_review_tells_its_result_in_the_card_not_in_a_later_flash_message(
    client, committee, secretary_a, assignment_a1
):
    report = submitted(assignment_a1, secretary_a)
    client.force_login(committee)
    response = client.post(
        reverse("report_review", args=[report.pk]),
        {"action": "approve", "version": report.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    next_page = client.get(reverse("review_queue")).content.decode()
    assert "alert-success alert-dismissible" not in next_page


def test_secretary_cannot_review(client, secretary_a, assignment_a1):
    report = submitted(assignment_a1, secretary_a)
    client.force_login(secretary_a)
    assert client.get(reverse("review_queue")).status_code == 404
    assert (
        client.post(reverse("report_review", args=[report.pk]), {"action": "approve", "version": 1}).status_code == 404
    )
    report.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED


# --- Evidence -----------------------------------------------------------------------------------------


def test_evidence_downloads_as_attachment_only_for_those_who_may_see_it(
    client, secretary_a, secretary_b, outsider, committee, assignment_a1
):
    report = progress_report_submit(
        assignment=assignment_a1, author=secretary_a, percent=10, narrative="有附件", files=[pdf("学习记录.pdf")]
    )
    evidence = report.evidence.get()
    url = reverse("evidence_download", args=[evidence.pk])
    for user in (secretary_a, committee):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == PDF_BYTES
    for user in (secretary_b, outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_evidence_uploaded_through_a_temporary_file_downloads_intact(client, secretary_a, assignment_a1, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # bigger uploads arrive as temporary files, which the storage moves
    client.force_login(secretary_a)
    data = report_data(assignment_a1, evidence=[pdf("学习记录.pdf")])
    assert client.post(reverse("report_create", args=[assignment_a1.pk]), data).status_code == 302
    evidence = Evidence.objects.get()
    response = client.get(reverse("evidence_download", args=[evidence.pk]))
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert [p.read_bytes() for p in settings.EVIDENCE_ROOT.glob("**/*") if p.is_file()] == [PDF_BYTES]


def test_evidence_goes_only_through_the_evidence_storage(client, secretary_a, committee, assignment_a1, settings):
    """What README promises for S3: with another backend as STORAGES["evidence"], the upload, the download and a
    missing file's 404 all go through it, and nothing is written under EVIDENCE_ROOT."""
    settings.STORAGES = {**settings.STORAGES, "evidence": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    storage = evidence_storage()
    client.force_login(secretary_a)
    data = report_data(assignment_a1, evidence=[pdf("学习记录.pdf")])
    assert client.post(reverse("report_create", args=[assignment_a1.pk]), data).status_code == 302
    evidence = Evidence.objects.get()
    assert stored_files(storage) == [evidence_name(evidence)]
    url = reverse("evidence_download", args=[evidence.pk])
    client.force_login(committee)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert (response["Content-Type"], response["X-Content-Type-Options"]) == ("application/pdf", "nosniff")
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert not settings.EVIDENCE_ROOT.exists()
    storage.delete(evidence_name(evidence))
    assert client.get(url).status_code == 404


# --- Extensions ----------------------------------------------------------------------------------------


def test_extension_moves_the_deadline_only_when_approved(client, secretary_a, committee, assignment_a1):
    client.force_login(secretary_a)
    response = client.post(
        reverse("extension_create", args=[assignment_a1.pk]),
        {"requested_deadline": "2024-01-31", "reason": "年底集中办理"},
    )
    assert response.status_code == 302
    extension = ExtensionRequest.objects.get()
    assignment_a1.refresh_from_db()
    assert assignment_a1.deadline == dt.date(2023, 12, 29)
    client.force_login(committee)
    assert "年底集中办理" in client.get(reverse("review_queue")).content.decode()
    client.post(reverse("extension_decide", args=[extension.pk]), {"action": "approve", "decision_comment": "同意"})
    assignment_a1.refresh_from_db()
    assert assignment_a1.deadline == dt.date(2024, 1, 31)
    assert assignment_a1.original_deadline == dt.date(2023, 12, 29)
    assert "2023-12-29" in client.get(assignment_a1.get_absolute_url()).content.decode()


def test_refused_extension_keeps_the_deadline_and_needs_a_reason(client, secretary_a, committee, assignment_a1):
    client.force_login(secretary_a)
    client.post(
        reverse("extension_create", args=[assignment_a1.pk]), {"requested_deadline": "2024-01-31", "reason": "忙"}
    )
    extension = ExtensionRequest.objects.get()
    client.force_login(committee)
    response = client.post(
        reverse("extension_decide", args=[extension.pk]), {"action": "refuse", "decision_comment": "  "}
    )
    assert response.status_code == 422
    assert f'id="ext-error-{extension.pk}"' in response.content.decode()
    extension.refresh_from_db()
    assert extension.state == ExtensionRequest.State.PENDING
    client.post(
        reverse("extension_decide", args=[extension.pk]), {"action": "refuse", "decision_comment": "理由不充分"}
    )
    extension.refresh_from_db()
    assignment_a1.refresh_from_db()
    assert extension.state == ExtensionRequest.State.REFUSED
    assert assignment_a1.deadline == dt.date(2023, 12, 29)


def test_extension_after_the_deadline_is_refused(client, secretary_a, assignment_a1):
    Assignment.objects.filter(pk=assignment_a1.pk).update(deadline=dt.date(2023, 2, 9))
    client.force_login(secretary_a)
    response = client.post(
        reverse("extension_create", args=[assignment_a1.pk]), {"requested_deadline": "2023-03-31", "reason": "来不及"}
    )
    assert response.status_code == 422
    assert "截止" in response.content.decode() or "完成时限" in response.content.decode()
    assert not ExtensionRequest.objects.exists()


def test_extension_to_an_earlier_date_is_refused(client, secretary_a, assignment_a1):
    client.force_login(secretary_a)
    response = client.post(
        reverse("extension_create", args=[assignment_a1.pk]), {"requested_deadline": "2023-06-30", "reason": "提前"}
    )
    assert response.status_code == 422
    assert not ExtensionRequest.objects.exists()


# --- Comments ------------------------------------------------------------------------------------------


def test_comments_by_anyone_who_may_see_the_key_task(client, secretary_a, secretary_b, assignment_a1, assignment_b):
    url = reverse("comment_create", args=[assignment_a1.key_task_id])
    client.force_login(secretary_a)
    client.post(url, {"body": "我支部已完成第一次学习"})
    assert Comment.objects.get().author == secretary_a
    body = client.get(assignment_a1.key_task.get_absolute_url()).content.decode()
    assert "我支部已完成第一次学习" in body


@pytest.mark.parametrize("on_assignment", [True, False])
def test_an_empty_comment_is_refused_under_the_box(client, secretary_a, assignment_a1, on_assignment):
    client.force_login(secretary_a)
    data = {"body": "   ", **({"assignment": assignment_a1.pk} if on_assignment else {})}
    response = client.post(reverse("comment_create", args=[assignment_a1.key_task_id]), data)
    assert response.status_code == 422
    assert 'id="comment-errors"' in response.content.decode()
    assert "请先填写评论内容" in response.content.decode()
    assert not Comment.objects.exists()


def test_comment_on_another_branch_assignment_is_404(client, secretary_b, assignment_a1, assignment_b):
    client.force_login(secretary_b)
    response = client.post(
        reverse("comment_create", args=[assignment_a1.key_task_id]), {"body": "偷看", "assignment": assignment_a1.pk}
    )
    assert response.status_code == 404
    assert not Comment.objects.exists()


# --- The permission matrix for every URL of this module ------------------------------------------------


@pytest.mark.parametrize("name", ["report_create", "extension_create", "assignment_detail"])
def test_other_branch_assignment_urls_are_404(client, secretary_b, assignment_a1, name):
    client.force_login(secretary_b)
    url = reverse(name, args=[assignment_a1.pk])
    response = client.post(url, {}) if name == "extension_create" else client.get(url)
    missing = client.get(reverse("assignment_detail", args=[987654]))
    assert response.status_code == missing.status_code == 404


def test_committee_sees_the_change_history_with_ip(client, committee, secretary_a, assignment_a1):
    client.force_login(committee)
    client.post(reverse("extension_create", args=[assignment_a1.pk]), {})  # committee is no reporter: 404
    report = submitted(assignment_a1, secretary_a)
    client.post(
        reverse("report_review", args=[report.pk]),
        {"action": "approve", "version": report.version},
        REMOTE_ADDR="10.1.2.3",
    )
    body = client.get(assignment_a1.key_task.get_absolute_url()).content.decode()
    assert "10.1.2.3" in body
    assert "<del>0</del>" in body and "<ins>60</ins>" in body
