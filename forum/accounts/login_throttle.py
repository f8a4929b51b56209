"""Failed sign-ins: slow the guesser down without handing them the owner's lock.

allauth's default counts failed logins per IP and per address, and refuses the next attempt, even
with the right password, once either bucket is full: anyone who knows an address could lock its
owner out from anywhere. The policy here (docs/accounts.md, "Failed sign-ins"):

1. per IP (`ACCOUNT_RATE_LIMITS["login_failed"]`, the `ip` rates): one source spraying many
   addresses is slowed down;
2. per address *and* IP (the same setting's `key` rates; the key is address + IP): one source
   guessing one account is refused, even with the right password — the owner elsewhere is not;
3. per address, from everywhere (`FORUM_LOGIN_FAILURES_PER_ADDRESS`, higher): a guess spread over
   many sources is capped. Once it is full, every attempt on that address gets "too many
   attempts", right password or not (no oracle) — except a right password for an account with a
   second factor, which goes on to the second-factor step (itself rate limited).

A successful sign-in takes back its own attempt from every bucket (as allauth does), so a member
who signs in often never fills them. A password reset (proof of the mailbox) empties the
address's ceiling and its count from the resetting IP.
"""

from __future__ import annotations

from allauth.core.internal import ratelimit  # the limiter allauth's own adapter uses
from allauth.mfa.utils import is_mfa_enabled

from forum.core import conf

APP = "forum.accounts"
ADDRESS_CEILING = "login_failed_address"


def _login(credentials) -> str:
    return str(credentials.get("email") or credentials.get("username") or "").strip().lower()


class LoginThrottleMixin:
    """For the allauth account adapter: replaces its `pre_authenticate` count (see module docs)."""

    def pre_authenticate(self, request, **credentials) -> None:
        login = _login(credentials)
        usage = ratelimit.consume(request, app="allauth.account", action="login_failed",
                                  key=f"{login}|{ratelimit.get_ip(request)}")
        if not usage:
            raise self.validation_error("too_many_login_attempts")
        ceiling = ratelimit.consume(request, app=APP, action=ADDRESS_CEILING, key=login,
                                    config={ADDRESS_CEILING: conf.FORUM_LOGIN_FAILURES_PER_ADDRESS})
        self._forum_address_ceiling_reached = ceiling is None
        self._forum_login_usage = [usage, ceiling] if ceiling else [usage]

    def authenticate(self, request, **credentials):
        self._forum_login_usage = []
        user = super().authenticate(request, **credentials)
        if user is not None:
            for usage in self._forum_login_usage:
                usage.rollback()
        if getattr(self, "_forum_address_ceiling_reached", False) and not (user and is_mfa_enabled(user)):
            raise self.validation_error("too_many_login_attempts")
        return user

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        """allauth calls this after a password reset, for each of the account's addresses."""
        login = _login(credentials)
        ratelimit.clear(request, app="allauth.account", action="login_failed",
                        key=f"{login}|{ratelimit.get_ip(request)}")
        ratelimit.clear(request, app=APP, action=ADDRESS_CEILING, key=login,
                        config={ADDRESS_CEILING: conf.FORUM_LOGIN_FAILURES_PER_ADDRESS})
