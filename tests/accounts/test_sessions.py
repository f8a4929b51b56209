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
    assert "This device" in html and 'class="site-header"' in html

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


FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0"
CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0.0.0 Safari/537.36")


def test_sessions_read_as_device_and_browser_names(make_user):
    make_user(email="names@example.org")
    laptop = signed_in_client("names@example.org", CHROME_WINDOWS)
    signed_in_client("names@example.org", FIREFOX_ANDROID)
    html = laptop.get(reverse("usersessions_list")).content.decode()
    assert "Computer (Windows)" in html and "Chrome" in html
    assert "Phone (Android)" in html and "Firefox" in html
    assert "This device" in html
    french = laptop.get(reverse("usersessions_list"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Téléphone (Android)" in french.content.decode()


def test_a_member_signs_out_one_other_session(make_user):
    from forum.audit.models import AuditEntry

    user = make_user(email="three@example.org")
    laptop = signed_in_client("three@example.org", CHROME_WINDOWS)
    phone = signed_in_client("three@example.org", FIREFOX_ANDROID)
    tablet = signed_in_client("three@example.org", "Tablet")
    phone_session = UserSession.objects.get(user=user, user_agent=FIREFOX_ANDROID)
    response = laptop.post(reverse("accounts:session_end", args=[phone_session.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("usersessions_list")
    assert set(UserSession.objects.filter(user=user).values_list("user_agent", flat=True)) == {CHROME_WINDOWS, "Tablet"}
    assert phone.get(reverse("accounts:settings")).status_code == 302  # signed out
    assert tablet.get(reverse("accounts:settings")).status_code == 200
    assert laptop.get(reverse("accounts:settings")).status_code == 200
    assert AuditEntry.objects.filter(verb="account.session_end", actor=user).count() == 1


def test_the_session_in_use_is_not_ended_from_the_list(make_user):
    user = make_user(email="cur@example.org")
    laptop = signed_in_client("cur@example.org", CHROME_WINDOWS)
    mine = UserSession.objects.get(user=user)
    response = laptop.post(reverse("accounts:session_end", args=[mine.pk]), follow=True)
    assert "use “Sign out” instead" in response.content.decode()
    assert UserSession.objects.filter(pk=mine.pk).exists()
    assert laptop.get(reverse("accounts:settings")).status_code == 200


def test_another_members_session_cannot_be_ended_or_probed(make_user):
    make_user(email="a2@example.org")
    make_user(email="b2@example.org")
    a = signed_in_client("a2@example.org", "Agent A")
    b = signed_in_client("b2@example.org", "Agent B")
    theirs = UserSession.objects.get(user_agent="Agent B")
    assert a.post(reverse("accounts:session_end", args=[theirs.pk])).status_code == 404
    assert a.post(reverse("accounts:session_end", args=[999999])).status_code == 404
    assert a.get(reverse("accounts:session_end", args=[theirs.pk])).status_code == 405
    assert UserSession.objects.filter(pk=theirs.pk).exists()
    assert b.get(reverse("accounts:settings")).status_code == 200


def test_ending_a_session_needs_the_csrf_token(make_user):
    make_user(email="csrf@example.org")
    laptop = signed_in_client("csrf@example.org", "Laptop")
    signed_in_client("csrf@example.org", "Phone")
    other = UserSession.objects.get(user_agent="Phone")
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = laptop.cookies
    assert strict.post(reverse("accounts:session_end", args=[other.pk])).status_code == 403
    assert UserSession.objects.filter(pk=other.pk).exists()


def test_sessions_say_how_long_ago_in_the_members_language(make_user):
    """Issue #10: relative times read as moments ("منذ ساعتين"), the same words as notifications."""
    from datetime import timedelta

    from django.utils import timezone

    make_user(email="ago@example.org", preferred_language="ar")
    client = signed_in_client("ago@example.org", "Laptop Firefox")
    UserSession.objects.filter(user__email="ago@example.org").update(
        created_at=timezone.now() - timedelta(hours=2), last_seen_at=timezone.now() - timedelta(hours=2))
    html = client.get(reverse("usersessions_list"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "منذ ساعتين</time>" in html
