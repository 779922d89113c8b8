from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tasks.management.commands._export_args import add_committee, committee_id_of
from tasks.services.plan_import import PlanImportError, plan_import, plan_template_workbook


class Command(BaseCommand):
    help = (
        "Import the annual plan from an .xlsx file (all rows are checked first; any error imports nothing), "
        "or write the import template with --template."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the .xlsx file to import")
        parser.add_argument("--year", type=int, help="the plan's year")
        parser.add_argument("--dry-run", action="store_true", help="check the file and show what would change")
        parser.add_argument("--template", metavar="FILE.xlsx", help="write the import template to this file")
        add_committee(parser)

    def handle(self, *args, file=None, year=None, dry_run=False, template=None, **options):
        committee_id = committee_id_of(options.get("committee"))
        if template:
            Path(template).write_bytes(plan_template_workbook(committee_id=committee_id))
            self.stdout.write(f"Template written to {template}")
            if not file:
                return
        if not file:
            raise CommandError("Give the .xlsx file to import (or --template FILE.xlsx).")
        if year is None:
            raise CommandError("Give the plan's year with --year YYYY.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            with path.open("rb") as handle:
                result = plan_import(
                    file=handle, year=year, dry_run=dry_run, file_name=path.name, committee_id=committee_id
                )
        except PlanImportError as error:
            for issue in error.issues:
                self.stderr.write(str(issue))
            raise CommandError(f"{len(error.issues)} error(s) in {path.name}: nothing was imported.") from None
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(
            f"{prefix}{result.rows} key tasks: {len(result.created)} new, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged (plan {year})."
        )
        for change in result.created_tasks:
            self.stdout.write(f"  + {change.number} {change.title} ({'、'.join(change.units_added)})")
        for change in result.updated_tasks:
            self.stdout.write(f"  ~ {change.number} {change.title}")
            for label, old, new in change.fields:
                self.stdout.write(f"      {label}: {old} → {new}")
            if change.units_added:
                self.stdout.write(f"      + {'、'.join(change.units_added)}")
            if change.units_removed:
                self.stdout.write(f"      - {'、'.join(change.units_removed)}")
            for line in change.assignments:
                self.stdout.write(f"      {line}")
        for name in result.not_in_file:
            self.stdout.write(f"  = {name} (not in the file: kept)")
        for note in result.notes:
            self.stdout.write(f"  {note}")
