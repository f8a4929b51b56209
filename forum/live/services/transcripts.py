"""The transcript of a closed session: its messages and answered questions as Markdown, exported as a
file or published as a locked, read-only thread in a category (through `forum.discussions.services`).

Only a moderator of the session, only once it has closed, and never for an off-the-record session
(Chatham House rule: no transcript, no export). Publishing also needs the powers the thread itself
needs in the chosen category: starting a thread there and locking it (a moderator of that category).
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from forum.accounts import permissions as accounts
from forum.audit.services import record
from forum.categories import permissions as categories
from forum.core import conf
from forum.discussions import services as discussions
from forum.organisations.models import Membership

from .. import permissions
from ..models import ChatMessage, LiveSession, Question

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")


def _escape(text: str) -> str:
    """A name or title as literal Markdown text (no emphasis, links or headings of its own)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join((text or "").split()))


def _quote(source: str) -> str:
    """The participant's own text, as a block quote: whatever Markdown it holds stays inside it."""
    lines = (source or "").replace("\r\n", "\n").strip().split("\n")
    return "\n".join(f"> {line}" if line.strip() else ">" for line in lines)


def check_transcript(user, session: LiveSession) -> None:
    """Whether `user` may export or publish the transcript now; PermissionDenied says why not."""
    permissions.check_view_session(user, session)
    if not permissions.can_moderate_session(user, session):
        raise PermissionDenied(_("Only the session's moderators can export or publish its transcript."))
    if session.off_the_record:
        raise PermissionDenied(_("This session was off the record (Chatham House rule): it has no transcript "
                                 "and cannot be exported."))
    if session.state != LiveSession.State.CLOSED:
        raise PermissionDenied(_("The transcript is ready once the session has closed."))


def _speakers(user_ids: set[int]) -> dict[int, str]:
    """{user id: "Name · Organisation"} (observers marked), in two queries."""
    from django.contrib.auth import get_user_model

    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)}
    orgs = dict(Membership.objects.filter(user_id__in=user_ids).values_list("user_id", "organisation__name"))
    out = {}
    for pk, user in users.items():
        parts = [_escape(user.public_name)]
        if orgs.get(pk):
            parts.append(_escape(orgs[pk]))
        if accounts.is_observer(user):
            parts.append(_("observer"))
        out[pk] = " · ".join(parts)
    return out


def _blocks(session: LiveSession) -> tuple[list[str], list[str], list[str]]:
    """(heading blocks, answered-question blocks, message blocks) of the transcript."""
    messages = list(ChatMessage.objects.filter(session=session, removed_at__isnull=True, hidden_at__isnull=True).order_by("seq")
                    .only("author_id", "source", "created_at", "edited_at"))
    questions = list(Question.objects.filter(session=session, state=Question.State.ANSWERED)
                     .order_by("-votes", "answered_at", "pk").only("author_id", "source", "votes", "answered_at"))
    names = _speakers({m.author_id for m in messages if m.author_id} | {q.author_id for q in questions if q.author_id})
    someone = _("Former member")
    zone = timezone.get_current_timezone()

    def when(moment, fmt="H:i") -> str:
        return date_format(timezone.localtime(moment, zone), fmt)

    # The transcript is written in its reader's (or publisher's) language: so is the session's title.
    head = [f"# {_escape(session.display_title)}",
            _("%(start)s – %(end)s (%(zone)s)") % {
                "start": when(session.opened_at or session.starts_at, "j F Y, H:i"),
                "end": when(session.closed_at or session.ends_at, "H:i"), "zone": zone.key if hasattr(zone, "key")
                else str(zone)}]
    if session.display_description:
        head.append(_quote(session.display_description))
    answered = []
    if questions:
        answered.append("## " + _("Answered questions"))
        for q in questions:
            votes = ngettext("%(count)d vote", "%(count)d votes", q.votes) % {"count": q.votes}
            answered.append(f"**{names.get(q.author_id, someone)}** · {votes}\n{_quote(q.source)}")
    chat = []
    if messages:
        chat.append("## " + _("Messages"))
        for m in messages:
            edited = " · " + _("edited") if m.edited_at else ""
            chat.append(f"**{names.get(m.author_id, someone)}** · {when(m.created_at)}{edited}\n{_quote(m.source)}")
    if not questions and not messages:
        chat.append(_("Nothing was said in this session."))
    return head, answered, chat


def transcript_markdown(*, actor, session: LiveSession) -> str:
    """The whole transcript as one Markdown document (the export)."""
    check_transcript(actor, session)
    head, answered, chat = _blocks(session)
    return "\n\n".join(head + answered + chat) + "\n"


def _fits(text: str) -> bool:
    try:
        discussions.clean_source(text)
    except ValidationError:
        return False
    return True


def _posts(blocks: list[str]) -> list[str]:
    """The blocks joined into as few posts as the post rules allow (length, lines, markup), in order.
    A single block too large for a post is cut at the length limit."""
    limit = conf.FORUM_POST_MAX_CHARS
    posts: list[str] = []
    current: list[str] = []
    for block in blocks:
        if len(block) > limit // 2:
            block = block[: limit // 2] + " …"
        if current and not _fits("\n\n".join([*current, block])):
            posts.append("\n\n".join(current))
            current = []
        current.append(block)
    if current:
        posts.append("\n\n".join(current))
    return posts


def publishable_categories(user, session: LiveSession):
    """Categories where `user` may open and lock the transcript thread (the choices of the form)."""
    from forum.categories.models import Category

    return [c for c in categories.visible_categories(user, Category.objects.all()).order_by("position", "pk")
            if categories.allows(categories.check_start_thread, user, c)
            and categories.allows(categories.check_moderate_category, user, c)]


@transaction.atomic
def transcript_publish(*, actor, session: LiveSession, category=None):
    """Publish the transcript as a locked thread in `category` (default: the session's), written by
    `actor`: the opening post, then as many replies as the post limits need. Returns the thread.
    Audited; the session remembers its transcript thread (published once)."""
    check_transcript(actor, session)
    session = LiveSession.objects.select_for_update().get(pk=session.pk)
    if session.transcript_thread_id is not None:
        raise ValidationError(_("The transcript of this session is already published."), code="published")
    category = category or session.category
    if category is None:
        raise ValidationError({"category": _("Choose the category to publish the transcript in.")}, code="required")
    categories.check_start_thread(actor, category)
    categories.check_moderate_category(actor, category)
    head, answered, chat = _blocks(session)
    posts = _posts(head + answered + chat)
    title_limit = conf.FORUM_TITLE_MAX_CHARS
    title = _("Transcript: %(title)s") % {"title": session.display_title}
    if len(title) > title_limit:
        title = title[: title_limit - 1] + "…"
    thread = discussions.thread_create(author=actor, category=category, title=title, source=posts[0])
    for source in posts[1:]:
        discussions.post_create(author=actor, thread=thread, source=source)
    discussions.thread_lock(actor=actor, thread=thread, locked=True, reason=_("Transcript of a live session"))
    session.transcript_thread = thread
    session.save(update_fields=["transcript_thread", "updated_at"])
    record(actor=actor, verb="live_session.transcript_publish", target=session,
           data={"thread": thread.pk, "category": category.pk, "posts": len(posts)})
    return thread
