"""The import itself: refuse the whole file or write it in one transaction, and audit every real import."""

from django.db import transaction
from django.utils.translation import gettext as _

from tasks import access
from tasks.audit import Action, Result, audit_record
from tasks.models import AnnualPlan
from tasks.services.common import require
from tasks.services.plan_import.apply import apply_rows
from tasks.services.plan_import.directory import Directory
from tasks.services.plan_import.results import ImportIssue, PlanImportError, PlanImportResult
from tasks.services.plan_import.rows import parse_rows
from tasks.services.plan_import.workbook import first_sheet_rows, read_bytes, sniff


def plan_import(
    *, file, year: int, user=None, dry_run: bool = False, file_name: str = "", committee_id: int | None = None
) -> PlanImportResult:
    """Validate every row of the workbook, then (unless `dry_run`) create or update `committee_id`'s plan of `year`
    (by default the user's own committee's; the command line's is the committee at the top).

    `user` is the committee member importing from the web, who may import only into a plan their committee runs
    (a 工委 member does not import a bureau's plan); the command line passes None (whoever runs
    commands on the server is trusted). Raises PlanImportError, listing every problem, when the file is
    refused: then nothing has been written. Every real import, accepted or refused, is audited."""
    name = file_name or getattr(file, "name", "") or ""
    try:
        result = _plan_import(file=file, year=year, user=user, dry_run=dry_run, name=name, committee_id=committee_id)
    except PlanImportError as error:
        if not dry_run:
            audit_record(
                action=Action.IMPORT,
                user=user,
                result=Result.FAILURE,
                object_type="tasks.annualplan",
                detail={"year": year, "file": name[:200], "errors": len(error.issues)},
            )
        raise
    if not dry_run:
        audit_record(
            action=Action.IMPORT,
            user=user,
            obj=result.plan,
            detail={"year": year, "file": name[:200], "created": len(result.created), "updated": len(result.updated)},
        )
    return result


def _plan_import(*, file, year: int, user, dry_run: bool, name: str, committee_id: int | None) -> PlanImportResult:
    if committee_id is None:
        committee_id = access.home_committee_id(user)
    if user is not None:
        require(access.can_run_plan(user, AnnualPlan(committee_id=committee_id, year=year)))
    content = read_bytes(file)
    refusal = sniff(content, name)
    if refusal:
        code, reason = refusal
        raise PlanImportError([ImportIssue(None, None, "", reason, code)])
    sheet_rows, issues = first_sheet_rows(content)
    if issues:
        raise PlanImportError(issues)
    plan = AnnualPlan.objects.filter(committee_id=committee_id, year=year).first()
    if plan is not None and plan.status == AnnualPlan.Status.CLOSED:
        raise PlanImportError(
            [
                ImportIssue(
                    None,
                    None,
                    "",
                    _("The %(year)d plan is closed: it can no longer be changed by an import.") % {"year": year},
                    "plan_closed",
                )
            ]
        )
    directory = Directory(committee_id)
    rows, issues = parse_rows(sheet_rows, year=year, directory=directory)
    if issues:
        raise PlanImportError(issues)

    result = PlanImportResult(plan=plan, dry_run=dry_run, rows=len(rows))
    if dry_run:
        apply_rows(plan or AnnualPlan(committee_id=committee_id, year=year), rows, directory, result, dry_run=True)
        return result
    with transaction.atomic():
        if plan is None:
            plan = AnnualPlan.objects.create(
                committee_id=committee_id, year=year, title=f"{year}年度党建工作要点", status=AnnualPlan.Status.DRAFT
            )
        else:
            plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        result.plan = plan
        apply_rows(plan, rows, directory, result, dry_run=False, user=user)
    return result
