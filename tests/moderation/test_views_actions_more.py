"""The pages of the further actions, without JavaScript: edit for policy, the thread's lock / move /
split forms, the sanctions awaiting a second moderator. Bad input comes back on the page (400) with
a translated message and nothing changed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum.accounts.models import Restriction
from forum.discussions.models import Post, Thread
from forum.moderation.models import Action

pytestmark = pytest.mark.django_db


def _rows():
    return (list(Post.objects.order_by("pk").values_list("pk", "source", "thread_id", "moderator_edit")),
            list(Thread.objects.order_by("pk").values_list("pk", "locked", "category_id", "title")),
            Action.objects.count(), list(Restriction.objects.values_list("pk", "pending_confirmation", "lifted_at")))


def test_edit_for_policy_page_is_prefilled_and_posts_without_javascript(client, post, moderator, rule):
    client.force_login(moderator)
    url = reverse("moderation:post_edit", kwargs={"post_id": post.pk})
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ar")
    assert page.status_code == 200 and "A rude reply" in page.content.decode()
    assert "تعديل مشاركة وفق القواعد" in page.content.decode()
    response = client.post(url, {"source": "A reply", "rule": rule.pk, "note": ""})
    assert response.status_code == 302 and response.url == post.get_absolute_url()
    post.refresh_from_db()
    assert post.source == "A reply" and post.moderator_edit["fr"] == "Pas d'attaques personnelles"


@pytest.mark.parametrize(("data", "message"), [
    ({"source": "A reply"}, "Choose the rule this decision rests on."),
    ({"source": "A reply", "rule": "999999"}, "Choose the rule this decision rests on."),
    ({"source": "", "rule": "RULE"}, "Write something: the post is empty."),
    ({"source": "A rude reply", "rule": "RULE"}, "The text is unchanged"),
    ({"source": "A reply", "rule": "RULE", "note": "n" * 2001}, "2000"),
])
def test_edit_for_policy_bad_input_is_named_and_changes_nothing(client, post, moderator, rule, data, message):
    client.force_login(moderator)
    data = {k: (rule.pk if v == "RULE" else v) for k, v in data.items()}
    before = _rows()
    response = client.post(reverse("moderation:post_edit", kwargs={"post_id": post.pk}), data,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and message in response.content.decode()
    assert _rows() == before


def test_a_post_without_csrf_token_is_refused(post, moderator, rule):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    before = _rows()
    response = client.post(reverse("moderation:post_edit", kwargs={"post_id": post.pk}),
                           {"source": "A reply", "rule": rule.pk})
    assert response.status_code == 403 and _rows() == before


def test_the_thread_page_offers_lock_move_and_split_and_locks(client, post, moderator, rule):
    client.force_login(moderator)
    url = reverse("moderation:thread", kwargs={"thread_id": post.thread_id})
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'name="locked"' in body and 'name="posts"' in body and f'value="{post.pk}"' in body
    assert "Scinder en une nouvelle discussion" in body
    before = _rows()
    response = client.post(reverse("moderation:thread_lock", kwargs={"thread_id": post.thread_id}), {"locked": "1"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Choose the rule this decision rests on." in response.content.decode()
    assert _rows() == before
    response = client.post(reverse("moderation:thread_lock", kwargs={"thread_id": post.thread_id}),
                           {"locked": "1", "rule": rule.pk})
    assert response.status_code == 302
    assert Thread.objects.get(pk=post.thread_id).locked


def test_moving_to_a_category_one_does_not_moderate_is_refused_by_name(client, post, make_user, give_mfa,
                                                                       make_category, rule):
    mod = give_mfa(make_user(role="member"))
    post.thread.category.moderators.add(mod)
    foreign = make_category()
    client.force_login(mod)
    before = _rows()
    response = client.post(reverse("moderation:thread_move", kwargs={"thread_id": post.thread_id}),
                           {"category": foreign.pk, "rule": rule.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403 and "categories you moderate" in response.content.decode()
    assert _rows() == before


def test_split_form_refuses_forged_and_foreign_ids_and_splits(client, post, make_thread, make_post, moderator, rule,
                                                              category):
    client.force_login(moderator)
    other = make_thread(category=category)
    url = reverse("moderation:thread_split", kwargs={"thread_id": post.thread_id})
    before = _rows()
    for ids in ([other.posts.get().pk], [123456789], ["abc"], []):
        response = client.post(url, {"posts": ids, "category": category.pk, "title": "New", "rule": rule.pk},
                               HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        body = response.content.decode()
        assert "Choose posts of this thread." in body or "Choose at least one reply" in body
    assert _rows() == before
    below = make_post(thread=post.thread, parent=post, source="Below")
    response = client.post(url, {"posts": [post.pk], "category": category.pk, "title": "Split off", "rule": rule.pk})
    new = Thread.objects.get(title="Split off")
    assert response.status_code == 302 and response.url == new.get_absolute_url()
    assert set(new.posts.values_list("pk", flat=True)) == {post.pk, below.pk}


def test_members_cannot_open_the_action_pages(client, post, make_user):
    client.force_login(make_user(role="member"))
    for url in (reverse("moderation:post_edit", kwargs={"post_id": post.pk}),
                reverse("moderation:thread", kwargs={"thread_id": post.thread_id}),
                reverse("moderation:confirmations")):
        assert client.get(url).status_code == 403


def test_the_thread_page_and_post_cards_link_moderators_to_the_actions(client, post, moderator, make_user):
    client.force_login(moderator)
    body = client.get(post.thread.get_absolute_url()).content.decode()
    assert reverse("moderation:thread", kwargs={"thread_id": post.thread_id}) in body
    assert reverse("moderation:post_edit", kwargs={"post_id": post.pk}) in body
    client.force_login(make_user(role="member"))
    body = client.get(post.thread.get_absolute_url()).content.decode()
    assert reverse("moderation:post_edit", kwargs={"post_id": post.pk}) not in body


# --- Sanctions awaiting a second moderator -----------------------------------------------------------

def _pending(make_user, moderator, n=1):
    made = []
    for _ in range(n):
        made.append(Restriction.objects.create(user=make_user(role="representative"), kind="suspension",
                                               reason="Spam", pending_confirmation=True, created_by=moderator))
    return made


def test_the_confirmation_page_lists_pending_sanctions_with_buttons_for_another_moderator(
        client, make_user, moderator, second_moderator):
    [pending] = _pending(make_user, moderator)
    client.force_login(moderator)
    body = client.get(reverse("moderation:confirmations"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert pending.user.public_name in body and 'value="confirm"' not in body
    assert "another moderator must confirm it" in body
    client.force_login(second_moderator)
    body = client.get(reverse("moderation:confirmations"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'value="confirm"' in body and 'value="reject"' in body and "عقوبات بانتظار مشرف ثانٍ" in body


def test_the_confirmation_page_costs_the_same_queries_for_1_and_4_sanctions(client, make_user, moderator,
                                                                             second_moderator):
    client.force_login(second_moderator)
    url = reverse("moderation:confirmations")
    _pending(make_user, moderator)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    _pending(make_user, moderator, 3)
    with CaptureQueriesContext(connection) as four:
        client.get(url)
    assert len(four.captured_queries) == len(one.captured_queries)


def test_confirm_reject_and_refusals_over_http(client, make_user, moderator, second_moderator, give_mfa):
    first, second = _pending(make_user, moderator, 2)
    url = lambda r: reverse("moderation:confirmation_decide", kwargs={"restriction_id": r.pk})  # noqa: E731
    client.force_login(moderator)
    before = _rows()
    response = client.post(url(first), {"decision": "confirm"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403 and "Another moderator must confirm" in response.content.decode()
    assert _rows() == before
    client.force_login(second_moderator)
    response = client.post(url(first), {"decision": "maybe"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Choose confirm or reject." in response.content.decode() and _rows() == before
    assert client.post(url(first), {"decision": "confirm"}).status_code == 302
    assert client.post(url(second), {"decision": "reject", "note": "Too harsh"}).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.confirmed_by == second_moderator and second.lifted_at is not None
    third = give_mfa(make_user(role="moderator"))
    client.force_login(third)
    before = _rows()
    response = client.post(url(first), {"decision": "reject"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "not awaiting confirmation" in response.content.decode() and _rows() == before
    assert client.post(reverse("moderation:confirmation_decide", kwargs={"restriction_id": 999999}),
                       {"decision": "confirm"}).status_code == 404


def test_the_queue_form_offers_ban_and_the_scope(client, moderator, post, make_user, flag_post, rule):
    item = flag_post(post, make_user(role="member")).item
    client.force_login(moderator)
    body = client.get(reverse("moderation:item", kwargs={"item_id": item.pk}), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="ban"' in body and 'name="scope"' in body and 'value="lock"' not in body
    assert reverse("moderation:post_edit", kwargs={"post_id": post.pk}) in body
    before = _rows()
    response = client.post(reverse("moderation:act", kwargs={"item_id": item.pk}),
                           {"kind": "lock", "rule": rule.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Choose one of the actions offered." in response.content.decode()
    response = client.post(reverse("moderation:act", kwargs={"item_id": item.pk}),
                           {"kind": "mute", "rule": rule.pk, "scope": "site", "days": "2"})
    assert response.status_code == 302
    assert Restriction.objects.get(user=post.author).scope == "site"
    assert _rows() != before


def test_a_moderator_outside_their_scope_gets_a_named_refusal_where_they_read_the_thread(
        client, post, make_user, give_mfa, make_category, rule):
    from django.utils import translation
    from django.utils.html import escape

    elsewhere = give_mfa(make_user(role="member", preferred_language="ar"))
    make_category(moderators=[elsewhere])
    client.force_login(elsewhere)
    before = _rows()
    thread_kw = {"thread_id": post.thread_id}
    for method, url, data in (
            ("get", reverse("moderation:thread", kwargs=thread_kw), {}),
            ("post", reverse("moderation:thread_lock", kwargs=thread_kw), {"locked": "1", "rule": rule.pk}),
            ("post", reverse("moderation:thread_split", kwargs=thread_kw),
             {"posts": [post.pk], "category": post.thread.category_id, "title": "T", "rule": rule.pk}),
            ("get", reverse("moderation:post_edit", kwargs={"post_id": post.pk}), {}),
            ("post", reverse("moderation:post_edit", kwargs={"post_id": post.pk}), {"source": "x", "rule": rule.pk})):
        response = getattr(client, method)(url, data, HTTP_ACCEPT_LANGUAGE="ar")
        assert response.status_code == 403, url
        with translation.override("ar"):
            expected = translation.gettext("This is outside your moderation scope: only the moderators of its "
                                           "category and the site's moderators act on it.")
        assert escape(expected) in response.content.decode(), url
    assert _rows() == before


def test_a_moderator_who_cannot_see_the_thread_gets_a_404(client, make_user, give_mfa, make_category, make_thread,
                                                          make_organisation):
    org = make_organisation()
    closed = make_category(visibility="restricted", allowed_organisations=[org])
    thread = make_thread(category=closed, author=make_user(role="member", organisation=org))
    elsewhere = give_mfa(make_user(role="member"))
    make_category(moderators=[elsewhere])
    client.force_login(elsewhere)
    assert client.get(reverse("moderation:thread", kwargs={"thread_id": thread.pk})).status_code == 404
    assert client.post(reverse("moderation:thread_lock", kwargs={"thread_id": thread.pk}),
                       {"locked": "1"}).status_code == 404


def test_the_thread_page_deletes_and_restores_under_a_rule_without_javascript(client, post, moderator, rule):
    client.force_login(moderator)
    thread_kw = {"thread_id": post.thread_id}
    page = client.get(reverse("moderation:thread", kwargs=thread_kw)).content.decode()
    assert reverse("moderation:thread_delete", kwargs=thread_kw) in page
    before = _rows()
    response = client.post(reverse("moderation:thread_delete", kwargs=thread_kw), {"note": "x"})
    assert response.status_code == 400 and "Choose the rule this decision rests on." in response.content.decode()
    assert _rows() == before
    response = client.post(reverse("moderation:thread_delete", kwargs=thread_kw), {"rule": rule.pk})
    assert response.status_code == 302 and Thread.objects.get(pk=post.thread_id).deleted_at is not None
    # A deleted thread's page offers only its restoration; lock, move and split wait for it.
    page = client.get(reverse("moderation:thread", kwargs=thread_kw)).content.decode()
    assert reverse("moderation:thread_restore", kwargs=thread_kw) in page and 'name="locked"' not in page
    assert client.post(reverse("moderation:thread_lock", kwargs=thread_kw),
                       {"locked": "1", "rule": rule.pk}).status_code == 404
    response = client.post(reverse("moderation:thread_restore", kwargs=thread_kw), {"rule": rule.pk})
    assert response.status_code == 302 and Thread.objects.get(pk=post.thread_id).deleted_at is None
    assert list(Action.objects.values_list("kind", flat=True).order_by("pk")) == ["delete_thread", "restore_thread"]
