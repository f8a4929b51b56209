"""The reminder a session's audience gets `FORUM_LIVE_REMINDER_MINUTES` before it starts (once), and
what notifications about a session may show: only what the reader may still see.

The audience is everyone who may see the session (`permissions.check_view_session`): members in good
standing (all, or those of the chosen organisations), its organisers and moderators, and the
observers invited to it. The notice is written through the notifications app (kind
`live_reminder`), which emails those who asked for immediate email.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from forum.accounts import permissions as accounts
from forum.accounts.models import ObserverGrant, Restriction
from forum.core import conf, translated
from forum.notifications import services as notifications
from forum.notifications.models import Notification
from forum.organisations.models import Membership

from . import permissions
from .models import LiveSession

SUBJECT = "live_session_id"  # the notification data field naming a session


def _allows(user, session) -> bool:
    try:
        permissions.check_view_session(user, session)
    except Exception:  # Http404 / PermissionDenied: not for them
        return False
    return True


def _prime(users) -> None:
    """Restrictions in force and memberships of all `users` in two queries, into the per-user cache
    `forum.accounts.permissions` keeps (the same definitions as `active_restrictions`, `membership`)."""
    ids = [u.pk for u in users]
    now = timezone.now()
    restrictions = defaultdict(list)
    for r in (Restriction.objects.filter(user_id__in=ids, lifted_at__isnull=True, starts_at__lte=now)
              .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))):
        restrictions[r.user_id].append(r)
    memberships = {}
    for m in Membership.objects.filter(user_id__in=ids).select_related("organisation").order_by("pk"):
        memberships.setdefault(m.user_id, m)
    for user in users:
        facts = accounts._cache(user)
        facts.setdefault("restrictions", restrictions.get(user.pk, []))
        facts.setdefault("membership", memberships.get(user.pk))


def audience(session: LiveSession) -> list:
    """The users who may see `session` now (its reminder's recipients)."""
    staff = Q(pk__in=session.organisers.values("pk")) | Q(pk__in=session.moderators.values("pk"))
    invited = Q(role="observer", pk__in=ObserverGrant.objects.filter(scope="session", object_id=session.pk)
                .values("user_id"))
    if session.audience == LiveSession.Audience.MEMBERS:
        wanted = ~Q(role="observer")
    else:
        wanted = Q(pk__in=Membership.objects.filter(organisation__in=session.organisations.all()).values("user_id"))
    users = list(get_user_model().objects.filter(is_active=True, deleted_at__isnull=True)
                 .filter(wanted | staff | invited).order_by("pk"))
    _prime(users)
    return [u for u in users if _allows(u, session)]


def due_sessions(now=None):
    """Scheduled sessions starting within FORUM_LIVE_REMINDER_MINUTES whose reminder has not gone out."""
    now = now or timezone.now()
    soon = now + timedelta(minutes=conf.FORUM_LIVE_REMINDER_MINUTES)
    return LiveSession.objects.filter(state=LiveSession.State.SCHEDULED, reminder_sent_at__isnull=True,
                                      starts_at__gt=now, starts_at__lte=soon).order_by("starts_at", "pk")


def send_due_reminders(*, now=None) -> int:
    """Remind the audience of every due session, once (`reminder_sent_at`, taken with a
    compare-and-swap so two schedulers never both send). Returns how many notices were written."""
    now = now or timezone.now()
    written = 0
    for session in due_sessions(now):
        with transaction.atomic():
            taken = LiveSession.objects.filter(pk=session.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now)
            if not taken:
                continue
            data = {SUBJECT: session.pk, "session_title": session.title,
                    "session_titles": translated.snapshot(session, "title"),
                    "starts_at": session.starts_at.isoformat()}
            key = f"live_reminder:{session.pk}:{int(session.starts_at.timestamp())}"
            written += len(notifications.notify_many(notices=[
                notifications.Notice(recipient=user, kind=Notification.Kind.LIVE_REMINDER, actor=None,
                                     url=session.get_absolute_url(), data=data, key=key)
                for user in audience(session)]))
    return written


def readable_sessions(users, session_ids) -> set[tuple[int, int]]:
    """(user id, session id) where the user may see the session now: what notifications about
    sessions may show (registered with the notifications app in `LiveConfig.ready`)."""
    users = [u for u in users if getattr(u, "is_authenticated", False)]
    ids = {int(i) for i in session_ids if isinstance(i, int) or str(i).isdigit()}
    if not users or not ids:
        return set()
    sessions = list(LiveSession.objects.filter(pk__in=ids))
    return {(u.pk, s.pk) for u in users for s in sessions if _allows(u, s)}
