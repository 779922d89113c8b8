from django.core.management.base import BaseCommand

from tasks.management.commands._export_args import add_year_and_output, plan_for_year
from tasks.services.annual_report import annual_report_build


class Command(BaseCommand):
    help = "Write the draft annual party-building report of a plan as .docx."

    def add_arguments(self, parser):
        add_year_and_output(parser, suffix=".docx")

    def handle(self, *args, year, output, **options):
        figures = annual_report_build(plan=plan_for_year(year, options.get("committee")), out=output)
        self.stdout.write(
            f"Report written to {output}: {figures.key_tasks} key tasks, {figures.assignments} assignments, "
            f"completion {figures.completion_rate}%."
        )
