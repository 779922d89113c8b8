"""The layout holds (README "Layout"): no import circle between jobs and services, short functions, template
tags that only format. Read from the source with ast, so each check fails the day someone breaks it."""

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAX_FUNCTION_LINES = 60
# Functions allowed to be longer, each with its reason. Keep this short.
LONG_FUNCTIONS: dict[str, str] = {}


def modules(*folders: str):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(encoding="utf-8"))


def module_level_imports(tree: ast.Module) -> set[str]:
    """Modules imported when this module is imported (function bodies aside; `if TYPE_CHECKING` included)."""
    names = set()
    for node in tree.body:
        for child in ast.walk(node) if isinstance(node, ast.If) else [node]:
            if isinstance(child, ast.Import):
                names.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                names.add(child.module)
                names.update(f"{child.module}.{alias.name}" for alias in child.names)
    return names


def test_jobs_import_services_only_inside_the_job_bodies():
    tree = ast.parse((ROOT / "tasks" / "jobs.py").read_text(encoding="utf-8"))
    imported = module_level_imports(tree)
    assert not [name for name in imported if name.startswith(("tasks.services", "tasks.selectors"))]


def test_one_module_imports_the_jobs_to_enqueue_them():
    def imports_jobs(tree) -> bool:
        return any(name == "tasks.jobs" or name.startswith("tasks.jobs.") for name in module_level_imports(tree))

    importers = [str(path.relative_to(ROOT)) for path, tree in modules("tasks", "partybuild") if imports_jobs(tree)]
    assert importers == ["tasks/services/reminders/outbox.py"]


@pytest.mark.parametrize("first", ["tasks.jobs", "tasks.services.reminders", "tasks.services.reminders.outbox"])
def test_jobs_and_reminder_services_import_in_any_order(first):
    """An import circle shows up as an ImportError depending on which side is imported first."""
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tests.settings'); django.setup(); "
        f"import {first}; import tasks.jobs, tasks.services.reminders"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_no_function_is_longer_than_sixty_lines():
    """Outside bench/ (scripts that read top to bottom) and the migrations."""
    long = []
    for path, tree in modules("tasks", "partybuild"):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                name = f"{path.relative_to(ROOT)}:{node.name}"
                if lines > MAX_FUNCTION_LINES and name not in LONG_FUNCTIONS:
                    long.append(f"{name} ({lines} lines)")
    assert long == []


def test_template_tags_only_format_what_the_view_gives_them():
    """A tag that reads the database (or the cache) hides a query from the view and its tests. Model constants
    (a status's value) are fine; a manager or a queryset is not."""
    forbidden = ("tasks.cache", "tasks.selectors", "tasks.services", "django.db", "django.core.cache")
    for path, tree in modules("tasks/templatetags"):
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert not [name for name in imported if name.startswith(forbidden)], path.name
        queries = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "objects"]
        assert queries == [], f"{path.name}: a query at line(s) {queries}"
