import pytest


@pytest.mark.django_db
def test_healthz_reports_every_part_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok", "channel_layer": "ok"}


# Nothing listens on port 1: the outside service is down, as in production when Redis is.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.mark.django_db
def test_healthz_is_503_with_detail_when_the_cache_is_down(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": UNREACHABLE_REDIS}}
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["cache"].startswith("error: ")
    assert body["checks"]["database"] == "ok" and body["checks"]["channel_layer"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_is_503_with_detail_when_the_channel_layer_is_down(client, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [UNREACHABLE_REDIS]}}}
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["channel_layer"].startswith("error: ") and checks["database"] == "ok"


@pytest.mark.django_db
def test_the_channel_layer_check_leaves_the_process_layer_alone(settings):
    """The check runs in a thread that may outlive its deadline: it must not build the process's
    layer, or a stale one (built from settings that changed meanwhile) could stay registered."""
    from channels.layers import channel_layers

    from forum.core import health

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [UNREACHABLE_REDIS]}}}
    ok, checks = health.run_checks()
    assert not ok and checks["channel_layer"].startswith("error: ")
    assert "default" not in channel_layers.backends

