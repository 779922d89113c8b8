#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partybuild.settings")
    # manage.py is the source checkout's tool: it reads the developer's .env, as `make` does. A server runs the
    # installed `django-admin` with its environment set, and reads no .env (README, "Configuration").
    os.environ.setdefault("DJANGO_READ_DOT_ENV_FILE", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
