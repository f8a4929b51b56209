"""POST /preview/: the editor's preview, for whoever may post somewhere; bounded and rate limited."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.utils import translation

from forum.core.richtext import render_post
from tests.core.xss_corpus import problems_in

URL = "/preview/"


@pytest.fixture
def writer_client(member_client, make_category):
    make_category()  # somewhere the member may start a thread
    return member_client


def test_preview_returns_the_html_the_post_would_have(writer_client):
    source = "**Hello** [site](https://example.org) ![x](https://evil.example/p.png)"
    response = writer_client.post(URL, {"source": source})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content.decode() == render_post(source)
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_preview_links_mentions_of_active_members(writer_client, make_user):
    sara = make_user(role="member", display_name="Sara")
    gone = make_user(role="member", display_name="Gone")
    gone.is_active = False
    gone.save()
    response = writer_client.post(URL, {"source": "Hi @sara and @gone and @nobody"})
    html = response.content.decode()
    assert f'<a href="{sara.get_absolute_url()}" class="mention" rel="nofollow ugc noopener">@sara</a>' in html
    assert "@gone" in html and "@nobody" in html and html.count('class="mention"') == 1


def test_preview_of_hostile_text_is_inert(writer_client):
    response = writer_client.post(URL, {"source": "<script>alert(1)</script> [x](javascript:alert(1))"})
    assert response.status_code == 200 and problems_in(response.content.decode()) == []


def test_preview_refuses_text_over_the_limit_with_a_translated_reason(writer_client, settings):
    settings.FORUM_POST_MAX_CHARS = 10
    response = writer_client.post(URL, {"source": "x" * 11})
    assert response.status_code == 400
    assert "11 characters" in response.content.decode() and "limit is 10" in response.content.decode()
    with translation.override("fr"):
        french = writer_client.post(URL, {"source": "x" * 11}, HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 400 and b'role="alert"' in french.content
    assert "caractères" in french.content.decode()


def test_empty_preview_says_so(writer_client):
    response = writer_client.post(URL, {"source": "   "})
    assert response.status_code == 200 and b"Nothing to preview yet." in response.content


def test_preview_needs_sign_in_post_and_csrf(client, member, make_category):
    make_category()
    assert client.post(URL, {"source": "x"}).status_code == 302
    client.force_login(member)
    assert client.get(URL).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post(URL, {"source": "x"}).status_code == 403


# --- Who may preview ----------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["suspended", "expired_observer"])
def test_suspended_members_and_expired_observers_get_a_translated_403_and_nothing_rendered(
        client, make_user, make_category, who):
    from forum.accounts.models import ObserverGrant

    category = make_category()
    if who == "suspended":
        user, reason = make_user(role="member", suspended=True), "Your account is suspended."
    else:
        user, reason = make_user(role="observer", access_days=-1), "Your observer access has ended."
        ObserverGrant.objects.create(user=user, scope="category", object_id=category.pk)
    client.force_login(user)
    response = client.post(URL, {"source": "**bold** @someone"})
    assert response.status_code == 403
    html = response.content.decode()
    assert reason in html and 'role="alert"' in html and "<strong>" not in html
    with translation.override("ar"):
        arabic = client.post(URL, {"source": "**bold**"}, HTTP_ACCEPT_LANGUAGE="ar")
    assert arabic.status_code == 403 and reason not in arabic.content.decode()


def test_a_member_who_may_write_nowhere_cannot_preview(member_client, make_category):
    make_category(start_policy="moderators", reply_policy="moderators")
    response = member_client.post(URL, {"source": "**bold**"})
    assert response.status_code == 403 and b"<strong>" not in response.content


def test_an_observer_granted_a_category_may_preview(client, make_user, make_category):
    from forum.accounts.models import ObserverGrant

    category = make_category(visibility="restricted")
    observer = make_user(role="observer")
    ObserverGrant.objects.create(user=observer, scope="category", object_id=category.pk)
    client.force_login(observer)
    response = client.post(URL, {"source": "**bold**"})
    assert response.status_code == 200 and "<strong>bold</strong>" in response.content.decode()


def test_observers_preview_does_not_reveal_members_they_may_not_browse(client, make_user, make_category):
    from forum.accounts.models import ObserverGrant

    category = make_category(visibility="restricted")
    observer = make_user(role="observer")
    ObserverGrant.objects.create(user=observer, scope="category", object_id=category.pk)
    make_user(role="member", display_name="Hidden Activist")
    moderator = make_user(role="moderator", display_name="Mod")
    client.force_login(observer)
    html = client.post(URL, {"source": "@[Hidden Activist] and @[Nobody Here] and @Mod"}).content.decode()
    assert html.count('class="mention"') == 1 and moderator.get_absolute_url() in html
    # Same answer for an existing hidden member and a name nobody has: no oracle.
    assert "@[Hidden Activist]" in html and "@[Nobody Here]" in html


# --- Rate limit and bounded work ----------------------------------------------------------------
def test_previews_are_rate_limited_per_member(writer_client, settings):
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "preview": "3/m"}
    for _ in range(3):
        assert writer_client.post(URL, {"source": "hi"}).status_code == 200
    response = writer_client.post(URL, {"source": "**hi**"})
    assert response.status_code == 429
    assert "too fast" in response.content.decode() and "<strong>" not in response.content.decode()


@pytest.mark.parametrize("source, reason", [
    (">" * 40 + " deep", "nested too deeply"),
    ("- " * 40 + "deep", "nested too deeply"),
    ("|a|\n|-|\n" * 150, "table rows"),
    ("a\n" * 1001, "lines"),
    ("[" * 5000, "formatting characters"),
    ("*a " * 4000, "formatting characters"),
    ("www.a.example(" + ")" * 5000, "formatting characters"),
])
def test_pathological_markdown_is_refused_before_rendering(writer_client, source, reason):
    start = time.perf_counter()
    response = writer_client.post(URL, {"source": source})
    assert response.status_code == 400 and reason in response.content.decode()
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize("mentioned", [1, 15])
def test_preview_costs_the_same_queries_for_one_mention_or_many(writer_client, make_user, mentioned,
                                                               django_assert_num_queries):
    names = [make_user(role="member", display_name=f"Person{i}").display_name for i in range(mentioned)]
    source = " ".join(f"@{name}" for name in names)
    writer_client.post(URL, {"source": "warm-up"})
    # session, user, restrictions, membership, visible category ids, the categories, and one for the mentions
    with django_assert_num_queries(QUERIES):
        response = writer_client.post(URL, {"source": source})
    assert response.content.decode().count('class="mention"') == mentioned


QUERIES = 7


def test_both_doors_show_the_same_html_and_the_same_refusals(member_client, make_category, make_user, settings):
    """POST /preview/ and the no-JavaScript "Preview" button call one function: same text, same HTML,
    same refusal and status."""
    from django.urls import reverse

    category = make_category()
    sara = make_user(role="member", display_name="Sara")
    form_url = reverse("discussions:thread_create", kwargs={"slug": category.slug})
    source = "**مرحبا** @sara [site](https://example.org)\n\n- one\n- two"
    fragment = member_client.post(URL, {"source": source}).content.decode()
    assert sara.get_absolute_url() in fragment
    page = member_client.post(form_url, {"title": "T", "source": source, "preview": "1"})
    assert page.status_code == 200 and fragment in page.content.decode()

    settings.FORUM_POST_MAX_CHARS = 10
    refused = member_client.post(URL, {"source": "x" * 11})
    refused_page = member_client.post(form_url, {"title": "T", "source": "x" * 11, "preview": "1"})
    assert refused.status_code == refused_page.status_code == 400
    assert "the limit is 10" in refused.content.decode() and "the limit is 10" in refused_page.content.decode()
