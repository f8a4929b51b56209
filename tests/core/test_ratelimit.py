"""The one rate limiter (forum.core.ratelimit): named rates from FORUM_RATE_LIMITS, counted per key
in the cache; one answer, TemporarilyUnavailable, when the cache cannot be reached."""

import pytest
from django.core.cache import cache

from forum.core import ratelimit
from forum.core.availability import TemporarilyUnavailable


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rates(settings):
    settings.FORUM_RATE_LIMITS = {"test": "3/m", "two": "2/m,3/h"}


@pytest.mark.parametrize(("rate", "parsed"), [("10/m", (10, 60)), ("30/5m", (30, 300)), (" 2 / h ", (2, 3600)),
                                              ("200/d", (200, 86400)), ("1/s", (1, 1))])
def test_rates_are_count_per_window(rate, parsed):
    assert ratelimit.parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["", "10", "10/x", "ten/m", "10/m/ip", "-1/m"])
def test_anything_else_is_not_a_rate(rate):
    with pytest.raises(ValueError):
        ratelimit.parse_rate(rate)


def test_every_configured_rate_parses(settings):
    for name in settings.FORUM_RATE_LIMITS:
        assert ratelimit.rates_of(name)


def test_a_key_is_refused_past_its_rate_and_other_keys_are_not(rates):
    assert [bool(ratelimit.consume("test", key=1)) for _ in range(4)] == [True, True, True, False]
    refused = ratelimit.consume("test", key=1)
    assert (refused.limit, refused.window) == (3, 60)
    assert ratelimit.consume("test", key=2)


@pytest.mark.parametrize(("rates", "broken"), [("2/m,3/h", (2, 60)), ("3/m,2/h", (2, 3600))])
def test_several_rates_must_all_hold_and_the_broken_one_is_named(settings, rates, broken):
    settings.FORUM_RATE_LIMITS = {"both": rates}
    uses = [ratelimit.consume("both", key="a") for _ in range(3)]
    assert [bool(use) for use in uses] == [True, True, False]
    assert (uses[-1].limit, uses[-1].window) == broken


def test_a_rolled_back_use_does_not_count_and_clear_forgets_the_key(rates):
    for _ in range(3):
        ratelimit.consume("test", key="x").rollback()
    assert [bool(ratelimit.consume("test", key="x")) for _ in range(4)] == [True, True, True, False]
    ratelimit.clear("test", key="x")
    assert ratelimit.consume("test", key="x")


def test_keys_are_not_kept_readable_in_the_cache(rates):
    ratelimit.consume("test", key="someone@example.org")
    stored = ratelimit._cache_key("test", "someone@example.org", 60)
    assert cache.get(stored) == 1 and "someone" not in stored


def test_with_the_cache_down_the_limiter_answers_temporarily_unavailable(rates, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    with pytest.raises(TemporarilyUnavailable):
        ratelimit.consume("test", key=1)
    with pytest.raises(TemporarilyUnavailable):
        ratelimit.clear("test", key=1)
