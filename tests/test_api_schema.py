"""The OpenAPI schema holds against a live server (schemathesis, run as CI runs it): for every operation, generated
valid and invalid requests get no server error, and every answer (status, content type, headers, body) is one the
schema documents. A committee member's read-and-write token calls, so writes are tried too. The world holds a branch's
roster and a meeting record, so organisational life's endpoints answer with data."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from tasks.models import ApiToken, ExtensionRequest, Membership
from tasks.services.api_tokens import api_token_create
from tasks.services.orglife import meeting_record_create
from tests.factories import (
    AreaFactory,
    AssignmentFactory,
    KeyTaskFactory,
    MembershipFactory,
    PlanFactory,
    ReportFactory,
    UserFactory,
)
from tests.helpers import pdf

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


@pytest.fixture
def world(org, roster, meeting_types):
    today = timezone.localdate()
    plan = PlanFactory(year=today.year)
    area = AreaFactory(plan=plan, name="组织建设")
    committee = UserFactory(username="committee", full_name="王建国")
    MembershipFactory(user=committee, unit=org.committee_unit, role=Membership.Role.COMMITTEE)
    secretary = UserFactory(username="secretary_a", full_name="张伟")
    MembershipFactory(user=secretary, unit=org.branch_a, role=Membership.Role.SECRETARY)
    for number in range(3):
        task = KeyTaskFactory(
            plan=plan,
            area=area,
            number=f"3.{number + 1}",
            lead_unit=org.committee_unit,
            start_date=today - dt.timedelta(days=30),
            deadline=today + dt.timedelta(days=60),
        )
        for unit in (org.branch_a, org.branch_a1, org.branch_b):
            assignment = AssignmentFactory(key_task=task, unit=unit, owner=secretary if unit != org.branch_b else None)
    report = ReportFactory(assignment=assignment, author=secretary)
    from tasks.services.evidence import evidence_store, evidence_validate

    files = [pdf()]
    evidence_store(report=report, files=files, kinds=evidence_validate(files), written=[])
    ExtensionRequest.objects.create(
        assignment=assignment,
        requested_by=secretary,
        reason="等待上级文件",
        current_deadline=assignment.deadline,
        requested_deadline=assignment.deadline + dt.timedelta(days=20),
        current_progress=0,
    )
    meeting_record_create(
        unit=org.branch_a1,
        user=secretary,
        types=[meeting_types["theme_day"]],
        held_on=today - dt.timedelta(days=3),
        place="党员活动室",
        host="张伟",
        recorder="王芳",
        topics="学习党章",
        attendance=roster.all_present(),
    )
    return committee


def test_the_live_api_answers_as_its_schema_says(live_server, world, settings, tmp_path):
    settings.API_RATE_LIMIT = "100000/minute"  # the run's own pace must not be what it measures
    _row, token = api_token_create(
        actor=world,
        user=world,
        name="schemathesis",
        scope=ApiToken.Scope.WRITE,
        expires_on=timezone.localdate() + dt.timedelta(days=1),
    )
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{live_server.url}/api/schema/",
        "--checks",
        CHECKS,
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        "6",
        "--seed",
        "20231201",
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1200, check=False)
    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr, encoding="utf-8")
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:]
    assert "No issues found" in result.stdout or " passed" in result.stdout, result.stdout[-3000:]
