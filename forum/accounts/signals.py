"""Receivers that turn the end of a session into a live event (connected in `AccountsConfig.ready`).

Django sends `user_logged_out` before it flushes the session, so its key is still known; allauth's
"sign out other sessions", the admin and account erasure end sessions through `UserSession.end()`,
which deletes the `UserSession` row.
"""

from __future__ import annotations

from . import services


def on_user_logged_out(sender, request=None, user=None, **kwargs) -> None:
    session = getattr(request, "session", None)
    if user is not None and session is not None and session.session_key:
        services.session_ended(user_id=user.pk, session_key=session.session_key)


def on_user_session_deleted(sender, instance, **kwargs) -> None:
    services.session_ended(user_id=instance.user_id, session_key=instance.session_key)
