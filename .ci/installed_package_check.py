"""The installed package renders a reminder e-mail in Chinese (README, "Deploying").

Run by .ci/installed_package_check.sh with the virtualenv's Python, from a directory that is not the source
checkout, so that `tasks` and `partybuild` can only come from site-packages: a template or catalogue left out
of the package fails here (TemplateDoesNotExist, or English text).
"""

import datetime as dt
import re
import sysconfig
from pathlib import Path

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.utils import translation  # noqa: E402
from django.utils.translation import gettext  # noqa: E402

import partybuild  # noqa: E402
import tasks  # noqa: E402
from tasks.models import AnnualPlan, Assignment, Bundle, KeyTask, OrgUnit, Reminder, User  # noqa: E402
from tasks.services.reminders import EmailTransport  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")
# Words of the templates themselves; none of them may be left in English.
ENGLISH = ("PartyBuild", "Dear ", "Open it in", "Key task", "Deadline", "This message was sent automatically")

site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
for package in (tasks, partybuild):
    where = Path(package.__file__).resolve()
    assert where.is_relative_to(site_packages), f"{package.__name__} was imported from {where}, not {site_packages}"

assignment = Assignment(
    pk=7,
    key_task=KeyTask(number="1.1", title="召开党建工作领导小组会议", plan=AnnualPlan(year=2024)),
    unit=OrgUnit(name="办公室党支部", short_name="办公室支部"),
    deadline=dt.date(2024, 3, 31),
    progress=40,
)
with translation.override(settings.LANGUAGE_CODE):
    subject = gettext("Due today: %(task)s") % {"task": "1.1 召开党建工作领导小组会议"}
    recipient = User(username="zhangwei", full_name="张伟", email="zhangwei@example.org")
    reminder = Reminder(
        pk=1,
        kind=Reminder.Kind.DUE_SOON,
        channel=Reminder.Channel.EMAIL,
        recipient=recipient,
        assignment=assignment,
        subject=subject,
        body=subject,
        url="/assignments/7/",
    )
    # One reminder on its own (an urge, or someone who chose one e-mail per reminder).
    alone = Bundle(pk=1, recipient=recipient, channel="email", day=dt.date(2024, 3, 29), daily=False, subject=subject)
    message = EmailTransport().render(alone, [reminder])
    # The day's bundle: everything one person gets from a scan, in one e-mail (tasks/templates/emails/bundle-*).
    day = Bundle(pk=2, recipient=recipient, channel="email", day=dt.date(2024, 3, 29), daily=True)
    day.subject = "1 项临期"
    bundle_message = EmailTransport().render(day, [reminder])

parts = {"subject": message.subject, "text body": message.body, "HTML body": message.alternatives[0][0]}
parts.update(
    {
        "bundle subject": bundle_message.subject,
        "bundle text body": bundle_message.body,
        "bundle HTML body": bundle_message.alternatives[0][0],
    }
)
assert subject.startswith("今日到期"), f"the catalogue was not found: {subject!r}"
for name, text in parts.items():
    assert CJK.search(text), f"the {name} has no Chinese: {text!r}"
    left = [word for word in ENGLISH if word in text]
    assert not left, f"the {name} is partly English {left}: {text!r}"
assert message.subject.startswith("[党建任务通]"), message.subject
assert bundle_message.subject == "【党建任务通】1 项临期", bundle_message.subject
print(f"reminder e-mail rendered in Chinese by the installed package ({Path(tasks.__file__).parent}):")
print(f"  subject: {message.subject}")
print("  body:    " + message.body.strip().splitlines()[0])
