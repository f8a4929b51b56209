"""Settings come from the environment: embedded defaults, service URLs, and a clear stop in production."""

import json
import subprocess
import sys

import pytest
from django.conf import settings

PRINT = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'layer': s.CHANNEL_LAYERS['default']['BACKEND'], "
    "'cache': s.CACHES['default']['BACKEND'], 'email': s.EMAIL_BACKEND, 'debug': s.DEBUG}))"
)


def _run(env: dict) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    return subprocess.run([sys.executable, "-c", PRINT], cwd=settings.BASE_DIR, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


def test_no_environment_gives_the_embedded_defaults():
    result = _run({})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "db": "django.db.backends.sqlite3",
        "layer": "channels.layers.InMemoryChannelLayer",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "email": "django.core.mail.backends.console.EmailBackend",
        "debug": True,
    }


def test_service_urls_switch_to_postgresql_and_redis():
    result = _run({"DATABASE_URL": "postgres://u@db.example:5432/x", "REDIS_URL": "redis://cache.example:6379/0"})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["db"] == "django.db.backends.postgresql"
    assert values["layer"] == "channels_redis.core.RedisChannelLayer"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"])
def test_production_without_a_required_variable_stops_with_a_message_naming_it(missing):
    env = {"DEBUG": "0", "SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "forum.example.org",
           "DATABASE_URL": "postgres://u@db.example:5432/x", "REDIS_URL": "redis://cache.example:6379/0"}
    del env[missing]
    result = _run(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_settings_pass_check_deploy_without_a_warning():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "SECRET_KEY": "a-long-random-production-secret-" + "x9Y!" * 12, "ALLOWED_HOSTS": "forum.example.org",
           "DATABASE_URL": "postgres://u@db.example:5432/x", "REDIS_URL": "redis://cache.example:6379/0"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_turns_on_secure_cookies_hsts_and_manifest_static_files():
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            "print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
            "s.SECURE_SSL_REDIRECT, s.STORAGES['staticfiles']['BACKEND'], s.ACCOUNT_DEFAULT_HTTP_PROTOCOL]))")
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "forum.example.org",
           "DATABASE_URL": "postgres://u@db.example:5432/x", "REDIS_URL": "redis://cache.example:6379/0"}
    result = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    debug, session_secure, csrf_secure, hsts, ssl_redirect, static_backend, protocol = json.loads(result.stdout)
    assert debug is False and session_secure and csrf_secure and hsts >= 31_536_000 and ssl_redirect
    assert static_backend == "forum.core.staticfiles.StaticFilesStorage"
    assert protocol == "https"
