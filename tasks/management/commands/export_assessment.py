from django.core.management.base import BaseCommand, CommandError

from tasks.management.commands._export_args import add_year_and_output, plan_for_year
from tasks.services.exports import AssessmentWeights, assessment_export


class Command(BaseCommand):
    help = "Write the assessment table (党建考核指标明细表) of a plan as .xlsx: one ranked row per unit."

    def add_arguments(self, parser):
        add_year_and_output(parser, suffix=".xlsx")
        parser.add_argument(
            "--weight",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="override a score weight: completion, on_time, targets, progress, overdue_penalty, "
            "against_original_deadline (repeatable)",
        )

    def handle(self, *args, year, output, weight, **options):
        plan = plan_for_year(year, options.get("committee"))
        overrides = {}
        for item in weight:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--weight wants NAME=VALUE, not {item!r}")
            overrides[name.strip()] = value.strip()
        try:
            weights = AssessmentWeights.from_settings(**overrides)
        except (ValueError, ArithmeticError) as error:
            raise CommandError(str(error)) from None
        rows = assessment_export(plan=plan, out=output, weights=weights)
        self.stdout.write(f"{len(rows)} units written to {output}")
