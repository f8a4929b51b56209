"""The reminder the representatives of an organisation that has not responded get
`FORUM_CONSULTATION_REMINDER_HOURS` before a consultation's deadline: once per organisation and
consultation (`Reminder`, a unique row taken before anyone is notified, so two schedulers never
both send), and only to representatives who may read the consultation.

The notice is a system notification whose sentence is made here, in the reader's language, when
it is read (`describe`); it names the thread (`thread_id`), so it shows only while its reader may
still read it (the threads' subject rule)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts
from forum.accounts.models import Restriction
from forum.core import bidi, conf
from forum.discussions import permissions as discussions
from forum.notifications import services as notifications
from forum.notifications.models import Notification
from forum.organisations.models import Membership

from .models import Consultation, Position, Reminder

DESCRIBER = "consultations.reminder"


def representatives_by_organisation(consultation: Consultation) -> dict[int, list]:
    """{organisation id: its representatives who may read the consultation now}, active organisations only."""
    memberships = list(Membership.objects.filter(kind=Membership.Kind.REPRESENTATIVE, organisation__active=True,
                                                 user__is_active=True, user__deleted_at__isnull=True)
                       .select_related("user", "organisation").order_by("organisation_id", "user_id"))
    users = []
    restrictions = defaultdict(list)
    for r in Restriction.objects.in_force().filter(user_id__in=[m.user_id for m in memberships]):
        restrictions[r.user_id].append(r)
    for m in memberships:
        # The facts the checks below ask for, loaded for everyone at once (no query per person).
        accounts.prime_membership(m.user, m)
        accounts._cache(m.user).setdefault("restrictions", restrictions.get(m.user_id, []))
        users.append(m.user)
    readers = {u.pk for u in discussions.readers_among(consultation.thread, users)}
    found: dict[int, list] = defaultdict(list)
    for m in memberships:
        if m.user_id in readers and accounts.in_good_standing(m.user) and not accounts.is_observer(m.user):
            found[m.organisation_id].append(m.user)
    return dict(found)


def due_consultations(now=None):
    now = now or timezone.now()
    soon = now + timedelta(hours=conf.FORUM_CONSULTATION_REMINDER_HOURS)
    return (Consultation.objects.filter(deadline__gt=now, deadline__lte=soon, thread__deleted_at__isnull=True)
            .select_related("thread", "thread__category").order_by("deadline", "pk"))


def send_due_reminders(*, now=None) -> int:
    """Remind, once, the representatives of every organisation that has not responded to a
    consultation closing within FORUM_CONSULTATION_REMINDER_HOURS. Returns how many notices were written."""
    now = now or timezone.now()
    written = 0
    for consultation in due_consultations(now):
        responded = set(Position.objects.filter(consultation=consultation).values_list("organisation_id", flat=True))
        done = set(Reminder.objects.filter(consultation=consultation).values_list("organisation_id", flat=True))
        for organisation_id, reps in representatives_by_organisation(consultation).items():
            if organisation_id in responded or organisation_id in done:
                continue
            try:
                with transaction.atomic():
                    Reminder.objects.create(consultation=consultation, organisation_id=organisation_id, sent_at=now,
                                            recipients=len(reps))
                    data = {"describer": DESCRIBER, "thread_id": consultation.thread_id,
                            "thread_title": consultation.thread.title, "deadline": consultation.deadline.isoformat()}
                    written += len(notifications.notify_many(notices=[
                        notifications.Notice(recipient=user, kind=Notification.Kind.SYSTEM, actor=None,
                                             url=consultation.get_absolute_url(), data=data,
                                             key=f"consultation_reminder:{consultation.pk}")
                        for user in reps]))
            except IntegrityError:  # another scheduler took this organisation's reminder
                continue
    return written


def describe(notification: Notification) -> str:
    from forum.notifications.texts import _local_time

    data = notification.data or {}
    return bidi.sentence(_("Your organisation has not yet given its position on “%(thread)s”: the deadline is "
                           "%(time)s."), {"thread": data.get("thread_title") or _("a consultation"),
                                          "time": _local_time(data.get("deadline"))}, html=False)


