"""The Chinese catalogue is complete and its compiled form is current, without needing gettext tools."""

import ast
import re
from pathlib import Path

import polib
import pytest

from tools.i18n_compile import LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
PO = LOCALE_DIR / "zh_Hans/LC_MESSAGES/django.po"
MO = PO.with_suffix(".mo")

PY_STRING = re.compile(r"""\b(?:_|gettext|gettext_lazy|pgettext)\(\s*"((?:[^"\\]|\\.)+)"\s*[,)]""")
TEMPLATE_STRING = re.compile(r"""\{%\s*translate\s+"([^"]+)"|\{%\s*translate\s+'([^']+)'""")
BLOCK_STRING = re.compile(r"\{%\s*blocktranslate\b([^%]*)%\}(.*?)\{%\s*endblocktranslate\s*%\}", re.S)
BLOCK_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def block_msgid(tag_arguments: str, content: str) -> str:
    """The msgid makemessages writes for a blocktranslate block: its singular part, variables as %(name)s."""
    singular = re.split(r"\{%\s*plural\s*%\}", content)[0]
    if "trimmed" in tag_arguments.split():
        singular = " ".join(line.strip() for line in singular.splitlines() if line.strip())
    return BLOCK_VARIABLE.sub(r"%(\1)s", re.sub(r"%(?!\()", "%%", singular))


def source_strings():
    found = set()
    for path in [*ROOT.glob("tasks/**/*.py"), *ROOT.glob("partybuild/**/*.py")]:
        if "migrations" in path.parts:
            continue
        found.update(ast.literal_eval(f'"{match}"') for match in PY_STRING.findall(path.read_text()))
    for path in ROOT.glob("tasks/templates/**/*.html"):
        text = path.read_text()
        for double, single in TEMPLATE_STRING.findall(text):
            found.add(double or single)
        found.update(block_msgid(arguments, content) for arguments, content in BLOCK_STRING.findall(text))
    return found


def test_every_marked_string_has_a_chinese_translation():
    catalogue = {
        entry.msgid: entry.msgstr or "".join(entry.msgstr_plural.values())
        for entry in polib.pofile(str(PO))
        if not entry.obsolete
    }
    missing = sorted(text for text in source_strings() if not catalogue.get(text))
    assert not missing, f"untranslated (run `make messages` and translate): {missing[:20]}"


def test_catalogue_has_no_fuzzy_or_empty_entries():
    po = polib.pofile(str(PO))
    assert not po.untranslated_entries()
    assert not po.fuzzy_entries()


def test_compiled_catalogue_matches_the_source():
    def translations(catalogue):
        return {entry.msgid: entry.msgstr or entry.msgstr_plural.get(0, "") for entry in catalogue if entry.msgid}

    po = {msgid: text for msgid, text in translations(polib.pofile(str(PO))).items() if text}
    mo = translations(polib.mofile(str(MO)))
    assert po == mo, "locale .mo is stale: run `make messages`"


@pytest.mark.django_db
def test_pages_render_in_chinese(client):
    body = client.get("/accounts/login/").content.decode()
    assert "登录" in body
    assert "Log in" not in body


def test_an_assignment_is_called_one_thing_everywhere():
    """承办任务 (DOMAIN.md's Assignment) in every string that speaks of one; never 任务分解 or a bare 该任务."""
    speaks_of_assignments = re.compile(r"\bassignments?\b(?!\)s)", re.IGNORECASE)
    wrong = []
    for entry in polib.pofile(str(PO)):
        text = entry.msgstr or "".join(entry.msgstr_plural.values())
        other_word = any(word in text for word in ("任务分解", "该任务", "本任务"))
        speaks = speaks_of_assignments.search(entry.msgid.replace("%(assignment)s", ""))
        if other_word or (speaks and "承办任务" not in text):
            wrong.append((entry.msgid, text))
    assert not wrong, wrong[:10]
