"""The HTML of one post as it appears in a thread (the "post card"), built in Python.

Why not a template: a Django template costs about half a millisecond of CPU per post here (some
sixty variable look-ups, number localisation, a CSRF token and a dozen translations each), which
alone put a 50-post page over its 20 ms budget (see docs/performance.md). This module builds the
same markup with one translation pass per page and plain string joins, escaping every value;
the post body is the HTML stored at write time (already sanitised). `discussions/_post.html`
renders through it, so the thread page, the reply page and the live-update fragment share it.

Markup contract (live updates rely on it): `<article class="post depth-N" id="post-<id>"
data-post-id data-parent-id>`; user text carries `dir="auto"`. Every byte here is paid 50 times a
page (issue #11 §4): no attribute nobody reads (the depth is in the class; the tree path was unused).
"""

from __future__ import annotations

from datetime import UTC
from types import SimpleNamespace

from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from forum.accounts.templatetags.accounts_tags import hue_class, initials
from forum.core import bidi, dates, richtext


def _labels() -> dict[str, str]:
    return {
        "observer": escape(_("Observer")),
        "edited": escape(_("edited")),
        "deleted": escape(_("This post was deleted by its author.")),
        "hidden": escape(_("This post was hidden by a moderator.")),
        "removed": escape(_("This post was removed by the moderators.")),
        "pending": escape(_("This post is hidden while moderators review reports about it.")),
        "awaiting": escape(_("Awaiting review: this post is shown to others once a moderator approves it.")),
        "hidden_for": _("Hidden by the moderators: %(reason)s"),
        "moderator_edit": _("Edited by the moderators: %(reason)s"),
        "only_you": escape(_("Readers do not see this text; you see it as its author or as a moderator.")),
        "flag": escape(_("Flag")),
        "policy_edit": escape(_("Edit for policy")),
        "why": escape(_("Why, and how to appeal")),
        "flag_title": escape(_("Report this post to the moderators")),
        "who": escape(_("Who reacted")),
        "add_reaction": escape(_("Add a reaction")),
        "reply": escape(_("Reply")),
        "quote": escape(_("Quote")),
        "edit": escape(_("Edit")),
        "delete": escape(_("Delete")),
        "more": escape(_("More actions")),
        "speaking_for": _("Speaking for %(organisation)s"),
        "in_reply_to": _("in reply to %(name)s"),
    }


def reaction_face(*, icon: str, label: str, icons_url: str) -> str:
    """A reaction as shown: its self-hosted icon (static/img/icons.svg) with its name for screen
    readers, or its text when it has no icon. Emoji are not used: their fonts differ by device."""
    if not icon:
        return escape(label)
    # Kept short: a page carries four of these per post (~100 bytes each).
    return (f'<svg aria-hidden="true"><use href="{icons_url}#{escape(icon)}"/></svg>'
            f'<span class="visually-hidden">{escape(label)}</span>')


class CardRenderer:
    """Renders many cards for one request: translations and formats are looked up once."""

    def __init__(self, request, *, can_reply: bool):
        self.labels = _labels()
        self._buttons: dict[tuple[str, str, str], tuple[str, tuple[str, str]]] = {}
        self.can_reply = can_reply
        self.profile_prefix = None
        self.icons_url = escape(static("img/icons.svg"))
        self._months: dict[int, str] | None = None
        self._faces: dict[tuple[str, str], str] = {}
        # A page repeats few authors and days: their avatars and "date, time" patterns built once.
        self._avatars: dict[tuple, str] = {}
        self._day_patterns: dict[tuple[int, int, int], tuple[str, ...]] = {}

    def _profile_url(self, user_id: int) -> str:
        if self.profile_prefix is None:
            self.profile_prefix = reverse("accounts:profile", kwargs={"user_id": 1})[: -len("1/")]
        return f"{self.profile_prefix}{user_id}/"

    def _date(self, value) -> tuple[str, str]:
        """(ISO 8601, "5 Mar 2026, 14:07" in the reader's language): what `date:"j M Y, H:i"` gives,
        without the template filter's per-call format parsing (a tenth of the page's time)."""
        local = timezone.localtime(value)
        day = (local.year, local.month, local.day)
        pattern = self._day_patterns.get(day)
        if pattern is None:
            if self._months is None:
                self._months = {m: str(name).title() for m, name in MONTHS_3.items()}
            # The translated "<date>, <time>" around the place of the time: (before, after).
            pattern = self._day_patterns[day] = tuple(dates.joined(
                f"{local.day} {self._months[local.month]} {local.year}", "\x00").split("\x00", 1))
        shown = f"{pattern[0]}{local.hour:02d}:{local.minute:02d}{pattern[1]}"
        # The machine-readable time in UTC to the minute, as shown ("2026-03-05T13:07Z"): a third
        # of the length of isoformat() with microseconds and offset, on every card.
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ"), escape(shown)

    def render(self, post) -> SafeString:
        L = self.labels
        pk = post.pk
        author_name = escape(post.author_name)
        removed = post.deleted_at is not None or post.hidden_at is not None
        iso, shown = self._date(post.created_at)
        urls = post.urls
        out = [
            f'<article class="post depth-{post.depth_class}{" post-removed" if removed else ""}" id="post-{pk}" '
            f'data-post-id="{pk}" data-parent-id="{post.parent_id or ""}" '
            f'aria-labelledby="by{pk}">\n<header class="post-meta">'
            f'{self._avatar(post)}'
            f'<a class="post-author" id="by{pk}" href="{self._profile_url(post.author_id)}" dir="auto">'
            f"{author_name}</a>"
        ]
        organisation = post.author_organisation
        if organisation:
            out.append(f' <span class="post-org" dir="auto">{escape(organisation["name"])}</span>')
        if post.on_behalf_of_id:
            text = bidi.sentence(L["speaking_for"], {"organisation": post.on_behalf_of.name}, html=True)
            out.append(f' <span class="badge badge-org" dir="auto">{text}</span>')
        if post.author_is_observer:
            out.append(f' <span class="badge badge-observer">{L["observer"]}</span>')
        out.append(f' <a class="post-time" href="{urls["permalink"]}">'
                   f'<time datetime="{iso}">{shown}</time></a>')
        if post.edited_at and not removed:
            out.append(f' <a class="post-edited" href="{urls["revisions"]}">{L["edited"]}</a>')
        moderated = getattr(post, "moderator_edit", None)
        if moderated and not removed:
            decision = moderated.get("decision")
            why = (f' <a href="{escape(decision)}">{L["why"]}</a>'
                   if decision and getattr(post, "viewer_is_author", False) else "")
            out.append(f' <span class="post-moderator-edit">{self._rule_sentence("moderator_edit", moderated)}'
                       f'{why}</span>')
        context = post.reply_context
        if context is not None:
            text = bidi.sentence(L["in_reply_to"], {"name": context.name}, html=True)
            out.append(f' <a class="in-reply-to" href="{self._post_url(post, context.pk)}">{text}</a>')
        out.append("</header>\n")
        if post.deleted_at is not None:
            removed_by_moderators = getattr(post, "removed_by_moderator", False)
            out.append(f'<p class="post-placeholder">{L["removed" if removed_by_moderators else "deleted"]}</p>')
        elif post.hidden_at is not None:
            out.append(f'<p class="post-placeholder">{self._hidden_reason(post)}</p>')
            if getattr(post, "show_hidden_text", False):
                decision = (getattr(post, "hidden_reason", None) or {}).get("decision")
                why = (f' <a href="{escape(decision)}">{L["why"]}</a>'
                       if decision and getattr(post, "viewer_is_author", False) else "")
                out.append(f'<p class="post-hidden-note">{L["only_you"]}{why}</p>'
                           f'<div class="post-body user-content post-hidden-text" dir="auto">{post.html}</div>\n')
        else:
            direction = richtext.html_direction(post.html) or "auto"
            out.append(f'<div class="post-body user-content" dir="{direction}">{post.html}</div>\n')
            out.append(self._actions(post))
        out.append("</article>")
        return mark_safe("".join(out))  # noqa: S308 - every value above is escaped; post.html is sanitised

    def _avatar(self, post) -> str:
        """The author's initials on their colour (accounts' `{% avatar %}` rules), decorative."""
        deleted_at = getattr(post, "author_deleted_at", None)
        key = (post.author_id, post.author_name, deleted_at is None)
        html = self._avatars.get(key)
        if html is None:
            author = SimpleNamespace(pk=post.author_id, deleted_at=deleted_at)
            # Sized by `.post-meta .avatar` (discussions.css), not by a class repeated on every card.
            html = self._avatars[key] = (f'<span class="avatar {hue_class(author)}" aria-hidden="true">'
                                         f'{escape(initials(post.author_name))}</span>')
        return html

    def _reaction(self, r) -> str:
        # The same few faces on every post: built once per page (escaping is lazy-aware, so not free).
        key = (r.get("icon", ""), r["label"])
        face = self._faces.get(key)
        if face is None:
            face = self._faces[key] = reaction_face(icon=key[0], label=key[1], icons_url=self.icons_url)
        return face

    def _hidden_reason(self, post) -> str:
        """"Hidden by the moderators: <the rule, in the reader's language>", or pending review."""
        L = self.labels
        reason = getattr(post, "hidden_reason", None) or {}
        if reason.get("premoderation"):
            return L["awaiting"]
        if reason.get("pending"):
            return L["pending"]
        return self._rule_sentence("hidden_for", reason) if self._rule_title(reason) else L["hidden"]

    def _rule_title(self, reason: dict) -> str:
        """The rule's title in the reader's language (English, or any, when that one is missing)."""
        language = get_language() or ""
        return reason.get(language) or reason.get(language.split("-")[0]) or reason.get("en") or next(
            (v for k, v in reason.items() if k != "decision" and isinstance(v, str) and v), "")

    def _rule_sentence(self, label: str, reason: dict) -> str:
        title = self._rule_title(reason)
        return escape(self.labels[label]) % {"reason": f'<bdi dir="auto">{escape(title)}</bdi>'}

    @staticmethod
    def _post_url(post, other_pk: int) -> str:
        base = post.urls["permalink"]
        return base[: -len(f"{post.pk}/")] + f"{other_pk}/"

    def _button_parts(self, r) -> tuple[str, tuple[str, str]]:
        """(escaped reaction, (class attribute, escaped name)): the same few on every post, built once."""
        key = (r["emoji"], r["label"], r.get("icon", ""))
        parts = self._buttons.get(key)
        if parts is None:
            parts = self._buttons[key] = (escape(key[0]), ("" if key[2] else ' class="reaction-text"',
                                                          escape(key[1])))
        return parts

    def _actions(self, post) -> str:
        L = self.labels
        urls = post.urls
        pk = post.pk
        out = ['<footer class="post-actions">']
        buttons = post.reaction_buttons
        if post.actions["react"]:
            # The reactions the post has, as buttons that toggle the reader's own, then one "Add a
            # reaction" control (a page of choices without JavaScript, an inline picker with it:
            # static/js/discussions.js), as Slack, Zulip or GitHub do: four unused buttons on every
            # card cost 300 bytes and four Tab stops a post (issue #11 §4). No form per post: the
            # buttons submit the page's one reactions form (`form="react"`,
            # templates/discussions/_react_form.html) with "<post> <reaction>" as their value. The
            # icon comes from the stylesheet (by the value's reaction), the name stays in the button.
            out.append('<span class="reactions">')
            for r in buttons:
                if not r["count"]:
                    continue
                title = f' title="{escape(r["who"])}"' if r["who"] else ""
                pressed = "true" if r["mine"] else "false"
                emoji, rest = self._button_parts(r)
                out.append(f'<button form="react" name="r" value="{pk} {emoji}"{rest[0]} '
                           f'aria-pressed="{pressed}"{title}><span>{rest[1]}</span>'
                           f'<span class="count">{r["count"]}</span></button>')
            out.append(f'<a href="{urls["react"]}" class="react-add"><span>{L["add_reaction"]}</span></a></span>')
        else:
            out.append('<span class="reactions">')
            for r in buttons:
                if r["count"]:
                    title = f' title="{escape(r["who"])}"' if r["who"] else ""
                    out.append(f'<span class="reaction"{title}>{self._reaction(r)} '
                               f'<span class="count">{r["count"]}</span></span>')
            out.append("</span>")
        if self.can_reply:
            # The thread script takes the post and author from the card (article data-post-id,
            # .post-author), so the links carry nothing else.
            out.append(f' <a href="{urls["reply"]}" class="reply-link">{L["reply"]}</a>'
                       f' <a href="{escape(urls["quote"])}" class="quote-link">{L["quote"]}</a>')
        # The less frequent actions fold into one "More" control: one Tab stop per post instead of
        # four, so the keyboard reaches the reply form of a long thread in far fewer presses.
        more = []
        if post.reaction_counts:
            more.append(f'<a href="{urls["reactions"]}" class="who-reacted">{L["who"]}</a>')
        if post.actions["edit"]:
            more.append(f'<a href="{urls["edit"]}">{L["edit"]}</a>')
        if post.actions["delete"]:
            more.append(f'<a href="{urls["delete"]}">{L["delete"]}</a>')
        if getattr(post, "may_edit_for_policy", False) and "policy_edit" in urls:
            more.append(f'<a href="{urls["policy_edit"]}" class="policy-edit-link">{L["policy_edit"]}</a>')
        if post.actions.get("report") and "flag" in urls:
            more.append(f'<a href="{urls["flag"]}" class="flag-link" title="{L["flag_title"]}">{L["flag"]}</a>')
        if more:
            out.append(f' <details><summary>{L["more"]}</summary>'
                       f'<span>{" ".join(more)}</span></details>')
        out.append("</footer>\n")
        return "".join(out)


def render_post_list(posts, *, request, can_reply: bool, first_unread_id: int | None = None) -> SafeString:
    """The cards of a page in order, replies wrapped in `<details class="replies" open>` so a branch
    can be folded without JavaScript (see `selectors._mark_branches`). When the page shows the
    reader's first unread post, a "new since your last visit" marker (`#unread`) precedes it."""
    renderer = CardRenderer(request, can_reply=can_reply)
    # The words are looked up outside the f-strings: xgettext does not read inside them
    # (tests/core/test_catalogues.py checks that no translation call hides in one).
    hide, show, new_since = _("Hide replies"), _("Show replies"), _("New since your last visit")
    summary = (f'<details class="replies" open><summary><span>{escape(hide)}'
               f'</span><span>{escape(show)}</span></summary>\n')
    out = []
    for post in posts:
        post.card = renderer.render(post)
        if first_unread_id is not None and post.pk == first_unread_id:
            out.append(f'<p class="unread-marker" id="unread">{escape(new_since)}</p>\n')
        out.append(post.card)
        out.append("\n")
        if post.opens_replies:
            out.append(summary)
        out.append("</details>\n" * len(post.closes))
    return mark_safe("".join(out))  # noqa: S308 - built from escaped cards and fixed markup
