"""Sessions: a member lists where they are signed in and ends the others."""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from .conftest import sign_in


def signed_in_client(email, agent):
    client = Client(HTTP_USER_AGENT=agent)
    sign_in(client, email)
    assert "_auth_user_id" in client.session
    return client


def test_member_sees_their_sessions_and_ends_the_others(make_user):
    user = make_user(email="two@example.org")
    laptop = signed_in_client("two@example.org", "Laptop Firefox")
    phone = signed_in_client("two@example.org", "Phone Chromium")
    assert UserSession.objects.filter(user=user).count() == 2

    response = laptop.get(reverse("usersessions_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Laptop Firefox" in html and "Phone Chromium" in html
    assert "Current" in html and 'class="site-header"' in html

    response = laptop.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert list(UserSession.objects.filter(user=user).values_list("user_agent", flat=True)) == ["Laptop Firefox"]
    # The phone is signed out; the laptop is still in.
    assert phone.get(reverse("accounts:settings")).status_code == 302
    assert laptop.get(reverse("accounts:settings")).status_code == 200


def test_sessions_of_others_are_not_listed(make_user):
    make_user(email="a@example.org")
    make_user(email="b@example.org")
    a = signed_in_client("a@example.org", "Agent A")
    signed_in_client("b@example.org", "Agent B")
    assert "Agent B" not in a.get(reverse("usersessions_list")).content.decode()


def test_anonymous_cannot_list_sessions(client):
    response = client.get(reverse("usersessions_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("others", [1, 4])
def test_sessions_page_query_count_is_constant(make_user, django_assert_num_queries, others):
    make_user(email="many@example.org")
    for n in range(others):
        signed_in_client("many@example.org", f"Agent {n}")
    client = signed_in_client("many@example.org", "Mine")
    client.get(reverse("usersessions_list"))
    sessions = others + 1
    with django_assert_num_queries(QUERIES_SESSIONS_PAGE + QUERIES_PER_SESSION * sessions):
        assert client.get(reverse("usersessions_list")).status_code == 200


# This page is allauth's: before listing, `purge_and_list` checks that every session still exists
# in the session store and still belongs to the user (3 queries per session). It is the one page
# here that is not constant; a person has a handful of sessions, so it stays small.
QUERIES_SESSIONS_PAGE = 5  # includes the unread-notification badge and the header's standing (restrictions)
QUERIES_PER_SESSION = 3
