"""The page of followed threads (/t/following/) with "Unfollow"."""

import pytest
from django.urls import reverse

from forum.discussions import subscriptions
from forum.discussions.models import Subscription

URL = "/t/following/"


def test_lists_watched_and_tracked_threads_and_unfollows(member_client, make_thread, make_category):
    member = member_client.user
    category = make_category(name="Eau")
    watched = make_thread(category=category, title="Watched one")
    tracked = make_thread(category=category, title="Tracked one")
    muted = make_thread(category=category, title="Muted one")
    make_thread(category=category, title="Not followed")
    subscriptions.subscription_set(actor=member, thread=watched, level="watch")
    subscriptions.subscription_set(actor=member, thread=tracked, level="track")
    subscriptions.subscription_set(actor=member, thread=muted, level="mute")
    html = member_client.get(URL).content.decode()
    assert "Watched one" in html and "Tracked one" in html and "Eau" in html
    assert "Muted one" not in html and "Not followed" not in html
    assert "Watching" in html and "Tracking" in html
    response = member_client.post(reverse("discussions:thread_subscription", args=[watched.pk]),
                                  {"level": "", "next": URL})
    assert response.status_code == 302 and response["Location"] == URL
    assert not Subscription.objects.filter(user=member, thread=watched).exists()
    assert "Watched one" not in member_client.get(URL).content.decode()


def test_threads_no_longer_readable_are_left_out(member_client, make_thread, make_category, make_user, give_mfa):
    from forum.categories import services as category_services

    member = member_client.user
    category = make_category()
    thread = make_thread(category=category, title="Closed later")
    subscriptions.subscription_set(actor=member, thread=thread, level="watch")
    assert "Closed later" in member_client.get(URL).content.decode()
    category_services.category_update(actor=give_mfa(make_user(role="admin")), category=category, visibility="restricted")
    assert "Closed later" not in member_client.get(URL).content.decode()


def test_other_members_follows_are_not_shown(member_client, make_thread, make_user):
    other = make_user()
    thread = make_thread(title="Theirs")
    subscriptions.subscription_set(actor=other, thread=thread, level="watch")
    html = member_client.get(URL).content.decode()
    assert "Theirs" not in html and "You follow no thread yet" in html


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


# The session and user (2), the member's organisation and restrictions (2), visible categories (2),
# the threads with their categories and levels (1): the same for 2 or 8 threads.
QUERIES = 7


@pytest.mark.parametrize("count", [2, 8])
def test_query_count_is_constant(member_client, make_thread, django_assert_num_queries, count):
    member = member_client.user
    for _ in range(count):
        subscriptions.subscription_set(actor=member, thread=make_thread(), level="watch")
    member_client.get(URL)
    with django_assert_num_queries(QUERIES):
        response = member_client.get(URL)
    assert response.content.decode().count('name="level"') == count
