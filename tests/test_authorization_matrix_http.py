"""Every role against every view and form, over real HTTP (the Django test client).

`ROWS` is the one table: for each URL name and method (sometimes a variant: a locked thread, a
hidden post), which roles may, and what "it happened" means. For each role:
- allowed: the effect happened (a row created or changed, or the page with its content);
- refused: the right status (302 to sign in for visitors, 302 to enrolment for a privileged page
  opened without a second factor, 403 or 404 otherwise, or what the row says) and not one row of
  the database changed (`authz_http.snapshot`).
The URL names come from the URLconf itself (allauth's and the admin's own pages excepted; one admin
row is explicit): a new view without a row fails `test_every_view_has_a_row`.

Rows marked PENDING(h-mfa) or PENDING(h-small1) state the intended rule of the Hardening issue that
another branch implements (a moderator without MFA is refused every privileged power, reads
included; /preview/ and profile edits need good standing). They fail until that branch is merged.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from forum.accounts.decorators import is_privileged_view
from tests.authz_http import HIDDEN_TEXT, ROLES, build_world, differences, forum_urls, snapshot, tiny_png

pytestmark = pytest.mark.django_db

SIGNED_IN = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)
FULL = frozenset({"member", "representative", "category_moderator", "moderator", "admin", "mfa_less_moderator"})
READERS = FULL | {"observer"}  # observers read (and reply in) the category they were granted
PARTICIPANTS = READERS
MODERATORS = frozenset({"category_moderator", "moderator", "admin"})
GLOBAL_MODERATORS = frozenset({"moderator", "admin"})
ORG_MANAGERS = frozenset({"representative", "admin"})
LIVE_ORGANISERS = GLOBAL_MODERATORS | {"representative"}  # the representative organises the live session


@dataclass(frozen=True)
class Row:
    url: str  # the URL name
    method: str  # "get" or "post"
    allowed: frozenset
    effect: Callable  # (world, user, response) -> bool: the action happened / the page shows it
    kwargs: Callable = lambda w: {}
    data: Callable = lambda w, u: {}
    query: str = ""
    variant: str = ""
    refused_status: frozenset = frozenset({403, 404})
    pending: str = ""  # the branch that brings the intended rule (see the module docstring)
    reauthenticated: bool = False  # the view asks for the password again: the client just gave it
    visitor_sent_to_login: bool = True  # False: a visitor gets the 404 every outsider gets

    @property
    def id(self) -> str:
        return "-".join(filter(None, (self.url, self.method, self.variant)))


# --- Effects -------------------------------------------------------------------------------------

def shows(*texts: str, status: int = 200):
    def effect(w, u, response):
        body = response.content.decode(errors="replace")
        return response.status_code == status and all(text in body for text in texts)
    return effect


def redirects_to(target: Callable[[object, object], str] | str):
    def effect(w, u, response):
        url = target(w, u) if callable(target) else target
        return response.status_code == 302 and response["Location"].split("#")[0] == url
    return effect


def ok(status: int = 200):
    return lambda w, u, response: response.status_code == status


def refreshed(obj):
    obj.refresh_from_db()
    return obj


def thread_kw(name: str = "thread"):
    return lambda w: {"thread_id": getattr(w, name).pk}


def poll_kw(name: str = "poll"):
    return lambda w: {"poll_id": getattr(w, name).pk}


def poll_of(thread, question: str) -> bool:
    from forum.polls.models import Poll

    return Poll.objects.filter(thread=thread, question=question).exists()


def poll_form() -> dict:
    from django.utils import timezone as tz

    closes = tz.localtime(tz.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    return {"question": "Matrix question?", "options": "One\nTwo", "kind": "single", "electorate": "members",
            "results": "always", "closes_at": closes}


def voted(name: str):
    def effect(w, u, response):
        from forum.polls.models import Ballot

        return response.status_code == 302 and Ballot.objects.filter(poll=getattr(w, name), voter=u).exists()
    return effect


def post_kw(name: str = "reply"):
    return lambda w: {"post_id": getattr(w, name).pk}


def new_post_in(name: str):
    def effect(w, u, response):
        thread = getattr(w, name)
        return response.status_code == 302 and thread.posts.filter(author=u, source="Matrix reply").exists()
    return effect


def reacted(name: str):
    def effect(w, u, response):
        from forum.discussions.models import Reaction

        return Reaction.objects.filter(post=getattr(w, name), user=u).exists()
    return effect


def subscribed(**lookup):
    def effect(w, u, response):
        from forum.discussions.models import Subscription

        target = {key: getattr(w, value) for key, value in lookup.items()}
        return response.status_code == 302 and Subscription.objects.filter(user=u, level="watch", **target).exists()
    return effect


def unsubscribe_token(w):
    from forum.notifications.services import unsubscribe_token as token_for

    return {"token": token_for(w.author)}


def email_preference_is(value: str, *, of_author: bool = False):
    def effect(w, u, response):
        from forum.notifications.models import NotificationPreference

        owner = w.author if of_author else u
        return NotificationPreference.objects.filter(user=owner, email=value).exists()
    return effect


def leaks(response) -> bool:
    """Whether a page carries the text of the hidden post."""
    return HIDDEN_TEXT in response.content.decode(errors="replace")


def reads_hidden_text(w, u) -> bool:
    """The hidden post's author and the category's moderators (with a second factor) read its text."""
    return u is not None and (u.pk == w.hidden_post.author_id
                              or u.pk in {w.users[r].pk for r in ("category_moderator", "moderator", "admin")})


def joined(email: str) -> bool:
    from forum.organisations.models import JoinRequest

    return JoinRequest.objects.filter(email=email).exists()


def invitation_token(w):
    from forum.organisations.services import invitation_token as token_for

    return {"token": token_for(w.invitation)}


def session_kw(name: str = "live_session"):
    return lambda w: {"session_id": getattr(w, name).pk}


def session_form(title: str, **extra) -> dict:
    from django.utils import timezone as tz

    start = tz.localtime(tz.now() + timedelta(days=1))
    return {"title": title, "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "audience": "members",
            "mode": "both", **extra}


def live_session_made(title: str, user) -> bool:
    from forum.live.models import LiveSession

    return LiveSession.objects.filter(title=title, organisers=user).exists()


def said(session, user, body: str) -> bool:
    return session.messages.filter(author=user, source=body).exists()


def asked(session, user, body: str) -> bool:
    return session.questions.filter(author=user, source=body).exists()


def invited(observer, session) -> bool:
    from forum.accounts.models import ObserverGrant

    return ObserverGrant.objects.filter(user=observer, scope="session", object_id=session.pk).exists()


def consultation_kw(name: str = "consultation"):
    return lambda w: {"consultation_id": getattr(w, name).pk}


def consultation_form(title: str, w) -> dict:
    from django.utils import timezone as tz

    deadline = tz.localtime(tz.now() + timedelta(days=5))
    return {"category": w.category.pk, "title": title, "question": "Matrix question?",
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M"), "sub_questions": "One\nTwo"}


def consultation_made(title: str, user) -> bool:
    from forum.consultations.models import Consultation

    return Consultation.objects.filter(thread__title=title, created_by=user).exists()


def _admin_login_or_account_login(response) -> bool:
    return response.status_code == 302 and "login" in response["Location"]


# --- The table -------------------------------------------------------------------------------------

ROWS = [
    # core
    Row("home", "get", EVERYONE, lambda w, u, r: r.status_code == (302 if u else 200)),
    Row("healthz", "get", EVERYONE, shows('"status"')),
    # By address, not by role: the matrix's client is 127.0.0.1, which FORUM_METRICS_ALLOWED_IPS admits;
    # tests/core/test_metrics.py refuses it from outside (404) and admits the token.
    Row("metrics", "get", EVERYONE, shows("madaniya_open_sockets")),
    Row("style_guide", "get", frozenset({"admin"}), shows('class="style-section"', "icons.svg#thumbs-up")),
    Row("javascript_catalog", "get", EVERYONE, shows("django.catalog")),
    Row("javascript_catalogue", "get", EVERYONE, shows("django.catalog"),
        kwargs=lambda w: {"language": "ar", "version": "0" * 12}),
    Row("set_language", "post", EVERYONE,
        lambda w, u, r: r.status_code == 302 and r.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
        and (u is None or refreshed(u).preferred_language == "fr"),
        data=lambda w, u: {"language": "fr", "next": "/"}),
    # PENDING(h-small1): /preview/ asks the posting permission (suspended, expired observers: 403).
    Row("preview", "post", PARTICIPANTS, shows("<strong>bold</strong>"),
        data=lambda w, u: {"source": "**bold**"}, pending="h-small1"),
    # accounts
    Row("accounts:me", "get", SIGNED_IN, redirects_to(lambda w, u: reverse("accounts:profile",
                                                                             kwargs={"user_id": u.pk}))),
    Row("accounts:profile", "get", FULL, lambda w, u, r: shows(w.author.display_name)(w, u, r),
        kwargs=lambda w: {"user_id": w.author.pk}),
    # PENDING(h-small1): suspended members and expired observers can no longer change name and bio.
    Row("accounts:profile_edit", "get", SIGNED_IN - {"suspended_member", "expired_observer"},
        shows('name="display_name"'), pending="h-small1"),
    Row("accounts:profile_edit", "post", SIGNED_IN - {"suspended_member", "expired_observer"},
        lambda w, u, r: r.status_code == 302 and refreshed(u).bio == "Matrix bio",
        data=lambda w, u: {"display_name": u.display_name if u else "Visitor", "bio": "Matrix bio",
                           "preferred_language": ""},
        pending="h-small1"),
    Row("accounts:settings", "get", SIGNED_IN, ok()),
    Row("accounts:data_export", "get", SIGNED_IN, ok()),
    Row("accounts:data_export", "post", SIGNED_IN,
        lambda w, u, r: r.status_code == 200 and r["Content-Type"].startswith("application/json")
        and u.email in r.content.decode(),
        reauthenticated=True),
    Row("accounts:standing", "get", SIGNED_IN, shows("Account status")),
    # Only the warned member acknowledges their warning (404 for everyone else: not theirs).
    Row("accounts:warning_seen", "post", frozenset({"member"}),
        lambda w, u, r: r.status_code == 302 and refreshed(w.warning).seen_at is not None,
        kwargs=lambda w: {"restriction_id": w.warning.pk}),
    # Only its member signs out another of their sessions (404 for everyone else: not theirs).
    Row("accounts:session_end", "post", frozenset({"member"}),
        lambda w, u, r: r.status_code == 302 and not type(w.member_session).objects.filter(
            pk=w.member_session.pk).exists(),
        kwargs=lambda w: {"session_id": w.member_session.pk}),
    Row("accounts:delete", "get", SIGNED_IN, shows('name="confirm"')),
    # The only administrator may not leave the federation without one (400, the form says why).
    Row("accounts:delete", "post", SIGNED_IN - {"admin"},
        lambda w, u, r: r.status_code == 302 and refreshed(u).deleted_at is not None,
        data=lambda w, u: {"confirm": "on"}, reauthenticated=True, refused_status=frozenset({400})),
    # organisations
    Row("organisations:index", "get", FULL, lambda w, u, r: shows(w.org.name)(w, u, r)),
    Row("organisations:detail", "get", FULL, lambda w, u, r: shows(w.org.name)(w, u, r),
        kwargs=lambda w: {"slug": w.org.slug}),
    Row("organisations:invite", "post", ORG_MANAGERS,
        lambda w, u, r: r.status_code == 302 and w.org.invitations.filter(email="fresh@example.org").exists(),
        kwargs=lambda w: {"slug": w.org.slug},
        data=lambda w, u: {"email": "fresh@example.org", "role": "member", "language": "en"}),
    Row("organisations:invitation_revoke", "post", ORG_MANAGERS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.invitation).revoked_at is not None,
        kwargs=lambda w: {"slug": w.org.slug, "invitation_id": w.invitation.pk}),
    # Destructive actions ask first, on a page (no JavaScript needed); asking changes nothing.
    Row("organisations:invitation_revoke", "get", ORG_MANAGERS,
        lambda w, u, r: r.status_code == 200 and refreshed(w.invitation).revoked_at is None
        and w.invitation.email in r.content.decode(),
        kwargs=lambda w: {"slug": w.org.slug, "invitation_id": w.invitation.pk}),
    Row("organisations:member_remove", "get", ORG_MANAGERS,
        lambda w, u, r: r.status_code == 200 and type(w.target_membership).objects.filter(
            pk=w.target_membership.pk).exists(),
        kwargs=lambda w: {"slug": w.org.slug, "membership_id": w.target_membership.pk}),
    Row("organisations:member_remove", "post", ORG_MANAGERS,
        lambda w, u, r: r.status_code == 302 and not type(w.target_membership).objects.filter(
            pk=w.target_membership.pk).exists(),
        kwargs=lambda w: {"slug": w.org.slug, "membership_id": w.target_membership.pk}),
    # The link of an invitation email is for a visitor; a signed-in user is asked to sign out (409).
    Row("organisations:invitation_accept", "get", frozenset({"anonymous"}),
        redirects_to(lambda w, u: reverse("account_signup")), kwargs=invitation_token,
        refused_status=frozenset({409})),
    # Requests to join come from visitors; signed-in users are sent home.
    Row("organisations:join_request", "get", frozenset({"anonymous"}), shows('name="email"'),
        refused_status=frozenset({302})),
    Row("organisations:join_request", "post", frozenset({"anonymous"}),
        lambda w, u, r: r.status_code == 302 and joined("joiner@example.org"),
        data=lambda w, u: {"email": "joiner@example.org", "display_name": "Joiner",
                           "organisation_name": "Wells", "message": "We work on water."},
        refused_status=frozenset({302})),
    Row("organisations:join_request_sent", "get", EVERYONE, ok()),
    # notifications
    Row("notifications:index", "get", SIGNED_IN, ok()),
    Row("notifications:open", "get", frozenset({"member"}),
        lambda w, u, r: r.status_code == 302 and refreshed(w.notifications["member"]).read_at is not None,
        kwargs=lambda w: {"notification_id": w.notifications["member"].pk}),
    Row("notifications:mark_all_read", "post", SIGNED_IN,
        lambda w, u, r: r.status_code == 302 and not u.notifications.filter(read_at__isnull=True).exists()),
    Row("notifications:settings", "get", SIGNED_IN, shows('name="email"')),
    Row("notifications:settings", "post", SIGNED_IN, email_preference_is("never"),
        data=lambda w, u: {"email": "never"}),
    # The token in the mail is the authority (RFC 8058 one-click): whoever holds it may use it.
    Row("notifications:unsubscribe", "get", EVERYONE, ok(), kwargs=unsubscribe_token),
    Row("notifications:unsubscribe", "post", EVERYONE, email_preference_is("never", of_author=True),
        kwargs=unsubscribe_token),
    # categories: a signed-in user who may read nothing (suspended, observer access ended) is sent to
    # the page saying why (accounts:standing)
    Row("categories:index", "get", READERS, lambda w, u, r: shows(w.category.name)(w, u, r),
        refused_status=frozenset({302})),
    Row("categories:detail", "get", READERS, lambda w, u, r: shows(w.thread.title)(w, u, r),
        kwargs=lambda w: {"slug": w.category.slug}),
    Row("categories:rows", "get", READERS, lambda w, u, r: shows(w.thread.title)(w, u, r),
        kwargs=lambda w: {"slug": w.category.slug}, query="ids={thread}"),
    # The live list asks for rows by id: only this category's threads the reader may see come back.
    # PENDING(h-mfa): a deleted thread's row is a privileged read.
    Row("categories:rows", "get", MODERATORS, lambda w, u, r: shows(w.deleted_thread.title)(w, u, r),
        kwargs=lambda w: {"slug": w.category.slug}, query="ids={deleted}", variant="deleted",
        refused_status=frozenset({200, 404}), pending="h-mfa"),
    Row("categories:rows", "get", frozenset(), lambda w, u, r: shows(w.restricted_thread.title)(w, u, r),
        kwargs=lambda w: {"slug": w.category.slug}, query="ids={restricted}", variant="other-category",
        refused_status=frozenset({200, 404})),
    # PENDING(h-mfa), from the principle "without MFA a moderator reads like a member": a category
    # open to no organisation and no role is seen by global moderators only.
    Row("categories:detail", "get", GLOBAL_MODERATORS, lambda w, u, r: shows(w.restricted_thread.title)(w, u, r),
        kwargs=lambda w: {"slug": w.restricted_category.slug}, variant="restricted", pending="h-mfa"),
    # discussions: reading
    Row("discussions:thread", "get", READERS, lambda w, u, r: shows(w.thread.title, "Opening")(w, u, r),
        kwargs=thread_kw()),
    # PENDING(h-mfa): a deleted thread is a privileged read; without MFA it is refused.
    Row("discussions:thread", "get", MODERATORS, lambda w, u, r: shows(w.deleted_thread.title)(w, u, r),
        kwargs=thread_kw("deleted_thread"), variant="deleted", pending="h-mfa"),
    Row("discussions:thread", "get", GLOBAL_MODERATORS, lambda w, u, r: shows(w.restricted_thread.title)(w, u, r),
        kwargs=thread_kw("restricted_thread"), variant="restricted", pending="h-mfa"),
    # A hidden post's text is shown on the page only to its author and the category's moderators
    # (beside "hidden by the moderators: <rule>"); every other reader sees the placeholder.
    Row("discussions:post_fragment", "get", READERS,
        lambda w, u, r: r.status_code == 200 and leaks(r) == reads_hidden_text(w, u),
        kwargs=lambda w: {"thread_id": w.thread.pk, "post_id": w.hidden_post.pk}, variant="hidden"),
    Row("discussions:thread", "get", READERS,
        lambda w, u, r: shows(w.thread.title)(w, u, r) and leaks(r) == reads_hidden_text(w, u), kwargs=thread_kw(),
        variant="hidden-text"),
    Row("discussions:post", "get", READERS,
        lambda w, u, r: r.status_code == 302 and r["Location"].endswith(f"#post-{w.reply.pk}"),
        kwargs=post_kw()),
    Row("discussions:post_fragment", "get", READERS, lambda w, u, r: shows("A reply by its author")(w, u, r),
        kwargs=lambda w: {"thread_id": w.thread.pk, "post_id": w.reply.pk}),
    # Who reacted, a post's history and an image are not pages a visitor is sent to sign in for:
    # they get the same 404 as anyone who may not know the post exists.
    Row("discussions:post_reactions", "get", READERS, ok(), kwargs=post_kw(), visitor_sent_to_login=False),
    Row("discussions:post_revisions", "get", READERS, shows("An earlier reply text"), kwargs=post_kw(),
        visitor_sent_to_login=False),
    # PENDING(h-mfa): the history of a hidden post is a privileged read.
    Row("discussions:post_revisions", "get", MODERATORS, shows("Hidden first draft"),
        kwargs=post_kw("hidden_post"), variant="hidden", pending="h-mfa", visitor_sent_to_login=False),
    Row("discussions:thread_unread", "get", READERS, lambda w, u, r: r.status_code == 302, kwargs=thread_kw()),
    Row("discussions:attachment", "get", READERS,
        lambda w, u, r: r.status_code == 200 and r["Content-Type"] == "image/png",
        kwargs=lambda w: {"attachment_id": w.attachment.pk}, visitor_sent_to_login=False),
    # PENDING(h-mfa): an image of a hidden post: its uploader (the representative) and moderators.
    Row("discussions:attachment", "get", MODERATORS | {"representative"},
        lambda w, u, r: r.status_code == 200 and r["Content-Type"] == "image/png",
        kwargs=lambda w: {"attachment_id": w.hidden_attachment.pk}, variant="hidden", pending="h-mfa",
        visitor_sent_to_login=False),
    # discussions: writing
    Row("discussions:thread_create", "get", FULL, shows('name="title"'),
        kwargs=lambda w: {"slug": w.category.slug}),
    Row("discussions:thread_create", "post", FULL,
        lambda w, u, r: r.status_code == 302 and w.category.threads.filter(title="Matrix thread", author=u).exists(),
        kwargs=lambda w: {"slug": w.category.slug},
        data=lambda w, u: {"title": "Matrix thread", "source": "Matrix opening"}),
    # polls (forum.polls): the member's thread without a poll, and an open poll of theirs for all members
    Row("polls:create", "get", MODERATORS | {"member"}, shows('name="options"'), kwargs=thread_kw("bare_thread")),
    Row("polls:create", "post", MODERATORS | {"member"},
        lambda w, u, r: r.status_code == 302 and poll_of(w.bare_thread, "Matrix question?"),
        kwargs=thread_kw("bare_thread"), data=lambda w, u: poll_form()),
    Row("polls:thread_create", "get", FULL, shows('name="question"'), kwargs=lambda w: {"slug": w.category.slug}),
    Row("polls:thread_create", "post", FULL,
        lambda w, u, r: r.status_code == 302 and w.category.threads.filter(
            title="Matrix poll thread", author=u, poll__question="Matrix question?").exists(),
        kwargs=lambda w: {"slug": w.category.slug},
        data=lambda w, u: {"title": "Matrix poll thread", "source": "Matrix opening", **poll_form()}),
    Row("polls:detail", "get", READERS, shows("Matrix poll?", "Matrix yes"), kwargs=poll_kw()),
    Row("polls:results", "get", READERS, shows("<svg", "Matrix no"), kwargs=poll_kw()),
    Row("polls:vote", "post", FULL, voted("poll"), kwargs=poll_kw(),
        data=lambda w, u: {"choices": [w.poll.options.get(label="Matrix yes").pk]}),
    # One vote per organisation: cast by its representative (with a second factor), by nobody else.
    Row("polls:vote", "post", frozenset({"representative"}), voted("organisation_poll"),
        kwargs=poll_kw("organisation_poll"), variant="organisation",
        data=lambda w, u: {"choices": [w.organisation_poll.options.get(label="Matrix yes").pk]}),
    Row("polls:close", "post", MODERATORS | {"member"},
        lambda w, u, r: r.status_code == 302 and refreshed(w.poll).is_closed(), kwargs=poll_kw()),
    Row("discussions:reply", "get", PARTICIPANTS, shows('name="source"'), kwargs=thread_kw()),
    Row("discussions:reply", "post", PARTICIPANTS, new_post_in("thread"), kwargs=thread_kw(),
        data=lambda w, u: {"source": "Matrix reply"}),
    # PENDING(h-mfa): replying in a locked thread is a moderator's power.
    Row("discussions:reply", "post", MODERATORS, new_post_in("locked_thread"), kwargs=thread_kw("locked_thread"),
        data=lambda w, u: {"source": "Matrix reply"}, variant="locked", pending="h-mfa"),
    # Speaking in the organisation's name is the representative's (with a second factor).
    Row("discussions:reply", "post", frozenset({"representative"}),
        lambda w, u, r: r.status_code == 302 and w.thread.posts.filter(author=u, on_behalf_of=w.org).exists(),
        kwargs=thread_kw(), data=lambda w, u: {"source": "Matrix reply", "on_behalf_of": "on"},
        variant="on-behalf"),
    Row("discussions:reply_to", "get", PARTICIPANTS, shows("A reply by its author"),
        kwargs=lambda w: {"thread_id": w.thread.pk, "post_id": w.reply.pk}),
    Row("discussions:reply_to", "post", PARTICIPANTS, new_post_in("thread"),
        kwargs=lambda w: {"thread_id": w.thread.pk, "post_id": w.reply.pk},
        data=lambda w, u: {"source": "Matrix reply"}),
    Row("discussions:reply_to", "get", PARTICIPANTS,
        lambda w, u, r: r.status_code == 200 and leaks(r) == reads_hidden_text(w, u),
        kwargs=lambda w: {"thread_id": w.thread.pk, "post_id": w.hidden_post.pk}, query="quote=1",
        variant="quote-hidden"),
    Row("discussions:post_edit", "get", MODERATORS | {"member"}, shows("A reply by its author"), kwargs=post_kw()),
    # Nobody edits a hidden post (its text would be in the form).
    Row("discussions:post_edit", "get", frozenset(), lambda w, u, r: leaks(r), kwargs=post_kw("hidden_post"),
        variant="hidden"),
    Row("discussions:post_edit", "post", MODERATORS | {"member"},
        lambda w, u, r: r.status_code == 302 and refreshed(w.reply).source == "Matrix edit",
        kwargs=post_kw(), data=lambda w, u: {"source": "Matrix edit"}),
    Row("discussions:post_delete", "get", frozenset({"member"}), ok(), kwargs=post_kw()),
    Row("discussions:post_delete", "post", frozenset({"member"}),
        lambda w, u, r: r.status_code == 302 and refreshed(w.reply).deleted_at is not None, kwargs=post_kw()),
    # The page of choices behind a card's "Add a reaction" (without JavaScript).
    Row("discussions:post_react", "get", PARTICIPANTS,
        lambda w, u, r: r.status_code == 200 and f'value="{w.reply.pk} 👍"' in r.content.decode(), kwargs=post_kw()),
    Row("discussions:post_react", "get", MODERATORS,
        lambda w, u, r: r.status_code == 200 and f'value="{w.locked_post.pk} 👍"' in r.content.decode(),
        kwargs=post_kw("locked_post"), variant="locked", pending="h-mfa"),
    # Nobody reacts to a hidden post, so its page of choices (which quotes the post) never shows it.
    Row("discussions:post_react", "get", frozenset(), lambda w, u, r: leaks(r), kwargs=post_kw("hidden_post"),
        variant="hidden"),
    Row("discussions:post_react", "post", PARTICIPANTS, reacted("reply"), kwargs=post_kw(),
        data=lambda w, u: {"emoji": "👍"}),
    # PENDING(h-mfa): reacting in a locked thread is a moderator's power.
    Row("discussions:post_react", "post", MODERATORS, reacted("locked_post"), kwargs=post_kw("locked_post"),
        data=lambda w, u: {"emoji": "👍"}, variant="locked", pending="h-mfa"),
    # The thread page's one reactions form: the button's value names the post ("<id> <reaction>").
    Row("discussions:react", "post", PARTICIPANTS, reacted("reply"),
        data=lambda w, u: {"r": f"{w.reply.pk} 👍"}),
    Row("discussions:react", "post", MODERATORS, reacted("locked_post"),
        data=lambda w, u: {"r": f"{w.locked_post.pk} 👍"}, variant="locked", pending="h-mfa"),
    Row("discussions:attachment_upload", "get", SIGNED_IN, shows('name="file"')),
    Row("discussions:attachment_upload", "post", PARTICIPANTS,
        lambda w, u, r: r.status_code == 200 and type(w.attachment).objects.filter(uploader=u).exists(),
        data=lambda w, u: {"file": SimpleUploadedFile("m.png", tiny_png(), content_type="image/png")}),
    # Mention suggestions: whoever may write there (display names only).
    Row("discussions:thread_mentions", "get", PARTICIPANTS,
        lambda w, u, r: r.status_code == 200 and isinstance(r.json().get("names"), list),
        kwargs=thread_kw(), query="q=a"),
    Row("discussions:category_mentions", "get", FULL,
        lambda w, u, r: r.status_code == 200 and isinstance(r.json().get("names"), list),
        kwargs=lambda w: {"category_id": w.category.pk}, query="q=a"),
    # Everyone signed in has a list of followed threads (their own).
    Row("discussions:following", "get", SIGNED_IN, shows("Threads you follow")),
    Row("discussions:thread_subscription", "get", READERS, shows('name="level"'), kwargs=thread_kw()),
    Row("discussions:thread_subscription", "post", READERS, subscribed(thread="thread"), kwargs=thread_kw(),
        data=lambda w, u: {"level": "watch"}),
    Row("discussions:category_subscription", "get", READERS, shows('name="level"'),
        kwargs=lambda w: {"category_id": w.category.pk}),
    Row("discussions:category_subscription", "post", READERS, subscribed(category="category"),
        kwargs=lambda w: {"category_id": w.category.pk}, data=lambda w, u: {"level": "watch"}),
    # discussions: moderating
    Row("discussions:thread_pin", "post", MODERATORS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.thread).pinned, kwargs=thread_kw(),
        data=lambda w, u: {"pinned": "1"}),
    # search
    Row("search:search", "get", READERS, lambda w, u, r: shows(w.thread.title)(w, u, r), query="q=Idlib"),
    # Results never carry what the reader may not see: the page without it (403 for those who may not
    # search at all).
    # PENDING(h-mfa) for the moderator without MFA (see the restricted category above).
    Row("search:search", "get", GLOBAL_MODERATORS, lambda w, u, r: shows(w.restricted_thread.title)(w, u, r),
        query="q=council", variant="restricted", refused_status=frozenset({200, 403}), pending="h-mfa"),
    Row("search:search", "get", frozenset(), lambda w, u, r: leaks(r), query="q=secret", variant="hidden",
        refused_status=frozenset({200, 403})),
    # live sessions: the open room is for all members (the representative organises it, the observer is
    # invited); the closed rooms are for the transcript (one off the record: never).
    Row("live:index", "get", READERS, lambda w, u, r: shows(w.live_session.title)(w, u, r),
        refused_status=frozenset({200})),
    Row("live:create", "get", GLOBAL_MODERATORS, shows('name="starts_at"')),
    Row("live:create", "post", GLOBAL_MODERATORS,
        lambda w, u, r: r.status_code == 302 and live_session_made("Matrix session", u),
        data=lambda w, u: session_form("Matrix session")),
    Row("live:room", "get", READERS, lambda w, u, r: shows(w.live_session.title, "Said in Matrix live room")(w, u, r),
        kwargs=session_kw()),
    Row("live:edit", "get", LIVE_ORGANISERS, shows('name="starts_at"'), kwargs=session_kw()),
    Row("live:edit", "post", LIVE_ORGANISERS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.live_session).title == "Matrix renamed",
        kwargs=session_kw(), data=lambda w, u: session_form("Matrix renamed", organisers=[w.users["representative"].pk])),
    # Observers ask and vote but do not chat.
    Row("live:send", "post", FULL, lambda w, u, r: r.status_code == 302 and said(w.live_session, u, "Matrix chat"),
        kwargs=session_kw(), data=lambda w, u: {"body": "Matrix chat", "client_id": "0c6f4c3e-5f4b-4a4c-9a55-0c1b2f1e0a01"}),
    # Only its author edits a chat message (here the member's, sent just now).
    Row("live:message_edit", "get", frozenset({"member"}), shows("Said in Matrix live room</textarea>"),
        kwargs=lambda w: {"session_id": w.live_session.pk, "message_id": w.live_message.pk}),
    Row("live:message_edit", "post", frozenset({"member"}),
        lambda w, u, r: r.status_code == 302 and refreshed(w.live_message).source == "Matrix edited",
        kwargs=lambda w: {"session_id": w.live_session.pk, "message_id": w.live_message.pk},
        data=lambda w, u: {"body": "Matrix edited"}),
    Row("live:ask", "post", READERS, lambda w, u, r: r.status_code == 302 and asked(w.live_session, u, "Matrix ask?"),
        kwargs=session_kw(), data=lambda w, u: {"body": "Matrix ask?", "client_id": "0c6f4c3e-5f4b-4a4c-9a55-0c1b2f1e0a02"}),
    Row("live:vote", "post", READERS,
        lambda w, u, r: r.status_code == 302 and w.live_question.vote_rows.filter(user=u).exists(),
        kwargs=lambda w: {"session_id": w.live_session.pk, "question_id": w.live_question.pk}),
    Row("live:state", "post", LIVE_ORGANISERS, lambda w, u, r: r.status_code == 302
        and refreshed(w.live_session).state == "closed", kwargs=session_kw(), data=lambda w, u: {"state": "close"}),
    Row("live:history", "get", READERS, lambda w, u, r: shows('"Said in Matrix live room"')(w, u, r),
        kwargs=session_kw(), query="after=0", visitor_sent_to_login=False),
    Row("live:present", "get", READERS, lambda w, u, r: shows("Matrix question?")(w, u, r), kwargs=session_kw()),
    Row("live:calendar", "get", READERS, shows("BEGIN:VCALENDAR", "Matrix live room"), kwargs=session_kw()),
    Row("live:observer_invite", "post", LIVE_ORGANISERS,
        lambda w, u, r: r.status_code == 302 and invited(w.spare_observer, w.live_session),
        kwargs=session_kw(), data=lambda w, u: {"observer": w.spare_observer.pk}),
    Row("live:observer_revoke", "post", LIVE_ORGANISERS,
        lambda w, u, r: r.status_code == 302 and not invited(w.users["observer"], w.live_session),
        kwargs=lambda w: {"session_id": w.live_session.pk, "user_id": w.users["observer"].pk}),
    # The transcript: moderators of the session (global moderators and admins here, with a second
    # factor) once it is closed; publishing also needs moderating the category.
    Row("live:transcript_publish", "get", GLOBAL_MODERATORS, shows('name="category"'),
        kwargs=session_kw("closed_session")),
    Row("live:transcript_publish", "post", GLOBAL_MODERATORS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.closed_session).transcript_thread_id is not None,
        kwargs=session_kw("closed_session"), data=lambda w, u: {"category": w.category.pk}),
    Row("live:transcript", "get", GLOBAL_MODERATORS, shows("Said in Matrix closed room"),
        kwargs=session_kw("closed_session")),
    Row("live:transcript", "get", frozenset(), shows("Said in Matrix off-record room"),
        kwargs=session_kw("off_record_session"), variant="off-the-record"),
    Row("live:transcript_publish", "post", frozenset(),
        lambda w, u, r: refreshed(w.off_record_session).transcript_thread_id is not None,
        kwargs=session_kw("off_record_session"), data=lambda w, u: {"category": w.category.pk},
        variant="off-the-record"),
    # audit: moderators and administrators read the log (category moderators: their categories')
    Row("audit:log", "get", MODERATORS, shows("Audit log", "thread.lock")),
    # moderation: flagging (anyone who reads the post but its author), the queue and actions
    # (moderators in scope), decisions and appeals, guidelines, figures
    Row("moderation:flag", "get", READERS - {"member"}, shows('name="reason"'),
        kwargs=lambda w: {"kind": "post", "item_id": w.reply.pk}),
    Row("moderation:flag", "post", READERS - {"member"},
        lambda w, u, r: r.status_code == 302 and w.review_item.flags.filter(reporter=u).exists(),
        kwargs=lambda w: {"kind": "post", "item_id": w.reply.pk}, data=lambda w, u: {"reason": "spam"}),
    # The live room's chat message and question: whoever sees the room but their author; the queue
    # item of the message: the room's moderators (global moderators and admins here; the organising
    # representative is of the author's own organisation: conflict of interest).
    Row("moderation:flag", "get", READERS - {"member"}, shows("Said in Matrix live room"),
        kwargs=lambda w: {"kind": "message", "item_id": w.live_message.pk}, variant="chat message"),
    Row("moderation:flag", "post", READERS - {"member", "representative"},
        lambda w, u, r: r.status_code == 302 and w.live_review_item.flags.filter(reporter=u).exists(),
        kwargs=lambda w: {"kind": "message", "item_id": w.live_message.pk}, data=lambda w, u: {"reason": "spam"},
        variant="chat message", refused_status=frozenset({400, 403, 404})),  # the representative flagged it
    Row("moderation:flag", "post", READERS - {"member"},
        lambda w, u, r: r.status_code == 302 and type(w.live_review_item).objects.filter(
            kind="question", object_id=w.live_question.pk, flags__reporter=u).exists(),
        kwargs=lambda w: {"kind": "question", "item_id": w.live_question.pk}, data=lambda w, u: {"reason": "spam"},
        variant="question"),
    Row("moderation:item", "get", GLOBAL_MODERATORS | {"representative"}, shows("Said in Matrix live room"),
        kwargs=lambda w: {"item_id": w.live_review_item.pk}, variant="chat message"),
    Row("moderation:act", "post", GLOBAL_MODERATORS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.live_message).hidden_at is not None,
        kwargs=lambda w: {"item_id": w.live_review_item.pk}, data=lambda w, u: {"kind": "hide", "rule": w.rule.pk},
        variant="chat message"),
    Row("moderation:my_flags", "get", READERS, shows("<h1>")),
    # The representative organises the live session: their queue holds its chat message only.
    Row("moderation:queue", "get", MODERATORS | {"representative"}, lambda w, u, r: shows(
        f"#{w.live_review_item.object_id}<" if u == w.users["representative"] else f"#{w.reply.pk}<")(w, u, r)),
    Row("moderation:queue", "get", GLOBAL_MODERATORS | {"representative"},
        lambda w, u, r: shows(f"Chat message #{w.live_message.pk}<", "Matrix live room")(w, u, r),
        variant="chat message", refused_status=frozenset({200, 403})),
    Row("moderation:item", "get", MODERATORS, shows('name="rule"'), kwargs=lambda w: {"item_id": w.review_item.pk}),
    Row("moderation:claim", "post", MODERATORS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.review_item).claimed_by_id == u.pk,
        kwargs=lambda w: {"item_id": w.review_item.pk}),
    Row("moderation:act", "post", MODERATORS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.reply).hidden_at is not None,
        kwargs=lambda w: {"item_id": w.review_item.pk}, data=lambda w, u: {"kind": "hide", "rule": w.rule.pk}),
    Row("moderation:action", "get", MODERATORS | {"member"}, shows("Matrix rule"),
        kwargs=lambda w: {"action_id": w.warn_action.pk}),
    Row("moderation:action", "post", frozenset({"member"}),
        lambda w, u, r: r.status_code == 302 and type(w.appeal).objects.filter(action=w.warn_action).exists(),
        kwargs=lambda w: {"action_id": w.warn_action.pk}, data=lambda w, u: {"statement": "Matrix statement"}),
    # The moderator took the decision appealed: another moderator decides.
    Row("moderation:appeal_decide", "get", frozenset({"category_moderator", "admin"}), shows('name="outcome"'),
        kwargs=lambda w: {"appeal_id": w.appeal.pk}),
    Row("moderation:appeal_decide", "post", frozenset({"category_moderator", "admin"}),
        lambda w, u, r: r.status_code == 302 and refreshed(w.appeal).outcome == "upheld",
        kwargs=lambda w: {"appeal_id": w.appeal.pk}, data=lambda w, u: {"outcome": "upheld"}),
    Row("moderation:rules", "get", READERS, shows("Matrix rule")),
    Row("moderation:rule_new", "get", frozenset({"admin"}), shows('name="title_ar"')),
    Row("moderation:rule_new", "post", frozenset({"admin"}),
        lambda w, u, r: r.status_code == 302 and type(w.rule).objects.filter(title_en="Matrix new").exists(),
        data=lambda w, u: {"title_ar": "جديدة", "title_fr": "Nouvelle", "title_en": "Matrix new", "position": "2",
                           "active": "on"}),
    Row("moderation:rule_edit", "get", frozenset({"admin"}), shows('name="title_ar"'),
        kwargs=lambda w: {"rule_id": w.rule.pk}),
    Row("moderation:rule_edit", "post", frozenset({"admin"}),
        lambda w, u, r: r.status_code == 302 and refreshed(w.rule).title_en == "Matrix edited",
        kwargs=lambda w: {"rule_id": w.rule.pk},
        data=lambda w, u: {"title_ar": "قاعدة", "title_fr": "Règle", "title_en": "Matrix edited", "position": "0",
                           "active": "on"}),
    Row("moderation:transparency", "get", READERS, shows("<svg")),
    # Further actions under a rule (moderators in scope); a move needs the target moderated too.
    Row("moderation:post_edit", "get", MODERATORS, shows('name="source"', "A reply by its author"),
        kwargs=lambda w: {"post_id": w.reply.pk}),
    Row("moderation:post_edit", "post", MODERATORS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.reply).moderator_edit.get("en") == "Matrix rule",
        kwargs=lambda w: {"post_id": w.reply.pk}, data=lambda w, u: {"source": "Matrix policy text", "rule": w.rule.pk}),
    Row("moderation:thread", "get", MODERATORS, shows('name="posts"', 'name="locked"'), kwargs=thread_kw()),
    Row("moderation:thread_lock", "post", MODERATORS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.thread).locked, kwargs=thread_kw(),
        data=lambda w, u: {"locked": "1", "rule": w.rule.pk}),
    Row("moderation:thread_move", "post", GLOBAL_MODERATORS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.thread).category_id == w.other_category.pk,
        kwargs=thread_kw(), data=lambda w, u: {"category": w.other_category.pk, "rule": w.rule.pk}),
    # Deleting and restoring a thread: under a rule, on the moderation app's thread page.
    Row("moderation:thread_delete", "post", MODERATORS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.thread).deleted_at is not None, kwargs=thread_kw(),
        data=lambda w, u: {"rule": w.rule.pk, "note": "Duplicate of another thread"}),
    Row("moderation:thread_restore", "post", MODERATORS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.deleted_thread).deleted_at is None,
        kwargs=thread_kw("deleted_thread"), data=lambda w, u: {"rule": w.rule.pk}),
    Row("moderation:thread_split", "post", MODERATORS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.reply).thread.title == "Matrix split",
        kwargs=thread_kw(), data=lambda w, u: {"posts": [w.reply.pk], "category": w.category.pk,
                                               "title": "Matrix split", "rule": w.rule.pk}),
    # The global moderator imposed the pending suspension: only another global moderator confirms it.
    # The representative organises the live session (a queue place for its items) but confirms no
    # sanction: the page is for site and category moderators (moderation.check_view_confirmations).
    Row("moderation:confirmations", "get", MODERATORS, shows("<h1>")),
    Row("moderation:confirmation_decide", "post", frozenset({"admin"}),
        lambda w, u, r: r.status_code == 302 and refreshed(w.pending_restriction).confirmed_by_id == u.pk,
        kwargs=lambda w: {"restriction_id": w.pending_restriction.pk}, data=lambda w, u: {"decision": "confirm"}),
    # Pre-moderation: approving a held reply (moderators in scope); the watched words (administrators).
    Row("moderation:approve", "post", MODERATORS,
        lambda w, u, r: r.status_code == 302 and not refreshed(w.held_post).awaiting_review,
        kwargs=lambda w: {"item_id": w.held_item.pk}),
    Row("moderation:words", "get", frozenset({"admin"}), shows("Matrix watched", 'name="text"')),
    Row("moderation:words", "post", frozenset({"admin"}),
        lambda w, u, r: r.status_code == 302 and type(w.watched_word).objects.filter(text="Matrix new").exists(),
        data=lambda w, u: {"text": "Matrix new", "kind": "word", "action": "block"}),
    Row("moderation:word_delete", "post", frozenset({"admin"}),
        lambda w, u, r: r.status_code == 302 and not type(w.watched_word).objects.filter(pk=w.watched_word.pk).exists(),
        kwargs=lambda w: {"word_id": w.watched_word.pk}),
    # Consultations: read by every reader of the category; the representative submits or revises
    # their organisation's position; the organisers (the global moderator, and administrators) open
    # consultations and publish the synthesis after the deadline.
    Row("consultations:index", "get", READERS, lambda w, u, r: shows(w.consultation.thread.title)(w, u, r)),
    Row("consultations:create", "get", GLOBAL_MODERATORS, shows('name="deadline"')),
    Row("consultations:create", "post", GLOBAL_MODERATORS,
        lambda w, u, r: r.status_code == 302 and consultation_made("Matrix consultation", u),
        data=lambda w, u: consultation_form("Matrix consultation", w)),
    Row("consultations:detail", "get", READERS, lambda w, u, r: shows("Matrix position text", "Matrix sub-question")(w, u, r),
        kwargs=consultation_kw()),
    Row("consultations:position", "get", frozenset({"representative"}), shows('name="stance"', "Matrix position text"),
        kwargs=consultation_kw()),
    Row("consultations:position", "post", frozenset({"representative"}),
        lambda w, u, r: r.status_code == 302 and refreshed(w.position).source == "Matrix revised",
        kwargs=consultation_kw(), data=lambda w, u: {"stance": "in_favour", "source": "Matrix revised", "revision": "1"}),
    Row("consultations:history", "get", READERS, shows("Version 1", "Matrix position text"),
        kwargs=lambda w: {"consultation_id": w.consultation.pk, "position_id": w.position.pk}),
    Row("consultations:synthesis", "get", GLOBAL_MODERATORS, shows('name="source"'),
        kwargs=consultation_kw("closed_consultation")),
    Row("consultations:synthesis", "post", GLOBAL_MODERATORS,
        lambda w, u, r: r.status_code == 302 and refreshed(w.closed_consultation).synthesis_source == "Matrix synthesis",
        kwargs=consultation_kw("closed_consultation"), data=lambda w, u: {"source": "Matrix synthesis"}),
    Row("consultations:export_markdown", "get", READERS, shows("# Matrix charter", "Matrix position text"),
        kwargs=consultation_kw()),
    Row("consultations:export_csv", "get", READERS, shows("organisation,stance", "Matrix position text"),
        kwargs=consultation_kw()),
    # The Django admin is walked by its own tests; its door is here.
    Row("admin:index", "get", frozenset({"admin"}), ok()),
]

ROWS_BY_ID = {row.id: row for row in ROWS}


def test_rows_have_unique_ids():
    assert len(ROWS_BY_ID) == len(ROWS)


def test_every_view_has_a_row():
    """A new URL in the project's URLconf fails here until the matrix says who may use it."""
    covered = {row.url for row in ROWS}
    assert sorted(set(forum_urls()) - covered) == [], "views without a row in the HTTP authorisation matrix"
    assert sorted(covered - set(forum_urls()) - {"admin:index"}) == [], "rows for URL names that do not exist"


# --- Running one cell -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once for the module inside a transaction that is rolled back at the end.
    Each test runs in a savepoint within it (pytest-django's `db`), so what a test changes is undone
    before the next one: some 800 cells cost one world, not 800."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("matrix-media"))
    media.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
            # Posts written a while ago: the background worker built their search documents.
            from forum.search.services import index_pending

            index_pending()
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            media.disable()


@pytest.fixture
def world(db, settings, shared_world):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "post": "100000/m"}
    settings.FORUM_EMAIL_WORKER = "sync"
    # Files are outside the transaction: an earlier cell (deleting an account) may have erased them.
    for attachment in (shared_world.attachment, shared_world.hidden_attachment):
        if not default_storage.exists(attachment.file.name):
            default_storage.save(attachment.file.name, ContentFile(tiny_png()))
    # A fresh copy of the objects: an earlier cell changed some in memory (rolled back in the database).
    return copy.deepcopy(shared_world)


def _url(row: Row, world) -> str:
    url = reverse(row.url, kwargs=row.kwargs(world))
    if row.query:
        url += "?" + row.query.format(thread=world.thread.pk, deleted=world.deleted_thread.pk,
                                      restricted=world.restricted_thread.pk)
    return url


def _reauthenticate(client, user) -> None:
    """As if the password had just been typed again (allauth's record of recent authentication)."""
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time(), "reauthenticated": True}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def _refused_rightly(row: Row, role: str, response) -> bool:
    status = response.status_code
    if role == "anonymous":
        if row.url.startswith("admin:"):
            return _admin_login_or_account_login(response)
        if not row.visitor_sent_to_login:
            return status == 404
        return status == 302 and response["Location"].startswith(reverse("account_login"))
    view = forum_urls().get(row.url)
    if role == "mfa_less_moderator" and view is not None and is_privileged_view(view):
        return status == 302 and response["Location"].startswith(reverse("mfa_index"))
    return status in row.refused_status


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row_id", list(ROWS_BY_ID))
def test_role_against_view(client, world, row_id, role):
    row = ROWS_BY_ID[row_id]
    user = world.users[role]
    if user is not None:
        client.force_login(user)
        if row.reauthenticated:
            _reauthenticate(client, user)
    allowed = role in row.allowed
    before = None if allowed else snapshot()
    response = getattr(client, row.method)(_url(row, world), row.data(world, user))
    where = f"{role} → {row.method.upper()} {row.id}" + (f" [intended rule, {row.pending}]" if row.pending else "")
    if allowed:
        assert row.effect(world, user, response), f"{where}: allowed, but {response.status_code} and no effect"
    else:
        changed = differences(before, snapshot())
        assert _refused_rightly(row, role, response), f"{where}: refused, but answered {response.status_code}"
        assert changed == [], f"{where}: refused, yet the database changed: {changed}"
        if user is not None:
            assert not row.effect(world, user, response), f"{where}: refused, yet it shows or did the thing"


def _uncovered_methods():
    """(row to borrow the URL from, method) for each view and method the table has no row for."""
    by_url: dict[str, dict[str, Row]] = {}
    for row in ROWS:
        by_url.setdefault(row.url, {}).setdefault(row.method, row)
    return [(rows[next(iter(rows))].id, method) for url, rows in sorted(by_url.items())
            for method in ("get", "post") if method not in rows]


@pytest.mark.parametrize(("row_id", "method"), _uncovered_methods())
def test_a_method_without_a_row_changes_nothing(client, world, row_id, method):
    """A view that starts writing on a method the table does not list fails here, even for the admin."""
    row = ROWS_BY_ID[row_id]
    client.force_login(world.users["admin"])
    before = snapshot()
    response = getattr(client, method)(_url(row, world), row.data(world, world.users["admin"]))
    assert response.status_code != 500
    assert differences(before, snapshot()) == [], f"{method.upper()} {row.url} changed the database"
