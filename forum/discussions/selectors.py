"""Reads for thread pages: one page of posts in tree or time order, permalinks, revisions, reactions.

The thread page costs a fixed number of queries whatever the number of posts shown: posts with
their authors, parents and organisations in one query, authors' organisations in one, the page's
reactions (for "who reacted" and the viewer's own) in one; every permission question is answered
from per-user facts loaded once. Pages are cut by keyset ("after this path" in tree order,
"after this id" in time order), never by OFFSET.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import F, OuterRef, Q, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts
from forum.core import conf
from forum.organisations.models import Membership

from . import permissions, viewcounts
from .models import MAX_TREE_DEPTH, PATH_SEGMENT, Post, Reaction, Thread

TREE = "tree"
FLAT = "flat"
_PATH_RE = re.compile(rf"^[0-9a-z]{{{PATH_SEGMENT}}}(/[0-9a-z]{{{PATH_SEGMENT}}}){{0,{MAX_TREE_DEPTH}}}$")


def per_page() -> int:
    return int(conf.FORUM_POSTS_PER_PAGE)


# One-to-one neighbours that apps above this one hang on a thread (forum.polls' `poll`), joined to the
# thread's own query so its page asks nothing more for them. Registered by those apps' `ready()`, so
# this app never names them.
THREAD_NEIGHBOURS: list[str] = []


def register_thread_neighbour(name: str) -> None:
    if name not in THREAD_NEIGHBOURS:
        THREAD_NEIGHBOURS.append(name)


def thread_get_for_viewer(*, thread_id: int, viewer) -> Thread:
    """The thread with its category, or Http404 if it does not exist or the viewer may not read it."""
    # Not the author: no thread page shows it (a User instance is the costliest of the joins to build).
    thread = (Thread.objects.select_related("category", "category__parent", "on_behalf_of", *THREAD_NEIGHBOURS)
              .filter(pk=thread_id).first())
    if thread is None:
        raise Http404
    permissions.check_view_thread(viewer, thread)
    return thread


def post_get_for_viewer(*, post_id: int, viewer) -> Post:
    """The post with its thread and category, or Http404."""
    post = (Post.objects.select_related("thread", "thread__category", "thread__category__parent", "author",
                                        "on_behalf_of")
            .filter(pk=post_id).first())
    if post is None:
        raise Http404
    permissions.check_view_post(viewer, post)
    return post


# What a thread page shows; the source text (and the answered post's text) stays in the database.
PAGE_FIELDS = (
    "id", "thread_id", "author_id", "parent_id", "on_behalf_of_id", "path", "depth", "html", "created_at",
    "edited_at", "edit_count", "deleted_at", "hidden_at", "hidden_reason", "removed_by_moderator",
    "reaction_counts", "awaiting_review", "moderator_edit",
)


class PostRow:
    """A post of a thread page: the columns the page shows, as attributes, without a model instance
    (building 50 `Post` instances with their annotations was most of the posts query's cost). Has what
    the cards, `PostActions` and the permission checks read of a post (`pk`, `thread`, `author_id`,
    `deleted_at`, `hidden_at`, `awaiting_review`, `on_behalf_of.name`, ...); no model methods."""

    def __init__(self, values: dict):
        name = values.pop("on_behalf_of_name", None)
        self.__dict__.update(values)
        self.on_behalf_of = _Organisation(values["on_behalf_of_id"], name) if values["on_behalf_of_id"] else None

    @property
    def pk(self) -> int:
        return self.id

    def get_absolute_url(self) -> str:
        return reverse("discussions:post", kwargs={"post_id": self.id})


@dataclass(frozen=True)
class _Organisation:
    """The "speaking for" organisation of a page's post, as the card shows it."""

    id: int
    name: str

    @property
    def pk(self) -> int:
        return self.id


def _posts_queryset(thread: Thread):
    """The page's posts as rows (`values`): authors, parents and organisations as columns."""
    # The author's organisation rides along in the posts query (one membership per person).
    organisation = Membership.objects.filter(user_id=OuterRef("author_id")).select_related("organisation")
    return (Post.objects.filter(thread=thread)
            .values(*PAGE_FIELDS, on_behalf_of_name=F("on_behalf_of__name"),
                    author_display_name=F("author__display_name"), author_email=F("author__email"),
                    author_deleted_at=F("author__deleted_at"), author_role=F("author__role"),
                    # What "in reply to" needs of the parent, as columns rather than two more model
                    # instances per post.
                    parent_depth=F("parent__depth"), parent_author_name=F("parent__author__display_name"),
                    parent_author_email=F("parent__author__email"),
                    parent_author_deleted_at=F("parent__author__deleted_at"),
                    author_org_name=Subquery(organisation.values("organisation__name")[:1])))


def parse_cursor(view: str, value: str | None):
    """A cursor from the query string, or None when absent or malformed (then: the first page)."""
    if not value:
        return None
    if view == FLAT:
        return int(value) if value.isdigit() else None
    return value if _PATH_RE.match(value) else None


@dataclass
class ThreadPage:
    thread: Thread
    posts: list[Post]
    view: str
    next_cursor: str | None
    prev_cursor: str | None
    is_first: bool
    reactions: list[str]
    can_reply: bool
    can_moderate: bool
    can_speak_for_organisation: bool
    organisation: object | None
    pending_views: int = 0
    # A moderator of the thread without a second factor: the tools show, switched off, with a way to enrol.
    moderation_needs_mfa: bool = False
    extra: dict = field(default_factory=dict)

    def _url(self, **params) -> str:
        query = {"view": FLAT} if self.view == FLAT else {}
        query.update(params)
        return "?" + urlencode(query) if query else "?"

    @property
    def first_url(self) -> str:
        return self._url()

    @property
    def next_url(self) -> str | None:
        return self._url(after=self.next_cursor) if self.next_cursor else None

    @property
    def prev_url(self) -> str | None:
        return self._url(before=self.prev_cursor) if self.prev_cursor else None

    @property
    def other_view_url(self) -> str:
        return "?" if self.view == FLAT else "?" + urlencode({"view": FLAT})

    @property
    def last_post_id(self) -> int | None:
        return max((p.pk for p in self.posts), default=None)


def _organisation_of(post: Post) -> dict | None:
    name = getattr(post, "author_org_name", None)
    if name is None and not hasattr(post, "author_org_name"):
        membership = accounts.membership(post.author)
        if membership is None:
            return None
        return {"name": membership.organisation.name}
    return {"name": name} if name else None


def _mark_branches(posts: list[Post]) -> None:
    """For tree view: which posts open a <details> holding their replies, and how many close after."""
    open_depths: list[int] = []
    for i, post in enumerate(posts):
        next_depth = posts[i + 1].depth if i + 1 < len(posts) else -1
        post.opens_replies = next_depth > post.depth
        if post.opens_replies:
            open_depths.append(post.depth)
        closes = 0
        while open_depths and open_depths[-1] >= next_depth:
            open_depths.pop()
            closes += 1
        post.closes = range(closes)


def _attach_reactions(posts: list[Post], viewer) -> None:
    """Who reacted with what, for the page's posts, in one query (rows, not model instances)."""
    by_post: dict[int, dict[str, list[str]]] = {}
    mine: dict[int, set[str]] = {}
    if posts:
        rows = (Reaction.objects.filter(post_id__in=[p.pk for p in posts]).order_by("id")
                .values_list("post_id", "emoji", "user_id", "user__display_name", "user__email", "user__deleted_at"))
        former = None
        viewer_id = viewer.pk if viewer.is_authenticated else None
        for post_id, emoji, user_id, display_name, email, deleted_at in rows:
            if deleted_at:  # same rule as User.public_name
                former = former or str(_("Former member"))
                name = former
            else:
                name = display_name or email.split("@", 1)[0]
            by_post.setdefault(post_id, {}).setdefault(emoji, []).append(name)
            if user_id == viewer_id:
                mine.setdefault(post_id, set()).add(emoji)
    for p in posts:
        p.who_reacted = by_post.get(p.pk, {})
        p.my_reactions = mine.get(p.pk, set())


@dataclass(frozen=True)
class ReplyContext:
    """The post a reply answers, as "in reply to <name>" shows it."""

    pk: int
    name: str


def _parent_depth(post: Post) -> int | None:
    if not post.parent_id:
        return None
    if hasattr(post, "parent_depth"):
        return post.parent_depth
    return post.parent.depth


def _public_name(display_name: str | None, email: str | None, deleted_at) -> str:
    """`User.public_name` from columns, without building the user."""
    if deleted_at:
        return str(_("Former member"))
    return display_name or (email or "").split("@", 1)[0]


def _author_facts(post: Post) -> tuple[str, bool]:
    """(public name, is an observer) of the post's author, from columns when the page loaded them."""
    if hasattr(post, "author_email"):
        return (_public_name(post.author_display_name, post.author_email, post.author_deleted_at),
                post.author_role == "observer")
    return post.author.public_name, post.author.role == "observer"


def _parent_name(post: Post) -> str:
    if not hasattr(post, "parent_author_email"):
        return post.parent.author.public_name
    return _public_name(post.parent_author_name, post.parent_author_email, post.parent_author_deleted_at)


# The icon (a symbol of static/img/icons.svg) and the spoken name of each known reaction; an
# unknown one (a site's own FORUM_REACTIONS) shows as its text.
REACTION_ICONS = {"👍": "thumbs-up", "❤️": "heart", "👏": "applause", "🤔": "thinking",
                  "agree": "agree", "disagree": "disagree"}


def reaction_label(emoji: str) -> str:
    labels = {"agree": _("Agree"), "disagree": _("Disagree"), "👍": _("Like"), "❤️": _("Love"),
              "👏": _("Applause"), "🤔": _("Thinking")}
    return labels.get(emoji, emoji)


def reaction_icon(emoji: str) -> str:
    return REACTION_ICONS.get(emoji, "")


def _url_prefixes(thread: Thread) -> dict[str, str]:
    # One reverse per page, not several per post: post URLs differ only by the id.
    post = reverse("discussions:post", kwargs={"post_id": 1})[: -len("1/")]
    reply = reverse("discussions:reply_to", kwargs={"thread_id": thread.pk, "post_id": 1})[: -len("1/")]
    # The moderation app's flag form (by URL name: this app does not import it).
    flag = reverse("moderation:flag", kwargs={"kind": "post", "item_id": 1})[: -len("1/")]
    policy = reverse("moderation:post_edit", kwargs={"post_id": 1})[: -len("1/edit/")]
    return {"post": post, "reply": reply, "flag": flag, "policy": policy}


def decorate_posts(posts: list[Post], *, thread: Thread, viewer, reactions: list[str], view: str = TREE) -> None:
    """Attach to each post what the template shows: actions, reactions, organisation, reply context, URLs."""
    _attach_reactions(posts, viewer)
    actions_for = permissions.PostActions(viewer)
    prefixes = _url_prefixes(thread)
    labels = {e: reaction_label(e) for e in reactions}
    icons = {e: reaction_icon(e) for e in reactions}
    no_reactions = [{"emoji": e, "label": labels[e], "icon": icons[e], "count": 0, "mine": False, "who": ""}
                    for e in reactions]
    for p in posts:
        p.thread = thread
        base = f"{prefixes['post']}{p.pk}/"
        p.urls = {
            "permalink": base, "edit": base + "edit/", "delete": base + "delete/", "react": base + "react/",
            "reactions": base + "reactions/", "revisions": base + "revisions/",
            "reply": f"{prefixes['reply']}{p.pk}/", "quote": f"{prefixes['reply']}{p.pk}/?quote=1",
            "flag": f"{prefixes['flag']}{p.pk}/", "policy_edit": f"{prefixes['policy']}{p.pk}/edit/",
        }
        p.actions = actions_for(p)
        # The author and the category's moderators still read a hidden post's text (and why).
        p.viewer_is_author = p.author_id == getattr(viewer, "pk", None)
        p.show_hidden_text = p.hidden_at is not None and p.deleted_at is None and (
            p.viewer_is_author or p.actions["moderate"])
        p.author_organisation = _organisation_of(p)
        p.author_name, p.author_is_observer = _author_facts(p)
        p.removed = p.deleted_at is not None or p.hidden_at is not None
        if not p.reaction_counts and not p.my_reactions:
            p.reaction_buttons = no_reactions  # most posts: one shared list
        else:
            p.reaction_buttons = [
                {"emoji": e, "label": labels[e], "icon": icons[e], "count": (p.reaction_counts or {}).get(e, 0),
                 "mine": e in p.my_reactions, "who": ", ".join(p.who_reacted.get(e, []))}
                for e in reactions
            ]
        parent_depth = _parent_depth(p)
        if view == FLAT:
            answers = parent_depth is not None and parent_depth > 0
        else:
            # Stored at the maximum depth beside its parent: say whom it answers.
            answers = parent_depth is not None and parent_depth >= p.depth
        p.reply_context = ReplyContext(pk=p.parent_id, name=_parent_name(p)) if answers else None
        p.depth_class = min(p.depth, MAX_TREE_DEPTH) if view == TREE else 0


def _listed_for(qs, *, thread: Thread, viewer):
    """The thread's posts the viewer's pages list: posts awaiting review only for their author
    ("awaiting review") and the category's moderators, not even a placeholder for anyone else."""
    if permissions.is_category_moderator(viewer, thread.category):
        return qs
    mine = Q(author_id=viewer.pk) if getattr(viewer, "is_authenticated", False) else Q(pk__in=[])
    return qs.filter(Q(awaiting_review=False) | mine)


def thread_page_for_viewer(*, thread: Thread, viewer, view: str = TREE, after=None, before=None,
                           size: int | None = None) -> ThreadPage:
    """One page of the thread's posts, after (or before) a cursor, with everything the page shows."""
    from .services import reactions_for

    size = size or per_page()
    view = FLAT if view == FLAT else TREE
    key = "id" if view == FLAT else "path"
    qs = _listed_for(_posts_queryset(thread), thread=thread, viewer=viewer)
    if before is not None:
        rows = [PostRow(r) for r in qs.filter(**{f"{key}__lt": before}).order_by(f"-{key}")[: size + 1]]
        has_more_before = len(rows) > size
        posts = list(reversed(rows[:size]))
        has_next = True
        is_first = not has_more_before
    else:
        if after is not None:
            qs = qs.filter(**{f"{key}__gt": after})
        rows = [PostRow(r) for r in qs.order_by(key)[: size + 1]]
        has_next = len(rows) > size
        posts = rows[:size]
        is_first = after is None
    reactions = reactions_for(thread.category)
    decorate_posts(posts, thread=thread, viewer=viewer, reactions=reactions, view=view)
    if view == TREE:
        _mark_branches(posts)
    else:
        for p in posts:
            p.opens_replies, p.closes = False, range(0)

    def cursor(p):
        return str(getattr(p, key))

    can_reply = permissions.allows(permissions.check_reply_to_thread, viewer, thread)
    can_moderate = permissions.allows(permissions.check_lock_thread, viewer, thread)
    for p in posts:  # the card's "edit for policy" link (the moderation app's page decides the rest)
        p.may_edit_for_policy = can_moderate and not p.viewer_is_author
    speaks = (can_reply and accounts.is_representative(viewer)
              and permissions.allows(permissions.check_speak_for_organisation, viewer, None))
    return ThreadPage(
        thread=thread, posts=posts, view=view,
        next_cursor=cursor(posts[-1]) if posts and has_next else None,
        prev_cursor=cursor(posts[0]) if posts and not is_first else None,
        is_first=is_first, reactions=reactions, can_reply=can_reply,
        can_moderate=can_moderate,
        moderation_needs_mfa=(not can_moderate and permissions.holds_moderator_role(viewer, thread.category)
                              and accounts.mfa_missing(viewer)),
        can_speak_for_organisation=speaks,
        organisation=accounts.membership(viewer).organisation if speaks else None,
        pending_views=viewcounts.pending_views(thread.pk),
    )


def post_page_url(*, post: Post, viewer, view: str = TREE, size: int | None = None) -> str:
    """The URL of the page that shows `post` to `viewer` (pages counted from the start, over the
    posts their pages list: held posts of others do not count), with its anchor.

    Costs two queries: the post's rank, and the cursor before its page (a bounded look-back of
    fewer than one page, never a deep OFFSET).
    """
    size = size or per_page()
    key = "id" if view == FLAT else "path"
    value = getattr(post, key)
    siblings = _listed_for(Post.objects.filter(thread_id=post.thread_id), thread=post.thread, viewer=viewer)
    rank = siblings.filter(**{f"{key}__lt": value}).count()
    into_page = rank % size
    url = reverse("discussions:thread", kwargs={"thread_id": post.thread_id})
    params = []
    if view == FLAT:
        params.append("view=flat")
    if rank >= size:
        back = into_page  # posts of this page before `post`; the cursor is the one just before them
        cursor = (siblings.filter(**{f"{key}__lt": value}).order_by(f"-{key}")
                  .values_list(key, flat=True)[back:back + 1])
        params.append(f"after={list(cursor)[0]}")
    query = ("?" + "&".join(params)) if params else ""
    return f"{url}{query}#post-{post.pk}"


def quote_markdown(post: Post) -> str:
    """A Markdown blockquote of the post with an attribution line linking back to it."""
    attribution = _("%(name)s wrote:") % {"name": post.author.public_name}
    lines = [f"> [{attribution}]({post.get_absolute_url()})", ">"]
    lines += [f"> {line}" if line else ">" for line in post.source.splitlines()]
    return "\n".join(lines) + "\n\n"


@dataclass
class Version:
    number: int
    source: str
    editor: object | None
    created_at: object
    diff: list[tuple[str, str]]


def post_revisions_for_viewer(*, post: Post, viewer) -> list[Version]:
    """Every version of the post, oldest first, each with a line diff against the one before."""
    permissions.check_view_revisions(viewer, post)
    revisions = list(post.revisions.select_related("editor").order_by("created_at", "id"))
    sources = [r.source for r in revisions] + [post.source]
    editors = [post.author] + [r.editor for r in revisions]
    # Revision i holds the text *before* edit i; edit i was made by revision i's editor at its time.
    times = [post.created_at] + [r.created_at for r in revisions]
    versions = []
    for i, source in enumerate(sources):
        previous = sources[i - 1] if i else ""
        diff = []
        if i:
            for line in difflib.ndiff(previous.splitlines(), source.splitlines()):
                tag = line[:2]
                if tag == "? ":
                    continue
                diff.append(({"+ ": "added", "- ": "removed"}.get(tag, "same"), line[2:]))
        versions.append(Version(number=i + 1, source=source, editor=editors[i], created_at=times[i], diff=diff))
    return versions


def reactions_of_post(*, post: Post, viewer) -> dict[str, list]:
    """Who reacted with what (the "who reacted" page)."""
    permissions.check_view_post(viewer, post)
    out: dict[str, list] = {}
    for r in Reaction.objects.filter(post=post).select_related("user").order_by("emoji", "created_at"):
        out.setdefault(r.emoji, []).append(r.user)
    return out
