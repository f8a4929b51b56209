"""Helpers of the HTTP authorisation matrix (tests/test_authorization_matrix_http.py).

- `build_world()`: one small forum (organisations, categories, threads in every state, a user of
  every role) made directly with the ORM, fast enough to build once per test.
- `forum_urls()`: every named URL of the project's own URLconf (allauth's and the admin's own
  pages excepted), so a new view without a row in the matrix fails the coverage test.
- `snapshot()`: every row of the forum's tables (and the account tables allauth keeps for us), to
  prove that a refused request changed nothing.
"""

from __future__ import annotations

import functools
import io
import itertools
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

ROLES = (
    "anonymous", "member", "representative", "category_moderator", "moderator", "admin",
    "observer", "expired_observer", "suspended_member", "mfa_less_moderator",
)
PASSWORD = "correct-horse-battery"
HIDDEN_TEXT = "Hidden secret text"  # the hidden post's text: no page may carry it

# Apps whose rows a refused request must leave alone: ours, and allauth's accounts and MFA.
SNAPSHOT_APPS = ("accounts", "organisations", "notifications", "categories", "discussions", "live", "audit",
                 "moderation", "polls", "account", "mfa", "consultations")
# Fields a request may change without being an action: signing in stamps last_login.
VOLATILE_FIELDS = {("accounts", "user"): {"last_login"}}

_n = itertools.count(1)


# --- The URLconf ---------------------------------------------------------------------------------

def _is_foreign(resolver: URLResolver) -> bool:
    """allauth's own pages and the Django admin: they have their own tests (one admin row is explicit)."""
    module = resolver.urlconf_name
    module_name = module if isinstance(module, str) else getattr(module, "__name__", "")
    return resolver.namespace == "admin" or module_name.startswith("allauth")


@functools.cache
def forum_urls() -> dict[str, object]:
    """{"namespace:name": view function} for every named pattern of the project's URLconf."""
    found: dict[str, object] = {}

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if _is_foreign(pattern):
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found[f"{namespace}{pattern.name}"] = pattern.callback

    walk(get_resolver().url_patterns, "")
    return found


# --- The database, before and after ----------------------------------------------------------

@functools.cache
def _snapshot_queries() -> tuple[tuple[str, str, tuple], ...]:
    """(table label, SQL, params) reading every row of each table; compiled once (a cell takes two)."""
    queries = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in SNAPSHOT_APPS or meta.proxy:
            continue
        skip = VOLATILE_FIELDS.get((meta.app_label, meta.model_name), set())
        names = [f.attname for f in meta.concrete_fields if f.name not in skip]
        sql, params = model.objects.order_by("pk").values_list(*names).query.sql_with_params()
        queries.append((meta.label, sql, tuple(params)))
    return tuple(queries)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table a request could touch, in primary-key order (a few dozen rows)."""
    state = {}
    with connection.cursor() as cursor:
        for label, sql, params in _snapshot_queries():
            cursor.execute(sql, params)
            state[label] = cursor.fetchall()
    return state


def differences(before: dict, after: dict) -> list[str]:
    """Which tables changed, for a readable failure message."""
    return [label for label in before if before[label] != after[label]]


# --- The world ---------------------------------------------------------------------------------

def tiny_png(colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class World:
    users: dict
    org: object
    category: object
    other_category: object
    thread: object
    root: object
    reply: object
    hidden_post: object
    locked_thread: object
    locked_post: object
    deleted_thread: object
    notifications: dict
    invitation: object
    target_membership: object
    attachment: object
    hidden_attachment: object
    restricted_category: object
    restricted_thread: object
    warning: object
    # Live sessions: open for all members (the representative organises it, the observer is invited),
    # and two closed ones (one off the record) for the transcript.
    live_session: object = None
    live_question: object = None
    live_message: object = None  # the member's, in the open session (only they may edit it)
    closed_session: object = None
    off_record_session: object = None
    spare_observer: object = None
    # The live room's message (by the member), flagged into the review queue at the room's session.
    live_message: object = None
    live_review_item: object = None
    # Moderation: a rule, the reply flagged (by another member), a decision on the hidden post with a
    # pending appeal (by the moderator, against the representative), a warning to the author.
    rule: object = None
    review_item: object = None
    appealed_action: object = None
    appeal: object = None
    warn_action: object = None
    # Another session of the member (another device), for "sign out this session".
    member_session: object = None
    # A ban awaiting a second moderator (imposed by the global moderator).
    pending_restriction: object = None
    # Pre-moderation: the author's reply held for approval, its queue item, and a watched word.
    held_post: object = None
    held_item: object = None
    watched_word: object = None
    # Polls: an open one for all members (public voters) in a thread of the member's, one with one
    # vote per organisation, and a thread of the member's without a poll.
    poll: object = None
    organisation_poll: object = None
    bare_thread: object = None
    # Consultations, organised by the global moderator: an open one with the position of the world's
    # organisation (signed by its representative), and a closed one.
    consultation: object = None
    position: object = None
    closed_consultation: object = None

    @property
    def author(self):
        return self.users["member"]


def _user(*, role: str, organisation=None, representative: bool = False, suspended: bool = False,
          access_days: int | None = None, mfa: bool = False):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from forum.accounts.models import Restriction, User
    from forum.organisations.models import Membership

    n = next(_n)
    email = f"matrix{n}@example.org"
    user = User.objects.create_user(email=email, password=PASSWORD, role=role, display_name=f"Matrix {role} {n}")
    user.display_name_key = user.display_name.casefold()
    if role == "admin":
        user.is_staff = user.is_superuser = True
    if access_days is not None:
        user.access_ends_at = timezone.now() + timedelta(days=access_days)
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    if organisation is not None:
        Membership.objects.create(user=user, organisation=organisation,
                                  kind="representative" if representative else "member")
    if suspended:
        Restriction.objects.create(user=user, kind="suspension", scope="site", reason="matrix")
    if mfa:
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "unused"})
    return user


def _post(*, thread, author, source: str, parent=None, **extra):
    from forum.core.richtext import render_post
    from forum.discussions.models import Post
    from forum.discussions.services._common import _segment

    post = Post.objects.create(thread=thread, author=author, source=source, html=render_post(source),
                               parent=parent, path="", depth=0 if parent is None else parent.depth + 1, **extra)
    post.path = _segment(post.pk) if parent is None else f"{parent.path}/{_segment(post.pk)}"
    Post.objects.filter(pk=post.pk).update(path=post.path)
    return post


def _thread(*, category, author, title: str, **extra):
    from forum.discussions.models import Thread

    return Thread.objects.create(category=category, author=author, title=title, last_activity_at=timezone.now(),
                                 **extra)


def build_world() -> World:
    """A user of every role, and a thread in every state they act on (a few dozen rows)."""
    from django.core.files.base import ContentFile

    from forum.accounts.models import ObserverGrant
    from forum.categories.models import Category
    from forum.discussions.models import Attachment, PostRevision
    from forum.notifications.models import Notification
    from forum.organisations.models import Invitation, Organisation

    n = next(_n)
    org = Organisation.objects.create(name=f"Horizon {n}", slug=f"horizon-{n}", seat_limit=25)
    category = Category.objects.create(name="Water rights", slug=f"water-{n}")
    other_category = Category.objects.create(name="Elsewhere", slug=f"elsewhere-{n}")
    # Open to no organisation and no role: only global moderators see it.
    restricted_category = Category.objects.create(name="Council room", slug=f"council-{n}",
                                                  visibility=Category.Visibility.RESTRICTED)
    users = {
        "anonymous": None,
        "member": _user(role="member", organisation=org),
        "representative": _user(role="member", organisation=org, representative=True, mfa=True),
        "category_moderator": _user(role="member", mfa=True),
        "moderator": _user(role="moderator", mfa=True),
        "admin": _user(role="admin", mfa=True),
        "observer": _user(role="observer", access_days=10),
        "expired_observer": _user(role="observer", access_days=-1),
        "suspended_member": _user(role="member", organisation=org, suspended=True),
        "mfa_less_moderator": _user(role="moderator"),
    }
    category.moderators.add(users["category_moderator"])
    ObserverGrant.objects.bulk_create(
        ObserverGrant(user=users[name], scope="category", object_id=category.pk)
        for name in ("observer", "expired_observer"))
    author = users["member"]
    thread = _thread(category=category, author=author, title="Wells of Idlib")
    root = _post(thread=thread, author=author, source="Opening **words**")
    reply = _post(thread=thread, author=author, source="A reply by its author", parent=root)
    PostRevision.objects.create(post=reply, editor=author, source="An earlier reply text")
    hidden_post = _post(thread=thread, author=users["representative"], source=HIDDEN_TEXT,
                        parent=root, hidden_at=timezone.now())
    PostRevision.objects.create(post=hidden_post, editor=users["representative"], source="Hidden first draft")
    locked_thread = _thread(category=category, author=author, title="Closed debate", locked=True)
    locked_post = _post(thread=locked_thread, author=author, source="Locked opening")
    restricted_thread = _thread(category=restricted_category, author=users["moderator"], title="Quiet council")
    _post(thread=restricted_thread, author=users["moderator"], source="Council minutes")
    deleted_thread = _thread(category=category, author=author, title="Withdrawn topic", deleted_at=timezone.now())
    _post(thread=deleted_thread, author=author, source="Withdrawn opening")
    notifications = {
        name: Notification.objects.create(recipient=user, kind="reply", url=thread.get_absolute_url(),
                                          data={"thread_title": thread.title})
        for name, user in users.items() if user is not None
    }
    invitation = Invitation.objects.create(email=f"invitee{n}@example.org", organisation=org, role="member",
                                           inviter=users["representative"], key=f"{n:040d}",
                                           expires_at=timezone.now() + timedelta(days=3))
    target = _user(role="member", organisation=org)
    attachments = []
    for post in (reply, hidden_post):
        attachment = Attachment(post=post, uploader=post.author, content_type="image/png", size=10, width=2,
                                height=2)
        attachment.file.save(f"matrix-{n}-{post.pk}.png", ContentFile(tiny_png()), save=False)
        attachment.save()
        attachments.append(attachment)
    from forum.accounts.models import Restriction
    from forum.audit.services import record

    warning = Restriction.objects.create(user=author, kind="warning", reason="Mind the tone")
    record(actor=users["moderator"], verb="thread.lock", target=thread, reason="Heated")
    live = _live_sessions(users=users, category=category)
    moderation = _moderation_world(users=users, category=category, reply=reply, hidden_post=hidden_post,
                                   reporter=target)
    from allauth.usersessions.models import UserSession

    member_session = UserSession.objects.create(user=author, session_key=f"matrix-other-{n}", ip="192.0.2.1",
                                                user_agent="Matrix phone")
    polls = _polls(users=users, category=category)
    return World(**moderation, **polls, member_session=member_session, users=users, org=org, category=category, other_category=other_category, thread=thread,
                 root=root, reply=reply, hidden_post=hidden_post, locked_thread=locked_thread,
                 locked_post=locked_post, deleted_thread=deleted_thread, notifications=notifications,
                 invitation=invitation, target_membership=target.memberships.get(),
                 attachment=attachments[0], hidden_attachment=attachments[1],
                 restricted_category=restricted_category, restricted_thread=restricted_thread,
                 warning=warning, **live, **_consultations(users=users, category=category, org=org))


def _consultations(*, users, category, org) -> dict:
    from forum.consultations.models import Consultation, Position, PositionRevision, SubQuestion

    organiser = users["moderator"]
    now = timezone.now()

    def make(title, deadline):
        thread = _thread(category=category, author=organiser, title=title)
        _post(thread=thread, author=organiser, source=title)
        consultation = Consultation.objects.create(thread=thread, question=f"{title}?", deadline=deadline,
                                                   created_by=organiser)
        consultation.organisers.add(organiser)
        SubQuestion.objects.create(consultation=consultation, number=1, text="Matrix sub-question")
        return consultation

    consultation = make("Matrix charter", now + timedelta(days=3))
    closed = make("Matrix budget", now - timedelta(days=1))
    position = Position.objects.create(consultation=consultation, organisation=org, signed_by=users["representative"],
                                       stance="against", source="Matrix position text", html="<p>Matrix position text</p>",
                                       updated_at=now)
    PositionRevision.objects.create(position=position, number=1, signed_by=users["representative"], stance="against",
                                    source="Matrix position text", html="<p>Matrix position text</p>")
    return {"consultation": consultation, "position": position, "closed_consultation": closed}


def _polls(*, users, category) -> dict:
    from forum.polls.models import Poll

    author, now = users["member"], timezone.now()

    def poll(title, **fields):
        thread = _thread(category=category, author=author, title=title)
        _post(thread=thread, author=author, source=f"{title} opening")
        made = Poll.objects.create(thread=thread, question=f"{title}?", created_by=author, secret=False,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=2), **fields)
        made.options.create(label="Matrix yes", position=0)
        made.options.create(label="Matrix no", position=1)
        return made

    bare = _thread(category=category, author=author, title="Matrix thread without a poll")
    _post(thread=bare, author=author, source="No poll yet")
    return {"poll": poll("Matrix poll"), "organisation_poll": poll("Matrix organisations poll",
                                                                     electorate="organisations"),
            "bare_thread": bare}


def _live_sessions(*, users, category) -> dict:
    """An open session for all members with a message and a question, organised by the
    representative, the observer invited; a closed one and a closed off-the-record one (each with a
    message) in the category; and an observer not invited yet. Rows made directly (no events)."""
    import uuid

    from forum.accounts.models import ObserverGrant
    from forum.core.richtext import render_chat
    from forum.live.models import ChatMessage, LiveSession, Question

    now = timezone.now()

    said = {}

    def session(title, **extra):
        made = LiveSession.objects.create(title=title, starts_at=now - timedelta(hours=1),
                                          ends_at=now + timedelta(hours=1), category=category, last_seq=1,
                                          **extra)
        said[title] = ChatMessage.objects.create(session=made, seq=1, author=users["member"], client_id=uuid.uuid4(),
                                                 source=f"Said in {title}", html=render_chat(f"Said in {title}"))
        return made

    live = session("Matrix live room", state="open", opened_at=now)
    live.organisers.add(users["representative"])
    question = Question.objects.create(session=live, author=users["member"], client_id=uuid.uuid4(),
                                       source="Matrix question?", html=render_chat("Matrix question?"), seq=2)
    LiveSession.objects.filter(pk=live.pk).update(last_seq=2)
    from forum.moderation.models import Flag, ReviewItem

    message = live.messages.get()
    live_review_item = ReviewItem.objects.create(kind="message", object_id=message.pk, session_id=live.pk,
                                                 author=message.author, flaggers=1, severity=2, score=12,
                                                 reasons=["spam"], first_flagged_at=now)
    Flag.objects.create(item=live_review_item, reporter=users["representative"], reason="spam")
    ObserverGrant.objects.create(user=users["observer"], scope="session", object_id=live.pk)
    closed = session("Matrix closed room", state="closed", opened_at=now, closed_at=now)
    off_record = session("Matrix off-record room", state="closed", opened_at=now, closed_at=now,
                         off_the_record=True)
    return {"live_session": live, "live_question": question, "closed_session": closed,
            "live_message": message, "live_review_item": live_review_item,
            "off_record_session": off_record, "spare_observer": _user(role="observer", access_days=10)}


def _moderation_world(*, users, category, reply, hidden_post, reporter) -> dict:
    from forum.moderation.models import Action, Appeal, Flag, ReviewItem, Rule, WatchedWord

    now = timezone.now()
    rule = Rule.objects.create(title_en="Matrix rule", title_ar="قاعدة", title_fr="Règle")
    review_item = ReviewItem.objects.create(kind="post", object_id=reply.pk, category=category, author=reply.author,
                                            flaggers=1, severity=2, score=12, reasons=["spam"], first_flagged_at=now)
    Flag.objects.create(item=review_item, reporter=reporter, reason="spam")
    hidden_item = ReviewItem.objects.create(kind="post", object_id=hidden_post.pk, category=category,
                                            author=hidden_post.author, state="actioned", flaggers=1, severity=3,
                                            score=13, reasons=["harassment"], first_flagged_at=now)
    appealed_action = Action.objects.create(item=hidden_item, kind="hide", rule=rule, actor=users["moderator"],
                                            subject=hidden_post.author)
    appeal = Appeal.objects.create(action=appealed_action, appellant=hidden_post.author, statement="Matrix appeal")
    warning = Action.objects.create(item=review_item, kind="warn", rule=rule, actor=users["moderator"],
                                    subject=reply.author)
    held_post = _post(thread=reply.thread, author=reply.author, source="Matrix held reply", parent=reply.parent,
                      awaiting_review=True, hidden_at=now, hidden_reason={"premoderation": True})
    held_item = ReviewItem.objects.create(kind="post", object_id=held_post.pk, category=category, author=reply.author,
                                          held=True, severity=3, score=3, reasons=["premoderation"],
                                          first_flagged_at=now)
    watched_word = WatchedWord.objects.create(text="Matrix watched", kind="word", action="flag")
    from forum.accounts.models import Restriction

    # On the already suspended member: a pending row on the representative would take them off the
    # live session's organiser choices.
    pending = Restriction.objects.create(user=users["suspended_member"], kind="ban", reason="Matrix pending",
                                         pending_confirmation=True, created_by=users["moderator"])
    return {"rule": rule, "review_item": review_item, "appealed_action": appealed_action, "appeal": appeal,
            "warn_action": warning, "pending_restriction": pending, "held_post": held_post, "held_item": held_item,
            "watched_word": watched_word}

