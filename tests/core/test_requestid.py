"""One id per request: in the response header, every log line of the request and the 500 page."""

import json
import logging
import re

import pytest
from django.test import Client

from forum.core import requestid


@pytest.mark.django_db
def test_each_response_carries_an_id_and_a_plausible_one_from_the_proxy_is_kept():
    first, second = Client().get("/healthz"), Client().get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    given = "0123456789abcdef0123456789abcdef"
    assert Client().get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", ["short", "x" * 65, "abc def ghi jkl", "<script>alert(1)</script>", "a\u0645" * 10])
def test_an_implausible_id_from_outside_is_replaced(hostile):
    returned = Client().get("/healthz", HTTP_X_REQUEST_ID=hostile)["X-Request-ID"]
    assert returned != hostile and re.fullmatch(r"[0-9a-f]{32}", returned)


@pytest.mark.django_db
@pytest.mark.urls("tests.core.error_urls")
def test_the_500_page_shows_the_id_that_the_log_line_carries():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    handler.addFilter(requestid.RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = Client(raise_request_exception=False).get("/explode/", HTTP_ACCEPT_LANGUAGE="en",
                                                              HTTP_X_REQUEST_ID="report-me-1234")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 500
    assert response["X-Request-ID"] == "report-me-1234"
    assert "<code>report-me-1234</code>" in response.content.decode()
    assert any(r.request_id == "report-me-1234" and r.levelno == logging.ERROR for r in records)


def test_json_lines_are_one_object_each_with_the_request_id():
    formatter = requestid.JsonFormatter()
    record = logging.LogRecord("forum.x", logging.WARNING, __file__, 1, "مرحبا %s", ("\n<b>",), None)
    requestid.RequestIdFilter().filter(record)
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "مرحبا \n<b>" and entry["request_id"] == "-" and entry["level"] == "WARNING"
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("forum.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = json.loads(formatter.format(record))
    assert "ValueError: boom" in entry["exception"]


@pytest.mark.parametrize(("env", "formatter"), [
    ({"DEBUG": "0"}, "json"),
    ({"DEBUG": "1"}, "text"),
    ({"DEBUG": "1", "FORUM_LOG_FORMAT": "json"}, "json"),
    ({"DEBUG": "0", "FORUM_LOG_FORMAT": "text"}, "text"),
])
def test_production_logs_are_json_unless_told_otherwise(env, formatter):
    import os
    import subprocess
    import sys
    from pathlib import Path

    production = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org", "DATABASE_URL": "postgres://u@h/d",
                  "REDIS_URL": "redis://h:6379/0"}
    child_env = {k: v for k, v in os.environ.items() if k not in {"FORUM_LOG_FORMAT", "DJANGO_SETTINGS_MODULE"}}
    child_env.update(production, **env)
    out = subprocess.run(
        [sys.executable, "-c", "from config.settings import base; print(base.LOGGING['handlers']['console']['formatter'])"],
        cwd=Path(__file__).resolve().parents[2], env=child_env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == formatter
