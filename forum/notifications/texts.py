"""The words of a notification, made when it is read, in the reader's language.

A notification stores its kind and a snapshot of what the words need (`thread_title`,
`category_name` with `category_names` per language, `session_title` with `session_titles`,
`excerpt`, or `text` for a system notice); the sentence is built here with the
language active at display time, so a member who switches language sees every notice in it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.html import conditional_escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from forum.core import bidi, translated

from .models import Notification

# A system notice whose data names a "describer" gets its sentence from the app above that
# registered it (at start-up), in the reader's language at display time.
_DESCRIBERS: dict[str, Callable[[Notification], str]] = {}


def register_describer(name: str, describe_notice: Callable[[Notification], str]) -> None:
    _DESCRIBERS[name] = describe_notice


def actor_name(notification: Notification) -> str:
    actor = notification.actor
    return actor.public_name if actor is not None else _("Someone")


def describe(notification: Notification, *, html: bool = False) -> str:
    """One sentence saying what happened, e.g. "Lina replied to you in “Water in Idlib”".

    The name and titles in it are isolated (forum.core.bidi): `<bdi>` with `html=True` (the result
    is then safe HTML), Unicode isolates otherwise (email). Quote marks are the catalogue's.
    """
    data = notification.data or {}
    values = {
        "actor": actor_name(notification),
        "thread": data.get("thread_title") or _("a thread"),
        "category": translated.from_snapshot(data.get("category_names"), data.get("category_name") or "")
                    or _("a category"),
    }
    kind = notification.kind
    template = {
        Notification.Kind.REPLY: _("%(actor)s replied to you in “%(thread)s”"),
        Notification.Kind.MENTION: _("%(actor)s mentioned you in “%(thread)s”"),
        Notification.Kind.QUOTE: _("%(actor)s quoted you in “%(thread)s”"),
        Notification.Kind.WATCHED: _("%(actor)s posted in “%(thread)s”"),
        Notification.Kind.NEW_THREAD: _("%(actor)s started “%(thread)s” in %(category)s"),
    }.get(kind)
    if template is not None:
        return bidi.sentence(template, values, html=html)
    if kind == Notification.Kind.LIVE_REMINDER:
        # The time is ours (formatted here), the session title is user text: isolated with it.
        return bidi.sentence(_("The live session “%(session)s” starts at %(time)s."),
                             {"session": translated.from_snapshot(data.get("session_titles"),
                                                                  data.get("session_title") or "") or _("a session"),
                              "time": _local_time(data.get("starts_at"))}, html=html)
    describer = _DESCRIBERS.get(str(data.get("describer") or ""))
    if describer is not None:
        notice = describer(notification)
    else:
        notice = str(data.get("text") or _("You have a new notice."))
    return conditional_escape(notice) if html else notice


def describe_group(notifications: list[Notification], *, html: bool = False) -> str:
    """One sentence for several new posts in one followed thread: "5 new replies in “Water”"
    (pluralised by the catalogue: Arabic has six forms). One notification reads as `describe`."""
    if len(notifications) == 1:
        return describe(notifications[0], html=html)
    count = len(notifications)
    title = (notifications[0].data or {}).get("thread_title") or _("a thread")
    template = ngettext("%(count)s new reply in “%(thread)s”", "%(count)s new replies in “%(thread)s”", count)
    return bidi.sentence(template, {"count": count, "thread": title}, html=html)


def _local_time(iso: str | None) -> str:
    """A stored ISO time as the reader's date and time (the site's time zone, with its name)."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime
    from django.utils.formats import date_format

    moment = parse_datetime(iso or "")
    if moment is None:
        return "?"
    from forum.core import dates

    local = timezone.localtime(moment)
    return dates.joined(date_format(local, "j F Y"), date_format(local, "H:i T"))


def excerpt(notification: Notification) -> str:
    return str((notification.data or {}).get("excerpt") or "")
