import datetime as dt
from decimal import Decimal

import factory

from tasks.models import AnnualPlan, Area, Assignment, KeyTask, Membership, OrgUnit, ProgressReport, User

TEST_PASSWORD = "Correct-Horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"第{n}党支部")
    kind = OrgUnit.Kind.BRANCH


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(OrgUnitFactory)
    role = Membership.Role.SECRETARY


def top_committee() -> OrgUnit:
    """A plan's committee by default: the committee at the top of the tree, made when there is none yet."""
    roots = OrgUnit.objects.filter(parent__isnull=True)
    return (
        roots.filter(kind=OrgUnit.Kind.COMMITTEE).order_by("id").first()
        or roots.order_by("id").first()
        or OrgUnit.objects.create(name="党委", kind=OrgUnit.Kind.COMMITTEE)
    )


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualPlan
        django_get_or_create = ("committee", "year")

    committee = factory.LazyFunction(top_committee)
    year = 2023
    title = factory.LazyAttribute(lambda plan: f"{plan.year}年度党建工作要点")
    status = AnnualPlan.Status.PUBLISHED


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    plan = factory.SubFactory(PlanFactory)
    code = Area.Code.POLITICAL
    name = factory.Sequence(lambda n: f"方面{n}")


class KeyTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyTask

    plan = factory.SubFactory(PlanFactory)
    area = factory.SubFactory(AreaFactory, plan=factory.SelfAttribute("..plan"))
    number = factory.Sequence(lambda n: f"1.{n + 1}")
    title = factory.Sequence(lambda n: f"重点任务{n}")
    lead_unit = factory.SubFactory(OrgUnitFactory)
    start_date = dt.date(2023, 1, 3)
    deadline = dt.date(2023, 12, 29)
    cadence = KeyTask.Cadence.QUARTERLY


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    key_task = factory.SubFactory(KeyTaskFactory)
    unit = factory.SubFactory(OrgUnitFactory)
    deadline = factory.LazyAttribute(lambda assignment: assignment.key_task.deadline)
    weight = Decimal(1)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressReport

    assignment = factory.SubFactory(AssignmentFactory)
    author = factory.SubFactory(UserFactory)
    percent = 50
    narrative = "按计划推进"
