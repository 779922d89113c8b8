"""Upgrading an installation of one committee: every existing plan becomes its root committee's (0021)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("tasks", "0022_attendance_absent_index")
AFTER = ("tasks", "0023_plan_committee")


@pytest.mark.django_db(transaction=True)
def test_existing_plans_get_the_root_committee():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    units, plans = old.get_model("tasks", "OrgUnit").objects, old.get_model("tasks", "AnnualPlan").objects
    units.create(name="党建办", kind="department")  # a root too, made first, but not a committee
    root = units.create(name="市局党委", kind="committee")
    units.create(name="办公室党支部", kind="branch", parent=root)
    for year in (2023, 2024):
        plans.create(year=year, title=f"{year}年度党建工作要点")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([AFTER])
    new = executor.loader.project_state([AFTER]).apps
    plans = new.get_model("tasks", "AnnualPlan").objects.order_by("year")
    assert [(plan.year, plan.committee_id) for plan in plans] == [(2023, root.pk), (2024, root.pk)]

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
