from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tasks.management.commands._export_args import add_committee, plan_for_year
from tasks.services.rollover import plan_rollover


class Command(BaseCommand):
    help = "Copy a plan into the next year as a draft: areas, key tasks and assignments, dates one year later."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="the year of the plan to copy")
        add_committee(parser)

    def handle(self, *args, year, **options):
        try:
            new_plan = plan_rollover(plan=plan_for_year(year, options.get("committee")))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Draft plan {new_plan.year} created: {new_plan.key_tasks.count()} key tasks. Review it, then publish it "
            f"on its page (/plans/{new_plan.year}/)."
        )
