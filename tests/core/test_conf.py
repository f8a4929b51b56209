"""One home for the FORUM_* settings (forum/core/conf.py): declared once, read from there at call
time, taken from the environment by the settings module, and documented by a generated table."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from forum.core import conf

ROOT = Path(settings.BASE_DIR)
NAME = re.compile(r"\bFORUM_[A-Z0-9_]*[A-Z0-9]\b")
# Environment variables that are not FORUM_ settings: the language of LANGUAGE_CODE, and where the
# browser tests keep their screenshots.
NOT_SETTINGS = {"FORUM_DEFAULT_LANGUAGE", "FORUM_SCREENSHOT_DIR"}


def _sources():
    for folder, patterns in (("forum", ("*.py", "*.html", "*.txt", "*.js")), ("config", ("*.py",)),
                             ("templates", ("*.html", "*.txt")), ("static", ("*.js",)), ("bench", ("*.py",)),
                             ("tests", ("*.py",)), ("docs", ("*.md",)), ("deploy", ("*",))):
        for pattern in patterns:
            for path in sorted((ROOT / folder).rglob(pattern)):
                if path.is_file() and path != Path(__file__):
                    yield path
    yield ROOT / "README.md"
    yield ROOT / "docker-compose.yml"


def test_every_forum_setting_named_anywhere_is_declared():
    undeclared = {}
    for path in _sources():
        for name in NAME.findall(path.read_text(encoding="utf-8", errors="replace")):
            if name not in conf.DECLARED and name not in conf.ENTRY_VARIABLES and name not in NOT_SETTINGS:
                undeclared.setdefault(name, str(path.relative_to(ROOT)))
    assert undeclared == {}


def test_forum_code_reads_settings_only_through_conf():
    offences = []
    patterns = [re.compile(r"getattr\(\s*(django_)?settings\s*,\s*[\"']FORUM_"),  # a second default
                re.compile(r"(?<![\w.])settings\.FORUM_"),  # past the declared default
                re.compile(r"from forum\.core\.conf import .*FORUM_")]  # frozen at import
    for path in sorted((ROOT / "forum").rglob("*.py")):
        if path.name == "conf.py" and path.parent.name == "core":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(pattern.search(line) for pattern in patterns):
                offences.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offences == []


def test_the_settings_module_gives_no_second_default():
    source = (ROOT / "config" / "settings" / "base.py").read_text(encoding="utf-8")
    assert re.findall(r"^\s*(FORUM_\w+)\s*=", source, flags=re.MULTILINE) == []
    for declared in conf.SETTINGS:
        # config/settings/test.py sends in the request, and turns the new-member hold off (the tests
        # of pre-moderation turn it on).
        if declared.name not in ("FORUM_EMAIL_WORKER", "FORUM_MODERATION_NEW_MEMBER_POSTS"):
            assert getattr(settings, declared.name) == declared.default, declared.name


def test_the_docs_table_is_generated_from_the_declarations():
    document = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert conf.with_table(document) == document, "run `manage.py settings_docs`"
    for declared in conf.SETTINGS:
        assert f"| `{declared.name}` |" in document
    call_command("settings_docs", "--check")


def test_a_value_is_read_at_call_time_so_overrides_are_seen(settings):
    assert conf.FORUM_POST_MAX_CHARS == 20000 == conf.get("FORUM_POST_MAX_CHARS")
    with override_settings(FORUM_POST_MAX_CHARS=5):
        assert conf.FORUM_POST_MAX_CHARS == 5 == conf.get("FORUM_POST_MAX_CHARS")
    assert conf.FORUM_POST_MAX_CHARS == 20000
    settings.FORUM_UNREAD_DAYS = 7
    assert conf.FORUM_UNREAD_DAYS == 7
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "post": "1/m"}
    assert conf.FORUM_RATE_LIMITS["post"] == "1/m"


def test_a_settings_module_without_the_setting_gets_the_declared_default(settings):
    del settings.FORUM_UNREAD_DAYS
    assert not hasattr(settings, "FORUM_UNREAD_DAYS")
    assert conf.FORUM_UNREAD_DAYS == 30


def test_an_undeclared_name_fails_loudly():
    with pytest.raises(AttributeError):
        _ = conf.FORUM_NO_SUCH_THING
    with pytest.raises(KeyError):
        conf.get("FORUM_NO_SUCH_THING")


def test_the_environment_sets_only_the_settings_that_read_it_parsed_by_type():
    values = conf.from_environment({
        "FORUM_POST_MAX_CHARS": "123", "FORUM_PUBLIC_READING": "yes", "FORUM_ALLOW_JOIN_REQUESTS": "0",
        "FORUM_POST_RATE": "2/m", "FORUM_LOGIN_FAILURES_PER_ADDRESS": "5/m,50/d", "FORUM_POLL_VOTE_RATE": "3/m",
        "FORUM_JOIN_REQUEST_RATE": "",  # empty: as if unset
        "FORUM_SITE_URL": "https://forum.example.org",
        "FORUM_INVITATION_DAYS": "",  # empty: as if unset
        "FORUM_TITLE_MAX_CHARS": "5",  # not read from the environment
    })
    assert values["FORUM_POST_MAX_CHARS"] == 123
    assert values["FORUM_PUBLIC_READING"] is True
    assert values["FORUM_ALLOW_JOIN_REQUESTS"] is False
    assert values["FORUM_RATE_LIMITS"] == {"post": "2/m", "preview": "30/m", "mention": "60/m", "join_request": "20/m",
                                           "login_failures_per_address": "5/m,50/d", "live_message": "20/m",
                                           "live_question": "5/m", "poll_vote": "3/m"}
    assert "FORUM_POST_RATE" not in values  # only an entry of FORUM_RATE_LIMITS, not a setting
    assert values["FORUM_SITE_URL"] == "https://forum.example.org"
    assert values["FORUM_INVITATION_DAYS"] == 14
    assert values["FORUM_TITLE_MAX_CHARS"] == 200
    assert set(values) == set(conf.DECLARED)
    assert conf.from_environment({}) == {declared.name: declared.default for declared in conf.SETTINGS}
    # A fresh dict each time: changing the settings' copy in place never changes the declared default.
    assert conf.from_environment({})["FORUM_RATE_LIMITS"] is not conf.DECLARED["FORUM_RATE_LIMITS"].default


def test_a_number_that_does_not_parse_names_the_variable():
    with pytest.raises(ImproperlyConfigured, match="FORUM_UPLOAD_MAX_BYTES must be an integer"):
        conf.from_environment({"FORUM_UPLOAD_MAX_BYTES": "5MB"})


PRINT = ("import json, django; django.setup(); from django.conf import settings as s; "
         "print(json.dumps({'site': s.FORUM_SITE_URL, 'post_max': s.FORUM_POST_MAX_CHARS, "
         "'file_path': getattr(s, 'EMAIL_FILE_PATH', None), 'pixels': s.FORUM_UPLOAD_MAX_PIXELS}))")


def _run(env: dict) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    return subprocess.run([sys.executable, "-c", PRINT], cwd=settings.BASE_DIR, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


def test_the_settings_module_takes_the_environment_and_email_file_path():
    result = _run({"FORUM_SITE_URL": "https://forum.example.org", "FORUM_POST_MAX_CHARS": "999",
                   "EMAIL_FILE_PATH": "/var/mail/madaniya"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"site": "https://forum.example.org", "post_max": 999,
                                         "file_path": "/var/mail/madaniya", "pixels": 40_000_000}


def test_the_settings_module_stops_on_a_bad_number_naming_it():
    result = _run({"FORUM_INVITATION_DAYS": "two weeks"})
    assert result.returncode != 0
    assert "FORUM_INVITATION_DAYS must be an integer, not 'two weeks'" in result.stderr


def test_every_declared_default_has_its_declared_type():
    assert conf.check_types() == []


@pytest.mark.parametrize("name, value", [("FORUM_POSTS_PER_PAGE", "50"), ("FORUM_PUBLIC_READING", "no"),
                                         ("FORUM_REACTIONS", "👍"), ("FORUM_WS_FRAME_BURST", True),
                                         ("FORUM_RATE_LIMITS", "10/m")])
def test_the_system_check_names_a_setting_of_the_wrong_type(settings, name, value):
    setattr(settings, name, value)
    errors = [error for error in checks.run_checks() if error.id == "core.E001"]
    assert [error.msg for error in errors] == [
        f"{name} is {value!r}; it must be a {conf.DECLARED[name].type.__name__} (see docs/configuration.md)."]
