"""Compile tasks/locale/*/LC_MESSAGES/django.po into .mo with polib, so no system gettext is needed.

Run by `make messages` (`python -m tools.i18n_compile`); the .mo files are committed and tests check they match
the .po files. A development tool: it imports polib, a development dependency, so it stays out of the installed
package.
"""

from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "tasks" / "locale"


def compile_all() -> list[Path]:
    written = []
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(f"wrote {path}")
