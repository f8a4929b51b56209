"""Factories of moderation tests: a thread with a post by an author, rules, moderators with MFA."""

from __future__ import annotations

import itertools

import pytest

from tests.discussions.factories import (  # noqa: F401
    _generous_post_rate,
    give_mfa,
    make_category,
    make_post,
    make_thread,
    root_of,
)
from tests.live.factories import _generous_live_rates, ask, broadcasts, make_session, say, session_moderator  # noqa: F401
from tests.notifications.factories import listen  # noqa: F401

_n = itertools.count(1)


@pytest.fixture(autouse=True)
def _email_worker_in_the_callback(settings):
    settings.FORUM_EMAIL_WORKER = "sync"


@pytest.fixture
def make_rule(db):
    from forum.moderation.models import Rule

    def make(*, title_en: str | None = None, title_ar: str = "", title_fr: str = "", active: bool = True):
        n = next(_n)
        return Rule.objects.create(title_en=title_en or f"Rule {n}", title_ar=title_ar or f"القاعدة {n}",
                                   title_fr=title_fr or f"Règle {n}", body_en="Be kind.", active=active)

    return make


@pytest.fixture
def rule(make_rule):
    return make_rule(title_en="No personal attacks", title_ar="لا هجمات شخصية", title_fr="Pas d'attaques personnelles")


@pytest.fixture
def moderator(make_user, give_mfa):  # noqa: F811
    return give_mfa(make_user(role="moderator"))


@pytest.fixture
def second_moderator(make_user, give_mfa):  # noqa: F811
    return give_mfa(make_user(role="moderator"))


@pytest.fixture
def author(make_user):
    return make_user(role="member", preferred_language="ar")


@pytest.fixture
def category(make_category):  # noqa: F811
    return make_category()


@pytest.fixture
def post(make_thread, make_post, author, category):  # noqa: F811
    thread = make_thread(category=category, author=author, title="Wells of Idlib")
    return make_post(thread=thread, author=author, source="A rude reply")


@pytest.fixture
def flag_post(db):
    """flag_post(post, user, reason="spam", text="") through the service."""
    from forum.moderation import services

    def flag(post, user, reason: str = "spam", text: str = ""):
        return services.flag_create(actor=user, kind="post", object_id=post.pk, reason=reason, text=text)

    return flag


@pytest.fixture
def room(make_session):  # noqa: F811
    return make_session(title="حوار إدلب")


@pytest.fixture
def chat(room, say, author):  # noqa: F811
    """A chat message by `author` in `room`."""
    return say(room, author, body="A rude chat line")


@pytest.fixture
def question(room, ask, author):  # noqa: F811
    return ask(room, author, body="A rude question?")


@pytest.fixture
def flag_live(db):
    """flag_live(obj, user, reason="spam", text="") for a chat message or a question."""
    from forum.live.models import ChatMessage
    from forum.moderation import services

    def flag(obj, user, reason: str = "spam", text: str = ""):
        kind = "message" if isinstance(obj, ChatMessage) else "question"
        return services.flag_create(actor=user, kind=kind, object_id=obj.pk, reason=reason, text=text)

    return flag
