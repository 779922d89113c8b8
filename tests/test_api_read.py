"""The REST API's reads: what each persona sees, the branch wall (the same 404 as the web for another branch's
objects), the web lists' filters, cursor pages, problem details, the dashboard's figures and the schema."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from tasks.models import AnnualPlan, AuditEntry, ExtensionRequest
from tasks.rules import Light
from tasks.selectors import dashboard_get
from tasks.services.orglife import meeting_record_create
from tests.factories import AssignmentFactory, KeyTaskFactory, ReportFactory

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2023, 6, 1, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


@pytest.fixture
def world(key_task, org, secretary_a, secretary_b, assignment_a1, assignment_b, roster, meeting_types):
    """Branch B's own key task (no assignment of A under it), a report and an extension of B's; a meeting record of
    branch B (its member on the roster) and one of branch A1."""
    only_b = KeyTaskFactory(plan=key_task.plan, area=key_task.area, number="3.1", lead_unit=org.branch_b)
    b_only = AssignmentFactory(key_task=only_b, unit=org.branch_b, owner=secretary_b)
    report_b = ReportFactory(assignment=assignment_b, author=secretary_b)
    report_a = ReportFactory(assignment=assignment_a1, author=secretary_a)
    extension_b = ExtensionRequest.objects.create(
        assignment=assignment_b,
        requested_by=secretary_b,
        reason="人手不足",
        current_deadline=assignment_b.deadline,
        requested_deadline=assignment_b.deadline + dt.timedelta(days=10),
        current_progress=0,
    )
    meeting = {
        "types": [meeting_types["theme_day"]],
        "held_on": dt.date(2023, 5, 26),
        "place": "党员活动室",
        "host": "刘芳",
        "recorder": "孙丽",
        "topics": "学习党章",
    }
    meeting_b = meeting_record_create(
        unit=org.branch_b, user=secretary_b, attendance=roster.all_present([roster.other_branch_member]), **meeting
    )
    meeting_a1 = meeting_record_create(unit=org.branch_a1, user=secretary_a, attendance=roster.all_present(), **meeting)
    return {
        "only_b": only_b,
        "b_only": b_only,
        "report_b": report_b,
        "report_a": report_a,
        "extension_b": extension_b,
        "meeting_b": meeting_b,
        "meeting_a1": meeting_a1,
        "member_b": roster.other_branch_member,
        "roster": roster,
    }


def api(client, user, path, **params):
    client.force_login(user)
    return client.get(path, params)


# One row per endpoint: the object of branch B that secretary A must not see, and whether A sees one of its own.
def branch_wall(world, org, assignment_b):
    return [
        ("api:assignment-detail", assignment_b.pk),
        ("api:assignment-detail", world["b_only"].pk),
        ("api:key-task-detail", world["only_b"].pk),
        ("api:report-detail", world["report_b"].pk),
        ("api:extension-detail", world["extension_b"].pk),
        ("api:unit-detail", org.branch_b.pk),
        ("api:meeting-detail", world["meeting_b"].pk),
        ("api:party-member-detail", world["member_b"].pk),
    ]


def test_the_branch_wall_answers_every_endpoint_with_the_same_404_as_a_missing_id(
    client, world, org, secretary_a, assignment_b
):
    client.force_login(secretary_a)
    for name, hidden_pk in branch_wall(world, org, assignment_b):
        hidden = client.get(reverse(name, args=[hidden_pk]))
        missing = client.get(reverse(name, args=[987654321]))
        assert hidden.status_code == missing.status_code == 404, name
        assert hidden["Content-Type"] == "application/problem+json"
        body, other = hidden.json(), missing.json()
        assert body.pop("instance") != other.pop("instance")  # the path asked for, nothing else differs
        assert body == other, name
        assert body["detail"] == zh("Not found, or not visible to you.")
    # Each hidden object that exists left a denial in the audit log; the answer did not say so.
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED, username="secretary_a").exists()


def test_lists_hold_only_what_the_web_shows(client, world, org, committee, secretary_a, secretary_b, assignment_a1):
    ids = lambda response: {item["id"] for item in response.json()["results"]}  # noqa: E731
    assert ids(api(client, secretary_a, reverse("api:assignment-list"))) == {assignment_a1.pk}
    assert ids(api(client, secretary_a, reverse("api:key-task-list"))) == {assignment_a1.key_task_id}
    assert ids(api(client, secretary_a, reverse("api:report-list"))) == {world["report_a"].pk}
    assert ids(api(client, secretary_a, reverse("api:extension-list"))) == set()
    assert ids(api(client, secretary_a, reverse("api:unit-list"))) == {org.branch_a.pk, org.branch_a1.pk}
    assert len(ids(api(client, committee, reverse("api:assignment-list")))) == 3
    assert ids(api(client, secretary_b, reverse("api:extension-list"))) == {world["extension_b"].pk}
    assert ids(api(client, secretary_a, reverse("api:meeting-list"))) == {world["meeting_a1"].pk}
    assert ids(api(client, secretary_b, reverse("api:meeting-list"))) == {world["meeting_b"].pk}
    assert len(ids(api(client, committee, reverse("api:meeting-list")))) == 2
    assert ids(api(client, secretary_a, reverse("api:party-member-list"))) == {m.pk for m in world["roster"].members}
    assert ids(api(client, secretary_b, reverse("api:party-member-list"))) == {world["member_b"].pk}


def test_outsider_sees_nothing_and_anonymous_gets_a_problem(client, world, outsider, assignment_a1):
    anonymous = client.get(reverse("api:assignment-list"))
    assert anonymous.status_code in (401, 403)
    assert anonymous["Content-Type"] == "application/problem+json"
    assert anonymous.json()["detail"]
    response = api(client, outsider, reverse("api:assignment-list"))
    assert response.status_code == 200 and response.json()["results"] == []
    assert api(client, outsider, reverse("api:assignment-detail", args=[assignment_a1.pk])).status_code == 404


def test_draft_plans_are_the_committees(client, world, committee, secretary_a, plan, assignment_a1):
    AnnualPlan.objects.filter(pk=plan.pk).update(status=AnnualPlan.Status.DRAFT)
    assert api(client, secretary_a, reverse("api:plan-detail", args=[plan.pk])).status_code == 404
    assert api(client, secretary_a, reverse("api:assignment-detail", args=[assignment_a1.pk])).status_code == 404
    assert api(client, committee, reverse("api:plan-detail", args=[plan.pk])).json()["status"] == "draft"


def test_assignment_carries_light_and_progress(client, world, committee, overdue_b):
    body = api(client, committee, reverse("api:assignment-detail", args=[overdue_b.pk])).json()
    with translation.override("zh-hans"):
        assert body["light"] == "red" and body["light_label"] == str(Light.RED.label) == "逾期"
    assert body["progress"] == 40
    assert body["unit"]["name"] == "业务一科党支部" and body["owner"]["name"] == "刘芳"
    assert body["key_task"]["number"] == "1.3"


def test_filters_are_the_web_lists(client, world, committee, overdue_b, assignment_a1, org):
    url = reverse("api:assignment-list")
    red = api(client, committee, url, light="red").json()["results"]
    assert [item["id"] for item in red] == [overdue_b.pk]
    by_unit = api(client, committee, url, unit=org.branch_a1.pk).json()["results"]
    assert [item["id"] for item in by_unit] == [assignment_a1.pk]
    by_deadline = api(client, committee, url, deadline_before="2023-05-01").json()["results"]
    assert [item["id"] for item in by_deadline] == [overdue_b.pk]
    tasks = api(client, committee, reverse("api:key-task-list"), light="red").json()["results"]
    assert [item["number"] for item in tasks] == ["1.3"]


def test_a_filter_the_user_may_not_choose_is_a_400_in_chinese(client, world, secretary_a, org):
    response = api(client, secretary_a, reverse("api:assignment-list"), unit=org.branch_b.pk)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400 and body["code"] == "invalid"
    assert "unit" in body["errors"]
    assert "选择" in body["detail"]  # Django's "Select a valid choice", in Chinese
    bad_id = api(client, secretary_a, reverse("api:assignment-list"), key_task="99999999999999999999999")
    assert bad_id.status_code == 400 and "key_task" in bad_id.json()["errors"]
    bad_year = api(client, secretary_a, reverse("api:assignment-list"), year="二〇二三")
    assert bad_year.status_code == 400 and "year" in bad_year.json()["errors"]
    no_plan = api(client, secretary_a, reverse("api:assignment-list"), year=2031)
    assert no_plan.status_code == 404 and "2031" in no_plan.json()["detail"]


def test_cursor_pages_walk_a_list_once(client, committee, key_task, org):
    units = [org.branch_a, org.branch_a1, org.branch_b]
    created = set()
    for number in range(7):
        task = KeyTaskFactory(plan=key_task.plan, area=key_task.area, number=f"9.{number}")
        for unit in units:
            created.add(AssignmentFactory(key_task=task, unit=unit).pk)
    client.force_login(committee)
    seen, url, pages = [], reverse("api:assignment-list") + "?page_size=5", 0
    while url:
        body = client.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url, pages = body["next"], pages + 1
    assert sorted(seen) == seen and set(seen) == created and pages == 5
    too_big = client.get(reverse("api:assignment-list"), {"page_size": 5000}).json()
    assert len(too_big["results"]) == 21


def test_reports_carry_their_evidence_and_filter_by_state(client, world, committee, assignment_b):
    body = api(client, committee, reverse("api:report-list"), assignment=assignment_b.pk).json()
    assert [item["id"] for item in body["results"]] == [world["report_b"].pk]
    assert body["results"][0]["author"]["name"] == "刘芳" and body["results"][0]["evidence"] == []
    assert api(client, committee, reverse("api:report-list"), state="approved").json()["results"] == []
    bad = api(client, committee, reverse("api:report-list"), state="maybe")
    assert bad.status_code == 400 and "state" in bad.json()["errors"]


def test_dashboard_figures_are_the_web_dashboards(client, world, committee, secretary_a, plan, overdue_b):
    body = api(client, committee, reverse("api:dashboard"), year=2023).json()
    expected = dashboard_get(user=committee, plan=plan)
    assert body["plan"]["year"] == 2023
    assert body["lights"]["counts"] == expected.lights.counts
    assert body["lights"]["total"] == 4 and body["lights"]["counts"]["red"] == 1
    assert [unit["name"] for unit in body["units"]] == [row.name for row in expected.units]
    assert [unit["rank"] for unit in body["units"]] == [row.rank for row in expected.units]
    mine = api(client, secretary_a, reverse("api:dashboard")).json()
    assert mine["lights"]["total"] == 1
    assert [unit["rank"] for unit in mine["units"]] == [None]  # ranks are the committee's, as on the web


def test_unknown_addresses_and_methods_are_problems_too(client, committee):
    client.force_login(committee)
    for path in ("/api/v1/nothing/", "/api/v1/assignments/abc/", "/api/v1/assignments/-1/"):
        response = client.get(path)
        assert response.status_code == 404 and response["Content-Type"] == "application/problem+json", path
    refused = client.delete(reverse("api:plan-list"))
    assert refused.status_code in (403, 405)
    assert refused["Content-Type"] == "application/problem+json"


def test_a_server_error_is_a_problem_in_chinese_and_the_web_keeps_its_page(
    client, committee, secretary_a, settings, monkeypatch, caplog
):
    """An unhandled exception under /api/ (DEBUG off, as in production): a problem with the logged reference, no
    traceback and no HTML; a page of the web still gets the 500 page."""
    from tasks import selectors
    from tasks.api import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom in the selector")

    settings.DEBUG = False
    monkeypatch.setattr(views, "current_plan", explode)
    monkeypatch.setattr(selectors, "workbench", explode)
    client.raise_request_exception = False
    client.force_login(committee)
    with caplog.at_level("ERROR", logger="django.request"):
        response = client.get(reverse("api:assignment-list"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    ref = response["X-Error-Ref"]
    assert body == {
        "type": "about:blank",
        "title": "服务器错误",
        "status": 500,
        "detail": zh(
            "Something went wrong on the server. Try again later; if it happens again, give the administrator "
            "the reference %(ref)s."
        )
        % {"ref": ref},
        "code": "server_error",
        "instance": "/api/v1/assignments/",
        "reference": ref,
    }
    assert ref in body["detail"] and "服务器" in body["detail"]
    assert "boom" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert any(r.exc_info and getattr(r, "request", None) is not None for r in caplog.records)  # logged, with it
    client.force_login(secretary_a)
    page = client.get(reverse("home"))  # the secretary's home reads the workbench
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    assert 'id="error-ref"' in page.content.decode()


def test_schema_and_docs_page_are_served_offline(client, committee):
    schema = client.get(reverse("api:schema"), {"format": "json"})
    assert schema.status_code == 200
    document = schema.json()
    assert "/api/v1/assignments/" in document["paths"]
    listing = document["paths"]["/api/v1/assignments/"]["get"]
    assert {"light", "unit", "deadline_after", "cursor", "year"} <= {p["name"] for p in listing["parameters"]}
    assert "application/problem+json" in listing["responses"]["404"]["content"]
    assert "application/problem+json" in listing["responses"]["500"]["content"]
    client.force_login(committee)
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html and "<script>" not in html  # nothing inline: the policy stays as it is
    assert "//cdn" not in html and "https://" not in html
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
