"""Personal data the accounts app and allauth hold: profile, email addresses, sessions, MFA, sanctions.

Registered with `forum.core.personal_data`; see docs/data-rights.md for what is kept and why.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession

from forum.core.personal_data import register


def _iso(value):
    return value.isoformat() if value else None


def export_account(user) -> dict:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "preferred_language": user.preferred_language,
        "role": user.role,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "observer_access_ends_at": _iso(user.access_ends_at),
    }


def export_emails(user) -> list[dict]:
    return [{"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")]


def erase_emails(user) -> None:
    EmailAddress.objects.filter(user=user).delete()


def export_sessions(user) -> list[dict]:
    return [{"created_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at), "ip": s.ip,
             "browser": s.user_agent}
            for s in UserSession.objects.filter(user=user).order_by("created_at")]


def erase_sessions(user) -> None:
    """End every session of the user (the stored Django session too), then forget them."""
    for session in UserSession.objects.filter(user=user):
        session.end()
    UserSession.objects.filter(user=user).delete()


def export_mfa(user) -> list[dict]:
    """Which second factors exist and when they were used; never their secrets or codes."""
    rows = []
    for authenticator in Authenticator.objects.filter(user=user).order_by("pk"):
        row = {"type": authenticator.type, "created_at": _iso(authenticator.created_at),
               "last_used_at": _iso(authenticator.last_used_at)}
        if authenticator.type == Authenticator.Type.WEBAUTHN:
            row["name"] = authenticator.data.get("name", "")
        rows.append(row)
    return rows


def erase_mfa(user) -> None:
    Authenticator.objects.filter(user=user).delete()


def export_restrictions(user) -> list[dict]:
    return [{"kind": r.kind, "scope": r.scope, "object_id": r.object_id, "reason": r.reason,
             "starts_at": _iso(r.starts_at), "ends_at": _iso(r.ends_at), "lifted_at": _iso(r.lifted_at)}
            for r in user.restrictions.order_by("starts_at", "pk")]


def export_observer_grants(user) -> list[dict]:
    return [{"scope": g.scope, "object_id": g.object_id, "granted_at": _iso(g.created_at)}
            for g in user.observer_grants.order_by("pk")]


def erase_observer_grants(user) -> None:
    user.observer_grants.all().delete()


register("account", export=export_account)  # the row itself is anonymised by services.account_delete
register("emails", export=export_emails, erase=erase_emails)
register("sessions", export=export_sessions, erase=erase_sessions)
register("mfa", export=export_mfa, erase=erase_mfa)
# Sanctions stay with the anonymised account: moderation must stay accountable (docs/data-rights.md).
register("restrictions", export=export_restrictions)
register("observer_grants", export=export_observer_grants, erase=erase_observer_grants)
