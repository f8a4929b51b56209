"""The forum's one rate limiter: named rates, counted in the cache, one answer when the cache is down.

Every limit our code applies is named in one setting, `FORUM_RATE_LIMITS` ({"post": "10/m", ...};
declared in forum/core/conf.py, docs/configuration.md), and counted here:

    usage = ratelimit.consume("post", key=user.pk)
    if not usage:
        ...  # refuse; usage.limit and usage.window say what the rate is

A rate is "count/window": "10/m", "30/5m", "200/d" (s, m, h, d); several, comma separated, must all
hold ("20/5m,200/d"). A window opens with the first use of a key and its counter expires with it.

When the cache (Redis) cannot be reached, `consume` raises `availability.TemporarilyUnavailable`:
without the counter nobody could be held to the rate, so the action is refused and the caller keeps
the member's text (decided here, once, for every limit).

allauth's own doors (login, signup, password reset) keep their limits in `ACCOUNT_RATE_LIMITS`,
counted by allauth; this module is for the limits our code applies.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from allauth.core.internal import ratelimit as allauth_ratelimit
from django.core.cache import cache

from . import availability, conf

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PREFIX = "forum:rate"


def parse_rate(rate: str) -> tuple[int, int]:
    """"10/m" → (10, 60); "30/5m" → (30, 300). Raises ValueError for anything else."""
    match = _RATE.match(rate or "")
    if not match:
        raise ValueError(f"invalid rate {rate!r}; expected e.g. '10/m'")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNIT_SECONDS[unit]


def parse_rates(rates: str) -> list[tuple[int, int]]:
    """"20/5m,200/d" → [(20, 300), (200, 86400)]; every part must be a rate."""
    return [parse_rate(part) for part in (rates or "").split(",")]


def rates_of(name: str) -> list[tuple[int, int]]:
    """The (limit, window) pairs configured for `name` in FORUM_RATE_LIMITS (KeyError if unnamed)."""
    return parse_rates(conf.FORUM_RATE_LIMITS[name])


@dataclass
class Usage:
    """One counted use: true when within every rate; `limit`/`window` name the first rate broken (in
    the configured order; the first rate when none is)."""

    allowed: bool
    limit: int
    window: int
    _keys: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.allowed

    def rollback(self) -> None:
        """Take this use back (e.g. a sign-in that turned out right); a cache error is only logged."""
        for cache_key in self._keys:
            try:
                cache.decr(cache_key)
            except ValueError:  # expired meanwhile: nothing to take back
                pass
            except availability.CACHE_ERRORS as exc:
                logger.warning("rate limit rollback failed (%s): %s", cache_key, exc)


def _cache_key(name: str, key, window: int) -> str:
    # Hashed: an address or IP is not kept readable in Redis, and any text makes a valid cache key.
    digest = hashlib.sha256(str(key).encode()).hexdigest()[:32]
    return f"{_PREFIX}:{name}:{window}:{digest}"


def _count(cache_key: str, window: int) -> int:
    # The window opens with the first use and the counter expires with it (incr keeps the expiry).
    cache.add(cache_key, 0, timeout=window)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        return 1


def consume(name: str, *, key) -> Usage:
    """Count one use of rate `name` (FORUM_RATE_LIMITS) by `key` (a member's id, an address, an IP).

    Raises `availability.TemporarilyUnavailable` when the cache cannot be reached."""
    rates = rates_of(name)
    keys, broken = [], None
    try:
        for limit, window in rates:
            cache_key = _cache_key(name, key, window)
            keys.append(cache_key)
            if _count(cache_key, window) > limit and broken is None:
                broken = (limit, window)
    except availability.CACHE_ERRORS as exc:
        logger.warning("rate limit unavailable (%s): %s", name, exc)
        raise availability.TemporarilyUnavailable from exc
    limit, window = broken or rates[0]
    return Usage(allowed=broken is None, limit=limit, window=window, _keys=tuple(keys))


def clear(name: str, *, key) -> None:
    """Forget `key`'s uses of rate `name` (e.g. a password reset proved the mailbox).

    Raises `availability.TemporarilyUnavailable` when the cache cannot be reached."""
    try:
        cache.delete_many([_cache_key(name, key, window) for _limit, window in rates_of(name)])
    except availability.CACHE_ERRORS as exc:
        logger.warning("rate limit unavailable (%s): %s", name, exc)
        raise availability.TemporarilyUnavailable from exc


def client_ip(request) -> str:
    """The address a request came from, as allauth's limits see it (the account adapter's client IP,
    IPv6 cut to its /64), so a connection has one identity for every limit."""
    return allauth_ratelimit.get_ip(request)
