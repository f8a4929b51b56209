"""The flag button and form (no JavaScript), the flagger's view of their flag, and hidden posts as
readers, the author and moderators see them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from forum.moderation.models import Flag

pytestmark = pytest.mark.django_db


def _flag_url(post):
    return reverse("moderation:flag", kwargs={"kind": "post", "item_id": post.pk})


def test_each_post_of_another_has_a_flag_link_and_ones_own_has_none(client, post, author, make_user):
    reader = make_user(role="member")
    client.force_login(reader)
    page = client.get(post.thread.get_absolute_url()).content.decode()
    assert _flag_url(post) in page
    client.force_login(author)
    page = client.get(post.thread.get_absolute_url()).content.decode()
    assert _flag_url(post) not in page


def test_the_flag_form_posts_without_javascript_and_shows_the_state_after(client, post, make_user):
    reader = make_user(role="member")
    client.force_login(reader)
    form = client.get(_flag_url(post))
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    response = client.post(_flag_url(post), {"reason": "harassment", "text": ""})
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert Flag.objects.get().reporter == reader
    again = client.get(_flag_url(post)).content.decode()
    assert "State of your flag" in again and "Waiting for review" in again
    mine = client.get(reverse("moderation:my_flags")).content.decode()
    assert "Harassment or abuse" in mine and "Waiting for review" in mine


def test_a_second_flag_by_post_is_refused_with_a_message(client, post, make_user):
    reader = make_user(role="member")
    client.force_login(reader)
    client.post(_flag_url(post), {"reason": "spam"})
    response = client.post(_flag_url(post), {"reason": "illegal"})
    assert response.status_code == 400 and "already flagged" in response.content.decode()
    assert Flag.objects.get().reason == "spam"


def test_the_form_refuses_a_missing_reason_in_arabic(client, post, make_user):
    reader = make_user(role="member")
    client.force_login(reader)
    response = client.post(_flag_url(post), {"reason": ""}, HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 400
    with translation.override("ar"):
        assert translation.gettext("Choose a reason.") in response.content.decode()
    assert not Flag.objects.exists()


def test_ones_own_post_gets_a_refusal_page(client, post, author):
    client.force_login(author)  # who reads Arabic
    response = client.get(_flag_url(post))
    with translation.override("ar"):
        assert response.status_code == 403
        assert translation.gettext("You cannot flag your own post.") in response.content.decode()
    assert client.post(_flag_url(post), {"reason": "spam"}).status_code == 403
    assert not Flag.objects.exists()


def test_a_forged_id_or_kind_is_a_404(client, post, make_user):
    client.force_login(make_user(role="member"))
    assert client.get(reverse("moderation:flag", kwargs={"kind": "post", "item_id": 99999})).status_code == 404
    assert client.get(reverse("moderation:flag", kwargs={"kind": "poll", "item_id": post.pk})).status_code == 404


def test_a_post_held_for_review_shows_a_placeholder_to_readers_and_its_text_to_its_author(
        client, post, author, make_user, flag_post):
    flag_post(post, make_user(role="member"), reason="endangers")
    client.force_login(make_user(role="member"))
    page = client.get(post.thread.get_absolute_url()).content.decode()
    assert "hidden while moderators review" in page and "A rude reply" not in page
    client.force_login(author)  # who reads Arabic
    page = client.get(post.thread.get_absolute_url()).content.decode()
    with translation.override("ar"):
        pending = translation.gettext("This post is hidden while moderators review reports about it.")
    assert pending in page and "A rude reply" in page


@pytest.mark.parametrize("how", ["hide", "delete", "endangers"])
def test_the_flagger_cannot_reread_a_post_hidden_or_deleted_since(client, post, make_user, flag_post, moderator,
                                                                   rule, how):
    from forum.moderation import services

    reader = make_user(role="member", preferred_language="fr")
    flag = flag_post(post, reader, reason="endangers" if how == "endangers" else "spam")
    if how != "endangers":  # "endangers someone" hides it at once; the others by a moderator
        services.item_act(actor=moderator, item=flag.item, kind=how, rule=rule)
    client.force_login(reader)
    for response in (client.get(_flag_url(post), HTTP_ACCEPT_LANGUAGE="fr"),
                     client.post(_flag_url(post), {"reason": "illegal"}, HTTP_ACCEPT_LANGUAGE="fr")):
        body = response.content.decode()
        assert response.status_code == 403
        assert "A rude reply" not in body and "flagged-excerpt" not in body
        with translation.override("fr"):
            assert escape(translation.gettext("This is no longer shown: the moderators hid or removed it after it "
                                              "was flagged. Your flag's state is on your flags page.")) in body
    assert Flag.objects.count() == 1


def test_the_flagger_still_rereads_a_post_that_stays_shown(client, post, make_user, flag_post):
    reader = make_user(role="member")
    flag_post(post, reader)
    client.force_login(reader)
    response = client.get(_flag_url(post))
    assert response.status_code == 200 and "A rude reply" in response.content.decode()
