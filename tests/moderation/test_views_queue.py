"""The review queue page: scope, order, filters, constant query count, the badge, acting over HTTP."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum.moderation.models import Action, ReviewItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(make_thread, make_post, make_user, flag_post, category):
    """flagged(n, category=...) -> n flagged posts, each by its own author, with one or two flags."""

    def make(n, *, in_category=None, reason="spam"):
        thread = make_thread(category=in_category or category)
        posts = [make_post(thread=thread) for _ in range(n)]
        for i, post in enumerate(posts):
            flag_post(post, make_user(role="member"), reason=reason)
            if i % 2:
                flag_post(post, make_user(role="member"), reason="harassment")
        return posts

    return make


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_queue_costs_the_same_queries_for_2_and_12_items(client, moderator, flagged):
    client.force_login(moderator)
    url = reverse("moderation:queue")
    flagged(2)
    small = _queries(client, url)
    flagged(10)
    assert _queries(client, url) == small
    assert ReviewItem.objects.count() == 12


def test_the_queue_shows_items_by_score_with_their_flags(client, moderator, flagged):
    posts = flagged(2)
    client.force_login(moderator)
    page = client.get(reverse("moderation:queue")).content.decode()
    first, second = (page.index(f"#{p.pk}<") for p in (posts[1], posts[0]))
    assert first < second  # two flaggers before one
    assert "2 people flagged this" in page and "1 person flagged this" in page


def test_a_category_moderator_sees_only_their_categories(client, make_user, give_mfa, make_category, flagged):
    mine, other = make_category(), make_category()
    moderator = give_mfa(make_user(role="member"))
    mine.moderators.add(moderator)
    inside = flagged(1, in_category=mine)[0]
    outside = flagged(1, in_category=other)[0]
    client.force_login(moderator)
    page = client.get(reverse("moderation:queue")).content.decode()
    assert f"#{inside.pk}<" in page and f"#{outside.pk}<" not in page
    item = ReviewItem.objects.get(object_id=outside.pk)
    # They read the other category: a named refusal (403) rather than "not found".
    refused = client.get(reverse("moderation:item", kwargs={"item_id": item.pk}))
    assert refused.status_code == 403 and "outside your moderation scope" in refused.content.decode()
    assert client.get(reverse("moderation:item", kwargs={"item_id": item.pk + 1000})).status_code == 404


def test_filters_by_reason_place_and_state(client, moderator, flagged, make_category):
    spam = flagged(1)[0]
    elsewhere = make_category()
    danger = flagged(1, in_category=elsewhere, reason="illegal")[0]
    client.force_login(moderator)
    url = reverse("moderation:queue")
    page = client.get(url, {"reason": "illegal"}).content.decode()
    assert f"#{danger.pk}<" in page and f"#{spam.pk}<" not in page
    page = client.get(url, {"category": str(spam.thread.category_id)}).content.decode()
    assert f"#{spam.pk}<" in page and f"#{danger.pk}<" not in page
    page = client.get(url, {"state": "dismissed"}).content.decode()
    assert f"#{spam.pk}<" not in page
    assert client.get(url, {"state": "nonsense", "category": "x", "reason": "<b>"}).status_code == 200


def test_members_cannot_open_the_queue(client, make_user):
    client.force_login(make_user(role="member"))
    assert client.get(reverse("moderation:queue")).status_code == 403


def test_the_header_shows_moderators_their_queue_count_and_members_nothing(client, moderator, make_user, flagged):
    flagged(3)
    client.force_login(moderator)
    page = client.get(reverse("notifications:index")).content.decode()
    assert "data-review-queue-badge" in page and '<span class="badge">3</span>' in page
    client.force_login(make_user(role="member"))
    assert "data-review-queue-badge" not in client.get(reverse("notifications:index")).content.decode()


def test_acting_over_http_needs_a_rule(client, moderator, flagged, rule):
    post = flagged(1)[0]
    item = ReviewItem.objects.get()
    client.force_login(moderator)
    url = reverse("moderation:act", kwargs={"item_id": item.pk})
    response = client.post(url, {"kind": "hide", "rule": ""})
    assert response.status_code == 400 and "Choose the rule" in response.content.decode()
    response = client.post(url, {"kind": "hide", "rule": "999999"})
    assert response.status_code == 400 and not Action.objects.exists()
    response = client.post(url, {"kind": "hide", "rule": str(rule.pk), "note": "Off."})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.hidden_at is not None


def test_a_hidden_post_reads_hidden_by_moderators_with_the_rule_in_the_readers_language(
        client, moderator, flagged, rule, make_user):
    from forum.moderation import services

    post = flagged(1)[0]
    services.item_act(actor=moderator, item=ReviewItem.objects.get(), kind="hide", rule=rule)
    reader = make_user(role="member", preferred_language="fr")
    client.force_login(reader)
    page = client.get(post.thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Pas d&#x27;attaques personnelles" in page
    assert post.source not in page
    assert "/moderation/decisions/" not in page
    client.force_login(post.author)
    page = client.get(post.thread.get_absolute_url()).content.decode()
    assert post.source in page and "No personal attacks" in page
    decision = Action.objects.get()
    assert f'href="/moderation/decisions/{decision.pk}/">Why, and how to appeal</a>' in page
    client.force_login(moderator)
    page = client.get(post.thread.get_absolute_url()).content.decode()
    assert post.source in page and "/moderation/decisions/" not in page
