"""One id per request, in every log line the request causes, in the `X-Request-ID` response header
and on the 500 page, so a member's report ("reference 4f3a…") finds its log lines.

nginx makes the id (`proxy_set_header X-Request-ID $request_id`); without a proxy, or when the header
is not a plausible id, one is made here. The id lives in a context variable: asgiref carries it into
the thread that runs the view, and concurrent requests never see each other's.

`JsonFormatter` writes one JSON object per line (FORUM_LOG_FORMAT=json, the default when DEBUG is
off); `RequestIdFilter` gives every record its `request_id` ("-" outside a request).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
PLAUSIBLE = re.compile(r"[A-Za-z0-9._-]{8,64}")


def current() -> str:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if PLAUSIBLE.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = _current.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
