"""The post card's design pieces (issue #10 §2): the author's avatar and the reaction icons."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from forum.discussions import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(make_thread, make_user):
    author = make_user(display_name="Karim Haddad")
    return make_thread(author=author, title="Water", source="First post")


def test_the_author_has_an_avatar_of_initials_on_their_colour_hidden_from_screen_readers(client, thread, member):
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    author = thread.author
    [avatar] = re.findall(r'<header class="post-meta"><span class="([^"]+)" aria-hidden="true">([^<]+)</span>'
                          r'<a class="post-author"', html)
    assert avatar == (f"avatar avatar-small avatar-hue-{author.pk % 12}", "KH")


def test_a_former_members_avatar_is_neutral(client, thread, member):
    from forum.accounts import services as account_services

    author = thread.author
    account_services.account_delete(user=author, actor=author)
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert '<span class="avatar avatar-small avatar-hue-none" aria-hidden="true">' in html


@pytest.mark.parametrize(("language", "name"), [("en", "Like"), ("fr", "J’aime"), ("ar", "إعجاب")])
def test_reactions_are_self_hosted_icons_named_in_the_readers_language(client, thread, member, language, name):
    member.preferred_language = language
    member.save(update_fields=["preferred_language"])
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    [button] = re.findall(r'<button type="submit" name="emoji" value="👍".*?</button>', html, flags=re.S)
    assert re.search(r'<svg aria-hidden="true"><use href="/static/img/icons[^"]*'
                     r'\.svg#thumbs-up"/></svg>', button)
    assert f'<span class="visually-hidden">{name}</span>' in button
    visible = re.sub(r"<[^>]+>", "", button)
    assert "👍" not in visible  # the emoji is the submitted value, never drawn


def test_who_reacted_shows_the_icon_and_name(client, thread, member):
    post = thread.posts.get()
    services.reaction_toggle(actor=member, post=post, emoji="❤️")
    client.force_login(member)
    with translation.override("en"):
        html = client.get(reverse("discussions:post_reactions", kwargs={"post_id": post.pk})).content.decode()
    assert "icons.svg#heart" in html and '<span class="visually-hidden">Love</span>' in html


def test_every_offered_reaction_has_an_icon_in_the_sprite(settings):
    from pathlib import Path

    from forum.core import conf
    from forum.discussions.selectors import reaction_icon

    sprite = (Path(settings.BASE_DIR) / "static" / "img" / "icons.svg").read_text()
    for emoji in (*conf.FORUM_REACTIONS, *conf.FORUM_CONSULTATION_REACTIONS):
        icon = reaction_icon(emoji)
        assert icon and f'<symbol id="{icon}"' in sprite, emoji
