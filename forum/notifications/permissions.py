"""Who may see and change notifications: each member only their own.

Actions of this app (the authorisation matrix walks every one):
- `view_notification`: see (and open) a notification; only its recipient.
- `mark_notifications_read`: mark one's own notifications read.
- `manage_email_preferences`: choose how often one gets notification email.
Unsubscribing by email link needs no sign-in: the signed token is the authority (see services).

A notification is about something of an app above (a thread): that app registers, with
`register_subject(field, readable)`, who may see the thing named by `data[field]` now. A notice
about something its recipient may no longer see (the thread moved where they cannot go, their
access ended) is left out of the list, the unread count and the emails not yet sent, and cannot be
opened; it comes back if access does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts

from .models import Notification

ACTIONS = ("view_notification", "mark_notifications_read", "manage_email_preferences")


def _require_signed_in(user) -> None:
    if not accounts.is_authenticated(user):
        raise PermissionDenied(_("Please sign in."))


# data field → readable(users, ids) -> {(user id, id)} of the things each user may see now.
Readable = Callable[[list, set], set[tuple[int, object]]]
_SUBJECTS: dict[str, Readable] = {}


def register_subject(field: str, readable: Readable) -> None:
    """An app above says who may see what `data[field]` names (e.g. "thread_id"); `readable` answers
    for many users and ids at once, in a fixed number of queries."""
    _SUBJECTS[field] = readable


def readable_pairs(users, rows: Iterable[dict]) -> dict[str, set]:
    """For each registered field: the (user id, id) pairs among `rows` (notification data dicts)
    that the users may see now."""
    users, rows = list(users), list(rows)
    pairs = {}
    for field, readable in _SUBJECTS.items():
        ids = {row.get(field) for row in rows if row.get(field) is not None}
        pairs[field] = readable(users, ids) if ids and users else set()
    return pairs


def is_readable(user_id: int, data: dict, pairs: dict[str, set]) -> bool:
    """Whether a notification with `data` is about things its recipient may see (see readable_pairs)."""
    return all((data or {}).get(field) is None or (user_id, data[field]) in seen for field, seen in pairs.items())


def readable_counts(users, qs) -> dict[int, int]:
    """How many rows of the Notification queryset `qs` each of `users` received about things they may
    see now: one grouped query, and the subject rules' queries only when a row names a subject."""
    users = {u.pk: u for u in users}
    counts = dict.fromkeys(users, 0)
    if not users:
        return counts
    fields = sorted(_SUBJECTS)
    rows = list(qs.filter(recipient_id__in=users).order_by()
                .values("recipient_id", *(f"data__{f}" for f in fields)).annotate(n=Count("id")))
    groups = [(row["recipient_id"], {f: row[f"data__{f}"] for f in fields}, row["n"]) for row in rows]
    if any(v is not None for _uid, data, _n in groups for v in data.values()):
        pairs = readable_pairs([users[uid] for uid in {uid for uid, _d, _n in groups}], [d for _u, d, _n in groups])
        groups = [(uid, data, n) for uid, data, n in groups if is_readable(uid, data, pairs)]
    for uid, _data, n in groups:
        counts[uid] += n
    return counts


def check_view_notification(user, notification) -> None:
    _require_signed_in(user)
    if notification.recipient_id != user.pk:
        raise Http404  # another member's notifications are not for you to know about
    if not is_readable(user.pk, notification.data, readable_pairs([user], [notification.data or {}])):
        raise Http404  # about something the member may no longer see


def visible_notifications(user, qs):
    """Queryset form of check_view_notification: one query per registered field for the ids the
    member's notifications are about, then the app's rule for them."""
    if not accounts.is_authenticated(user):
        return qs.none()
    qs = qs.filter(recipient_id=user.pk)
    for field, hidden in _hidden_subjects(user).items():
        if hidden:
            # has_key first: for a row without the key, `NOT (key IN …)` alone is NULL (left out too).
            qs = qs.exclude(Q(data__has_key=field) & Q(**{f"data__{field}__in": sorted(hidden)}))
    return qs


def _hidden_subjects(user) -> dict[str, set]:
    """{field: ids the member's notifications name but the member may not see now} (asked afresh
    each time: a socket's user object lives longer than a change of access)."""
    mine = Notification.objects.filter(recipient_id=user.pk).order_by()
    hidden = {}
    for field, readable in _SUBJECTS.items():
        ids = set(mine.filter(**{"data__has_key": field}).values_list(f"data__{field}", flat=True).distinct())
        ids.discard(None)
        seen = {thing for _user, thing in readable([user], ids)} if ids else set()
        hidden[field] = ids - seen
    return hidden


def check_mark_notifications_read(user) -> None:
    _require_signed_in(user)


def check_manage_email_preferences(user) -> None:
    _require_signed_in(user)
