"""The words of moderation notices (decisions and appeal outcomes), made when they are read, in the
reader's language (registered with `forum.notifications.texts` at start-up)."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from forum.core import translated


def rule_title(titles: dict | None) -> str:
    titles = titles or {}
    language = (get_language() or "en").split("-")[0]
    return titles.get(language) or titles.get("en") or next((t for t in titles.values() if t), "")


def describe(notification) -> str:
    data = notification.data or {}
    thread = translated.from_snapshot(data.get("thread_titles"), data.get("thread_title") or "")
    values = {"rule": rule_title(data.get("rule")), "thread": thread or _("a thread")}
    appeal = data.get("appeal")
    if appeal == "upheld":
        return _("Your appeal was decided: the moderators' decision stands (rule: %(rule)s).") % values
    if appeal == "overturned":
        return _("Your appeal was accepted: the moderators' decision was reversed.") % values
    if data.get("kind") in ("message", "question"):  # in a live session: "thread" is the session's title
        live = {
            "hide": _("The moderators hid what you wrote in the live session “%(thread)s”. Rule: %(rule)s."),
            "delete": _("The moderators removed what you wrote in the live session “%(thread)s”. Rule: %(rule)s."),
            "restore": _("The moderators showed what you wrote in the live session “%(thread)s” again."),
            "warn": _("The moderators warned you about what you wrote in the live session “%(thread)s”. "
                      "Rule: %(rule)s."),
            "mute": _("The moderators muted you in the live session “%(thread)s”. Rule: %(rule)s."),
            "suspend": _("The moderators suspended your account after what you wrote in the live session "
                         "“%(thread)s”. Rule: %(rule)s."),
        }
        if data.get("action") in live:
            return live[data["action"]] % values
    if data.get("kind") == "position":  # "thread" is the consultation's title
        position = {
            "hide": _("The moderators hid your organisation's position in the consultation “%(thread)s”. "
                      "Rule: %(rule)s."),
            "delete": _("The moderators removed your organisation's position in the consultation “%(thread)s”. "
                        "Rule: %(rule)s."),
            "restore": _("The moderators showed your organisation's position in the consultation “%(thread)s” "
                         "again."),
        }
        if data.get("action") in position:
            return position[data["action"]] % values
    texts = {
        "hide": _("The moderators hid your post in “%(thread)s”. Rule: %(rule)s."),
        "delete": _("The moderators removed your post in “%(thread)s”. Rule: %(rule)s."),
        "restore": _("The moderators showed your post in “%(thread)s” again."),
        "warn": _("The moderators warned you about your post in “%(thread)s”. Rule: %(rule)s."),
        "mute": _("The moderators muted you after your post in “%(thread)s”. Rule: %(rule)s."),
        "suspend": _("The moderators suspended your account after your post in “%(thread)s”. Rule: %(rule)s."),
        "ban": _("The moderators banned your account after your post in “%(thread)s”. Rule: %(rule)s."),
        "edit": _("The moderators edited your post in “%(thread)s”. Rule: %(rule)s."),
        "lock": _("The moderators locked your thread “%(thread)s”. Rule: %(rule)s."),
        "unlock": _("The moderators unlocked your thread “%(thread)s”. Rule: %(rule)s."),
        "move": _("The moderators moved your thread “%(thread)s” to another category. Rule: %(rule)s."),
        "split": _("The moderators moved replies to a new thread, “%(thread)s”. Rule: %(rule)s."),
        "delete_thread": _("The moderators deleted your thread “%(thread)s”. Rule: %(rule)s."),
        "restore_thread": _("The moderators restored your thread “%(thread)s”."),
    }
    return texts.get(data.get("action"), _("The moderators took a decision about your content.")) % values
