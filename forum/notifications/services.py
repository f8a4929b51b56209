"""Writes of the notifications app: create notices, mark them read, email preferences, unsubscribe.

The apps above call `notify` / `notify_many` with generic data (who, what kind, who did it, a link,
and a snapshot of what the sentence needs); this app knows nothing of threads. After commit, each
recipient's open pages get their new unread count (`notifications.unread` on the user's group) and
the email outbox worker is woken: members who asked for immediate email get one in their own
language, sent outside the writer's request (`outbox.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from forum.core import conf, realtime

from . import permissions
from .models import Notification, NotificationPreference

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "forum.notifications.unsubscribe"
EVENT_UNREAD = "notifications.unread"


@dataclass
class Notice:
    """One notification to create; `key` ("post:42") makes it once-only per recipient."""

    recipient: Any
    kind: str
    actor: Any
    url: str
    data: dict = field(default_factory=dict)
    key: str = ""


def _may_receive(notice: Notice) -> bool:
    recipient = notice.recipient
    if recipient is None or not recipient.is_active or recipient.deleted_at:
        return False
    return not (notice.actor is not None and notice.actor.pk == recipient.pk)


def notify(*, recipient, kind: str, actor, url: str, data: dict | None = None, key: str = "") -> Notification | None:
    """Notify one member; returns the notification, or None when skipped (see `notify_many`)."""
    created = notify_many(notices=[Notice(recipient=recipient, kind=kind, actor=actor, url=url,
                                          data=dict(data or {}), key=key)])
    return created[0] if created else None


@transaction.atomic
def notify_many(*, notices: Iterable[Notice]) -> list[Notification]:
    """Create notifications in one insert; returns those created.

    Skipped: the actor themself, inactive or deleted members, and a second notice with the same
    `key` for the same member (already in the database, or earlier in `notices`: put the strongest
    reason first). The caller passes only members allowed to see what the link points to.
    After commit: unread counts are broadcast and the email outbox worker sends immediate emails.
    """
    wanted: list[Notice] = []
    seen: set[tuple[int, str]] = set()
    for notice in notices:
        if notice.kind not in Notification.Kind.values:
            raise ValueError(f"unknown notification kind {notice.kind!r}")
        if not _may_receive(notice):
            continue
        if notice.key:
            pair = (notice.recipient.pk, notice.key)
            if pair in seen:
                continue
            seen.add(pair)
        wanted.append(notice)
    if not wanted:
        return []
    keys = {n.key for n in wanted if n.key}
    if keys:
        existing = set(
            Notification.objects.filter(key__in=keys, recipient_id__in={n.recipient.pk for n in wanted})
            .values_list("recipient_id", "key")
        )
        wanted = [n for n in wanted if not n.key or (n.recipient.pk, n.key) not in existing]
    if not wanted:
        return []
    now = timezone.now()
    # In the email outbox from the start (same insert): sent after commit by outbox.py, never here.
    rows = [
        Notification(recipient=n.recipient, kind=n.kind, actor=n.actor, url=n.url, data=n.data, key=n.key,
                     email_due_at=now)
        for n in wanted
    ]
    try:
        with transaction.atomic():
            Notification.objects.bulk_create(rows)
    except IntegrityError:
        # A concurrent writer created the same (recipient, key) meanwhile: keep the others, and
        # never fail the caller's write for a duplicate notice.
        rows = _create_one_by_one(rows)
    transaction.on_commit(lambda: _after_create(rows))
    return rows


def _create_one_by_one(rows: list[Notification]) -> list[Notification]:
    created = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save()
            created.append(row)
        except IntegrityError:
            continue
    return created


def _after_create(rows: list[Notification]) -> None:
    from . import outbox

    outbox.badges_on_commit({row.recipient_id for row in rows})  # by the live worker
    try:
        outbox.schedule()  # the emails go out from the worker, not from this request
    except Exception:  # mail trouble must not turn a committed reply into an error page
        logger.exception("sending notification emails failed")


def unread_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """Unread notifications per member, about what each may see now (`permissions.readable_counts`:
    a fixed number of queries whatever the number of members)."""
    from django.contrib.auth import get_user_model

    ids = set(user_ids)
    users = list(get_user_model().objects.filter(pk__in=ids)) if ids else []
    counts = dict.fromkeys(ids, 0)
    counts.update(permissions.readable_counts(users, Notification.objects.filter(read_at__isnull=True)))
    return counts


def broadcast_unread_counts(user_ids: Iterable[int]) -> None:
    """Tell each member's open pages their unread count now."""
    for user_id, count in unread_counts(user_ids).items():
        realtime.broadcast(realtime.user_group(user_id), {"type": EVENT_UNREAD, "count": count})


@transaction.atomic
def mark_read(*, notification: Notification, actor) -> Notification:
    """Mark one of the actor's own notifications read; open pages get the new count."""
    permissions.check_view_notification(actor, notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
        transaction.on_commit(lambda: broadcast_unread_counts([actor.pk]))
    return notification


@transaction.atomic
def mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    permissions.check_mark_notifications_read(actor)
    changed = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
    if changed:
        transaction.on_commit(lambda: broadcast_unread_counts([actor.pk]))
    return changed


@transaction.atomic
def mark_read_about(*, actor, data: dict, up_to: dict | None = None) -> int:
    """Mark read the actor's notifications whose `data` has these values (and, for `up_to`, values
    at most these), e.g. everything about one thread up to the last post just seen."""
    if actor is None or not actor.is_authenticated or not data:
        return 0
    filters = {f"data__{name}": value for name, value in data.items()}
    filters.update({f"data__{name}__lte": value for name, value in (up_to or {}).items()})
    changed = (Notification.objects.filter(recipient=actor, read_at__isnull=True, **filters)
               .update(read_at=timezone.now()))
    if changed:
        transaction.on_commit(lambda: broadcast_unread_counts([actor.pk]))
    return changed


@transaction.atomic
def forget_excerpt(*, key: str) -> int:
    """The thing was removed: drop the quoted words from every notification about it."""
    rows = list(Notification.objects.filter(key=key).only("id", "data"))
    for row in rows:
        if row.data.get("excerpt"):
            row.data = {**row.data, "excerpt": ""}
            Notification.objects.filter(pk=row.pk).update(data=row.data)
    return len(rows)


@transaction.atomic
def excerpts_replace(*, excerpts: dict[str, str]) -> int:
    """Give the notifications about each key ({"post:42": text}) the thing's current excerpt.

    For repairs (`rerender_posts`): a notification quotes the words of its post as they were
    rendered; when that rendering was wrong, the quote is too. A forgotten (emptied) excerpt stays
    empty. Two statements whatever the number of rows.
    """
    rows = [row for row in Notification.objects.filter(key__in=list(excerpts)).only("id", "key", "data")
            if row.data.get("excerpt") and row.data["excerpt"] != excerpts[row.key]]
    for row in rows:
        row.data = {**row.data, "excerpt": excerpts[row.key]}
    Notification.objects.bulk_update(rows, ["data"])
    return len(rows)


def preference_for(user) -> NotificationPreference:
    """The member's preference (unsaved default when none is stored)."""
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref or NotificationPreference(user=user)


@transaction.atomic
def preference_set(*, actor, email: str) -> NotificationPreference:
    """Choose how the actor gets email: immediately, as a daily digest, or never."""
    permissions.check_manage_email_preferences(actor)
    if email not in NotificationPreference.Email.values:
        raise ValueError(f"unknown email preference {email!r}")
    pref, _created = NotificationPreference.objects.update_or_create(user=actor, defaults={"email": email})
    return pref


# --- One-click unsubscribe ---------------------------------------------------------------------

class BadUnsubscribeToken(Exception):
    """The link was altered or is not ours; nothing was changed."""


class ExpiredUnsubscribeToken(BadUnsubscribeToken):
    """The link is ours but older than FORUM_UNSUBSCRIBE_LINK_DAYS; nothing was changed."""


def unsubscribe_token(user) -> str:
    """A signed, timestamped token naming the member, for the link at the foot of every email.

    `signing.dumps` signs with a TimestampSigner, so the token carries the time it was made and
    is refused once older than FORUM_UNSUBSCRIBE_LINK_DAYS: a forwarded or leaked old email does
    not keep a working handle on the account for ever.
    """
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=False)


def user_for_unsubscribe_token(token: str):
    from django.contrib.auth import get_user_model

    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT,
                                max_age=timedelta(days=conf.FORUM_UNSUBSCRIBE_LINK_DAYS))
        user_id = int(payload["u"])
    except signing.SignatureExpired as exc:
        raise ExpiredUnsubscribeToken from exc
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadUnsubscribeToken from exc
    user = get_user_model().objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True).first()
    if user is None:
        raise BadUnsubscribeToken
    return user


@transaction.atomic
def unsubscribe(*, token: str):
    """Stop all notification email for the member the token names; returns that member.

    The signed token is the authority (no sign-in: it comes from the member's inbox).
    Raises BadUnsubscribeToken (ExpiredUnsubscribeToken when it is only too old), changing
    nothing, when the token is not valid.
    """
    user = user_for_unsubscribe_token(token)
    NotificationPreference.objects.update_or_create(user=user, defaults={"email": NotificationPreference.Email.NEVER})
    return user
