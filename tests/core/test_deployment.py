"""The deployment files as an operator runs them: docker-compose.yml, the Dockerfile, the nginx
templates and .env.example (`docker-compose config` itself runs in .ci/run)."""

import re
from pathlib import Path

import pytest
import yaml

from forum.core import conf

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
LONG_RUNNING = ("db", "redis", "web", "scheduler", "proxy")
TEMPLATES = {name: (ROOT / "deploy" / f"{name}.conf.template").read_text() for name in ("nginx-http", "nginx-tls")}


def _size(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", text).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def _default(variable: str) -> str:
    raw = (ROOT / "docker-compose.yml").read_text()
    return re.search(r"\$\{" + variable + r":-([^}]*)\}", raw).group(1)


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_every_long_running_service_restarts(service):
    assert SERVICES[service]["restart"] == "unless-stopped"


def test_migrations_run_once_before_anything_that_uses_the_database():
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    for service in ("web", "scheduler"):
        assert SERVICES[service]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "migrate" not in dockerfile.split("CMD", 1)[1]


# Each image's health check uses what that image contains: python in ours (python:3.11-slim has no
# wget or curl), pg_isready and redis-cli in theirs, busybox wget in nginx:alpine.
HEALTH_TOOLS = {"db": "pg_isready", "redis": "redis-cli", "web": "python", "scheduler": "python", "proxy": "wget"}


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_each_health_check_uses_a_tool_its_image_has(service):
    test = SERVICES[service]["healthcheck"]["test"]
    command = test[1].split()[0] if test[0] == "CMD-SHELL" else test[1]
    assert command == HEALTH_TOOLS[service]
    if service == "proxy":
        assert SERVICES["proxy"]["image"].endswith("-alpine")


def test_the_scheduler_health_check_asks_the_scheduler():
    assert SERVICES["scheduler"]["healthcheck"]["test"] == ["CMD", "python", "manage.py", "run_scheduler", "--check"]


def test_backups_are_written_by_the_scheduler_to_a_mounted_folder():
    scheduler = SERVICES["scheduler"]
    assert scheduler["environment"]["FORUM_BACKUP_DIR"] == "/backups"
    assert any(volume.endswith(":/backups") for volume in scheduler["volumes"])
    assert "postgresql-client" in (ROOT / "Dockerfile").read_text()  # pg_dump in the image


def test_secrets_are_never_given_a_value_in_the_compose_file():
    raw = (ROOT / "docker-compose.yml").read_text()
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD"):
        assert f"${{{secret}:?" in raw  # required, no default
    assert "${FORUM_BACKUP_KEY:-}" in raw and "${FORUM_METRICS_TOKEN:-}" in raw


@pytest.mark.parametrize("template", TEMPLATES)
def test_nginx_takes_uploads_of_the_configured_size(template):
    assert "client_max_body_size ${NGINX_CLIENT_MAX_BODY};" in TEMPLATES[template]
    assert _size(_default("NGINX_CLIENT_MAX_BODY")) > int(_default("FORUM_UPLOAD_MAX_BYTES"))
    assert int(_default("FORUM_UPLOAD_MAX_BYTES")) == conf.FORUM_UPLOAD_MAX_BYTES


@pytest.mark.parametrize("template", TEMPLATES)
def test_nginx_keeps_sockets_open_past_the_idle_ping_and_hides_metrics(template):
    text = TEMPLATES[template]
    ws = text.split("location /ws/", 1)[1].split("}", 1)[0]
    assert "proxy_read_timeout 1h;" in ws and "Upgrade $http_upgrade" in ws
    assert re.search(r"location = /metrics \{\s*return 404;", text)
    assert text.count("proxy_set_header X-Request-ID $request_id;") == 3


def test_the_tls_variant_redirects_http_and_mounts_certificates():
    text = TEMPLATES["nginx-tls"]
    assert "return 301 https://$host$request_uri;" in text
    assert "ssl_certificate /etc/nginx/certs/fullchain.pem;" in text
    assert "listen 443 ssl;" in text


def _compose_variables() -> set[str]:
    return set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "docker-compose.yml").read_text()))


def _env_example_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z_]+)(?==|,|\s)", text, re.M))


def test_env_example_names_every_variable_of_the_compose_file_and_the_readme():
    documented = _env_example_variables()
    assert _compose_variables() <= documented
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `([A-Z_]+)`", readme, re.M))
    table |= {name for row in re.findall(r"^\| (`[A-Z_]+`(?:, `[A-Z_]+`)+)", readme, re.M)
              for name in re.findall(r"`([A-Z_]+)`", row)}
    assert table and table - {"FORUM_"} <= documented
