"""Structured logs: one JSON object per line, with the request's user, address and error reference.

Enabled with LOG_FORMAT=json (the default when DEBUG is off); journald, Filebeat or Loki read it as is.
"""

import datetime as dt
import json
import logging

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RequestContextFilter(logging.Filter):
    """Copies the request's error reference, user and address onto records that carry a request."""

    def filter(self, record):
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "META"):
            # Imported here: logging is configured before the apps are loaded, and tasks.audit needs them.
            from tasks.audit import client_ip

            record.ref = getattr(request, "error_ref", None)
            # Only a user already loaded: loading it here would query the database, which may be the very
            # thing that failed (a PostgreSQL restart), and a logging error must never hide the real one.
            user = getattr(request, "_cached_user", None)
            record.user = user.get_username() if getattr(user, "is_authenticated", False) else None
            record.ip = client_ip(request)
            record.path = request.path
            record.method = request.method
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        payload = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_") or key in ("request", "server_time"):
                continue
            if value is not None:
                payload[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """The development format: readable, with `ref=` next to the level when the record has one."""

    def __init__(self, *args, **kwargs):
        super().__init__("%(asctime)s %(levelname)s %(name)s%(ref_text)s %(message)s")

    def format(self, record):
        ref = getattr(record, "ref", None)
        record.ref_text = f" ref={ref}" if ref else ""
        return super().format(record)
