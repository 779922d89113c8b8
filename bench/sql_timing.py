"""The app's WSGI application, measured: each response carries how long its request took inside Django and how
long its SQL took, so bench_web can print per page the SQL time alone and the ratio page/SQL.

Only the benchmark serves through this (`gunicorn bench.sql_timing:application`); the product never does.
Django renders a response completely before it calls start_response, so the figures are final when the
headers are written. SQL time is measured around each query's execution on the request's connection
(fetching rows included: a server-side cursor is not used by these pages).
"""

import time

from django.db import connection

from bench.harness import APP_HEADER, QUERIES_HEADER, SQL_HEADER
from partybuild.wsgi import application as django_application


class _SqlClock:
    def __init__(self):
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def application(environ, start_response):
    clock = _SqlClock()
    started = time.perf_counter()

    def timed_start_response(status, headers, exc_info=None):
        headers = [
            *headers,
            (APP_HEADER, f"{(time.perf_counter() - started) * 1000:.2f}"),
            (SQL_HEADER, f"{clock.seconds * 1000:.2f}"),
            (QUERIES_HEADER, str(clock.queries)),
        ]
        return start_response(status, headers, exc_info)

    with connection.execute_wrapper(clock):
        return django_application(environ, timed_start_response)
