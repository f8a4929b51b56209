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
    post = thread.posts.get()
    [button] = re.findall(rf'<button form="react" name="r" value="{post.pk} 👍".*?</button>', html, flags=re.S)
    # The name is in the button (visually hidden by the stylesheet, which draws the icon).
    assert button == (f'<button form="react" name="r" value="{post.pk} 👍" aria-pressed="false">'
                      f"<span>{name}</span></button>")
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


def test_every_offered_reaction_button_gets_its_icon_from_the_stylesheet(settings):
    """The cards' buttons are drawn by discussions.css from static/img/reactions/<icon>.svg, which
    must hold the same shapes as the sprite's symbol (the sprite still serves the other pages)."""
    from pathlib import Path

    from forum.core import conf
    from forum.discussions.selectors import reaction_icon

    static = Path(settings.BASE_DIR) / "static"
    sprite = (static / "img" / "icons.svg").read_text()
    css = (static / "css" / "discussions.css").read_text()
    for emoji in (*conf.FORUM_REACTIONS, *conf.FORUM_CONSULTATION_REACTIONS):
        icon = reaction_icon(emoji)
        assert (f'.reactions > button[value$=" {emoji}"] {{ --reaction-icon: '
                f'url("../img/reactions/{icon}.svg"); }}') in css, emoji
        shapes = re.search(rf'<symbol id="{icon}" viewBox="0 0 24 24">(.*?)</symbol>', sprite)[1]
        drawn = (static / "img" / "reactions" / f"{icon}.svg").read_text()
        assert f">{shapes}</svg>" in drawn and 'stroke="#000"' in drawn, icon


def test_a_reaction_without_an_icon_shows_its_name(client, thread, member, settings):
    settings.FORUM_REACTIONS = ["👍", "🌱"]
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    post = thread.posts.get()
    assert f'<button form="react" name="r" value="{post.pk} 🌱" class="reaction-text" aria-pressed="false">' in html


def test_the_page_has_one_reactions_form_and_one_token_for_it_however_many_posts(client, thread, member, make_post):
    client.force_login(member)
    counts = []
    for _ in range(2):
        html = client.get(thread.get_absolute_url()).content.decode()
        assert html.count('<form id="react" method="post" action="/t/react/" hidden>') == 1
        counts.append((html.count("csrfmiddlewaretoken"), html.count('form="react"')))
        for _ in range(3):
            make_post(thread=thread, author=member, source="More")
    assert counts[0][0] == counts[1][0]  # tokens: constant in the number of posts
    assert counts[1][1] == counts[0][1] + 3 * 4  # four buttons per post, all on the one form


def test_a_cards_own_markup_stays_small(client, thread, member, make_post, make_user):
    """Issue #11 §4: what a card adds around the post's text is paid 50 times a page. A reader's
    card around the text (avatar, author, organisation, permalink time, four reaction buttons,
    reply, quote, the "More actions" menu with the flag) is 1,252 bytes; with a form and a CSRF
    token per post and an <svg> per button it was 2,143 bytes."""
    others = [make_user(display_name=f"Member {i}") for i in range(3)]
    for i in range(9):
        make_post(thread=thread, author=others[i % 3], source="Short text.")
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    cards = re.findall(r"<article .*?</article>", html, flags=re.S)
    assert len(cards) == 10
    for card in cards[1:]:
        body = re.search(r'<div class="post-body.*?</div>\n', card, flags=re.S)[0]
        assert len((card.replace(body, "")).encode()) <= 1300, card
        assert "csrfmiddlewaretoken" not in card and "<form" not in card
