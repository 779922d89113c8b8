"""The settings of the test suite: the developer's settings of the checkout, its .env included, whatever starts
pytest (`make test`, which asks for the .env itself, or `.venv/bin/python -m pytest ...`). Subprocesses the
tests start inherit the same environment."""

import os

os.environ.setdefault("DJANGO_READ_DOT_ENV_FILE", "1")

from partybuild.settings import *  # noqa: F403
