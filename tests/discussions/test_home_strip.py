"""The members' home (the category list) opens with what needs them, what is live and what is new."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.live.factories import make_session  # noqa: F401, F811 - a fixture

pytestmark = pytest.mark.django_db


def _strip(html: str) -> dict[str, str]:
    strip = html[html.index('<ul class="home-strip"'):]
    strip = strip[: strip.index("</ul>")]
    return dict(re.findall(r'<li class="strip-(\w+)"><span class="strip-figure">(\d+)</span>', strip))


def test_the_strip_counts_new_posts_live_sessions_and_notifications(client, member, make_user, make_category,
                                                                     make_thread, make_post, make_session):  # noqa: F811
    category = make_category()
    thread = make_thread(category=category, author=make_user())
    client.force_login(member)
    client.get(thread.get_absolute_url())  # read: nothing new
    make_post(thread=thread, source="one")
    make_post(thread=thread, source="two")
    make_session(state="open")
    make_session(state="scheduled")
    make_session(state="open", audience="organisations")  # not for this member's organisation
    html = client.get(reverse("categories:index")).content.decode()
    assert _strip(html) == {"notifications": "0", "live": "1", "new": "2"}
    assert "session live now" in html and "new posts since your last visit" in html


def test_only_moderators_see_the_review_queue_in_the_strip(client, member, make_user, give_mfa):
    client.force_login(member)
    assert "review" not in _strip(client.get(reverse("categories:index")).content.decode())
    moderator = make_user(role="moderator")
    give_mfa(moderator)
    client.force_login(moderator)
    assert _strip(client.get(reverse("categories:index")).content.decode())["review"] == "0"


def test_visitors_get_no_strip(client, settings, make_category):
    settings.FORUM_PUBLIC_READING = True
    make_category()
    html = client.get(reverse("categories:index")).content.decode()
    assert 'class="home-strip"' not in html
