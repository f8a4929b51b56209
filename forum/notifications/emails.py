"""Notification email: one message per notice ("immediately") or one daily digest.

Every message is written in the recipient's language (their preferred language, else the site's),
links back to the site by absolute URL (`FORUM_SITE_URL`), and carries a signed one-click
unsubscribe link in its body and in the `List-Unsubscribe` / `List-Unsubscribe-Post` headers
(RFC 8058), so a mail client can unsubscribe without a sign-in.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from forum.core import branding, conf

from . import permissions, texts
from .models import Notification, NotificationPreference
from .tokens import unsubscribe_token

logger = logging.getLogger(__name__)

# Digest is due when the last one is at least this old (a little under a day, so a daily cron
# that runs a few minutes early still sends).
DIGEST_INTERVAL = timedelta(hours=23)
DIGEST_MAX_ITEMS = 50


LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def site_url() -> str:
    """`FORUM_SITE_URL`, else https://<first public allowed host>, else http://localhost:8000."""
    configured = conf.FORUM_SITE_URL
    if configured:
        return configured.rstrip("/")
    hosts = [h for h in settings.ALLOWED_HOSTS if h and h not in LOCAL_HOSTS and not h.startswith(".") and h != "*"]
    return f"https://{hosts[0]}" if hosts else "http://localhost:8000"


def absolute(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return site_url() + (url if url.startswith("/") else "/" + url)


def language_of(user) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    lang = getattr(user, "preferred_language", "") or ""
    return lang if lang in codes else settings.LANGUAGE_CODE


def unsubscribe_url(user) -> str:
    return absolute(reverse("notifications:unsubscribe", kwargs={"token": unsubscribe_token(user)}))


def _message(*, user, template: str, context: dict) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(user)
    context = {**context, "user": user, "site_url": site_url(),
               "unsubscribe_url": unsubscribe,
               "settings_url": absolute(reverse("notifications:settings"))}
    with translation.override(language_of(user)):
        # The site's name in the recipient's language ("مدنية" in Arabic), body and subject alike.
        context["site_name"] = branding.site_name()
        prefix = branding.email_subject_prefix()
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip().replace("\n", " ")
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
        lang = translation.get_language()
    message = EmailMultiAlternatives(
        subject=f"{prefix}{subject}", body=text, to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Content-Language": lang,
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _items(user, notifications) -> list[dict]:
    items = []
    with translation.override(language_of(user)):
        for n in notifications:
            items.append({"text": texts.describe(n), "html": texts.describe(n, html=True),
                          "excerpt": texts.excerpt(n), "url": absolute(n.url)})
    return items


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    user = notification.recipient
    (item,) = _items(user, [notification])
    return _message(user=user, template="notification", context={"item": item})


# Notices of these kinds are grouped (data["group"], e.g. one thread): after one email, the next
# ones of the group wait until the member has read it, so a busy watched thread sends one email,
# not one per post. Replies to the member and mentions always go out.
QUIET_KINDS = {Notification.Kind.WATCHED, Notification.Kind.NEW_THREAD}


def _without_repeats(due: list[Notification]) -> list[Notification]:
    groups = {n.data.get("group") for n in due if n.kind in QUIET_KINDS and (n.data or {}).get("group")}
    if not groups:
        return due
    waiting = set(
        Notification.objects.filter(recipient_id__in={n.recipient_id for n in due}, read_at__isnull=True,
                                    emailed_at__isnull=False, data__group__in=list(groups))
        .values_list("recipient_id", "data__group")
    )
    return [n for n in due
            if n.kind not in QUIET_KINDS or (n.recipient_id, (n.data or {}).get("group")) not in waiting]


def _without_repeats_in_batch(due: list[Notification]) -> list[Notification]:
    """Of several quiet notices of one group for one member in the same batch, the first only."""
    kept, seen = [], set()
    for n in due:
        group = (n.data or {}).get("group")
        if n.kind in QUIET_KINDS and group:
            if (n.recipient_id, group) in seen:
                continue
            seen.add((n.recipient_id, group))
        kept.append(n)
    return kept


def _readable_now(notifications: list[Notification]) -> list[Notification]:
    """Those about what their recipient may still see (a thread moved away since: no email)."""
    if not notifications:
        return notifications
    recipients = {n.recipient_id: n.recipient for n in notifications}
    pairs = permissions.readable_pairs(recipients.values(), [n.data or {} for n in notifications])
    return [n for n in notifications if permissions.is_readable(n.recipient_id, n.data, pairs)]


def _wanted_now(notifications: list[Notification]) -> list[Notification]:
    user_ids = {n.recipient_id for n in notifications}
    prefs = dict(NotificationPreference.objects.filter(user_id__in=user_ids).values_list("user_id", "email"))
    due = [n for n in notifications
           if prefs.get(n.recipient_id, NotificationPreference.Email.IMMEDIATE) == NotificationPreference.Email.IMMEDIATE
           and n.recipient.email and n.recipient.is_active and not n.recipient.deleted_at and n.read_at is None]
    return _without_repeats_in_batch(_without_repeats(_readable_now(due)))


def deliver_immediate(notifications: list[Notification]) -> int:
    """Send the immediate emails the recipients want for these claimed outbox rows (see `outbox`),
    and clear the rows' `email_due_at`: sent ones get `emailed_at`; the others (digest or "never",
    a repeat, no address, already read) are left for the digest. A failure leaves the unsent rows
    due again for a later run. Returns how many were sent."""
    if not notifications:
        return 0
    due = _wanted_now(notifications)
    sent_ids: list[int] = []
    failed = False
    if due:
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
            for n in due:
                connection.send_messages([notification_message(n)])
                sent_ids.append(n.pk)
        except Exception:
            failed = True
            logger.exception("sending notification emails failed; they stay due")
        finally:
            try:
                connection.close()
            except Exception:  # closing a broken connection
                logger.debug("closing the mail connection failed", exc_info=True)
    now = timezone.now()
    if sent_ids:
        # Sent: recording it must not fail for a busy database, or the lease would run out and
        # the command would send the same emails again.
        _persist(lambda: Notification.objects.filter(pk__in=sent_ids).update(emailed_at=now, email_due_at=None))
    unsent = [n.pk for n in notifications if n.pk not in set(sent_ids)]
    if failed:
        retry = {n.pk for n in due} - set(sent_ids)
        _persist(lambda: Notification.objects.filter(pk__in=retry).update(email_due_at=now))
        unsent = [pk for pk in unsent if pk not in retry]
    if unsent:
        _persist(lambda: Notification.objects.filter(pk__in=unsent).update(email_due_at=None))
    return len(sent_ids)


def _persist(write, attempts: int = 8):
    """Run a small write, retrying while the database is locked (SQLite: a steady stream of
    request transactions can keep a background writer waiting past its busy timeout)."""
    from django.db import OperationalError

    for attempt in range(attempts):
        try:
            return write()
        except OperationalError:
            if attempt == attempts - 1:
                raise
            logger.warning("database busy while recording notification emails; retrying")
            time.sleep(0.05 * (attempt + 1))
    return None


def send_digests(*, now=None) -> int:
    """Send the daily digest to every member due one; returns how many digests went out.

    Due: email preference "daily digest", active, and no digest in the last `DIGEST_INTERVAL`.
    A digest lists the unread notifications not yet emailed, newest first; members with none get
    nothing (and stay due).
    """
    now = now or timezone.now()
    prefs = (NotificationPreference.objects
             .filter(email=NotificationPreference.Email.DAILY, user__is_active=True, user__deleted_at__isnull=True)
             .exclude(last_digest_at__gt=now - DIGEST_INTERVAL)
             .select_related("user"))
    sent = 0
    connection = get_connection(fail_silently=False)
    for pref in prefs:
        user = pref.user
        if not user.email:
            continue
        # Only what the member may see now: a thread that moved out of their reach is not quoted.
        unsent = permissions.visible_notifications(
            user, Notification.objects.filter(read_at__isnull=True, emailed_at__isnull=True))
        pending = list(unsent.select_related("actor").order_by("-created_at", "-id")[:DIGEST_MAX_ITEMS + 1])
        if not pending:
            continue
        total = unsent.count() if len(pending) > DIGEST_MAX_ITEMS else len(pending)
        shown = pending[:DIGEST_MAX_ITEMS]
        message = _message(user=user, template="digest",
                           context={"items": _items(user, shown), "count": total, "more": total - len(shown),
                                    "notifications_url": absolute(reverse("notifications:index"))})
        try:
            connection.send_messages([message])
        except Exception:
            logger.exception("digest to user %s failed", user.pk)
            continue
        Notification.objects.filter(recipient=user, read_at__isnull=True, emailed_at__isnull=True,
                                    created_at__lte=now).update(emailed_at=now)
        NotificationPreference.objects.filter(pk=pref.pk).update(last_digest_at=now)
        sent += 1
    return sent
