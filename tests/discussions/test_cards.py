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
    assert avatar == (f"avatar avatar-hue-{author.pk % 12}", "KH")


def test_a_former_members_avatar_is_neutral(client, thread, member):
    from forum.accounts import services as account_services

    author = thread.author
    account_services.account_delete(user=author, actor=author)
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert '<span class="avatar avatar-hue-none" aria-hidden="true">' in html


@pytest.mark.parametrize(("language", "name", "add"), [("en", "Like", "Add a reaction"),
                                                       ("fr", "J’aime", "Ajouter une réaction"),
                                                       ("ar", "إعجاب", "أضف تفاعلًا")])
def test_reactions_are_self_hosted_icons_named_in_the_readers_language(client, thread, member, language, name, add):
    member.preferred_language = language
    member.save(update_fields=["preferred_language"])
    client.force_login(member)
    post = thread.posts.get()
    html = client.get(thread.get_absolute_url()).content.decode()
    # A card without reactions has one "Add a reaction" link, to the page of choices; the choices
    # are in the page once, in the picker's template.
    assert (f'<span class="reactions"><a href="/t/post/{post.pk}/react/" class="react-add"><span>{add}</span></a>'
            f"</span>") in html
    assert (f'<template id="react-choices"><button form="react" name="r" value=" 👍" aria-pressed="false">'
            f"<span>{name}</span></button>") in html
    services.reaction_toggle(actor=member, post=post, emoji="👍")
    html = client.get(thread.get_absolute_url()).content.decode()
    [button] = re.findall(rf'<button form="react" name="r" value="{post.pk} 👍".*?</button>', html, flags=re.S)
    # The name is in the button (visually hidden by the stylesheet, which draws the icon).
    assert button == (f'<button form="react" name="r" value="{post.pk} 👍" aria-pressed="true" '
                      f'title="{member.display_name}"><span>{name}</span><span class="count">1</span></button>')
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
        assert (f'.reactions button[value$=" {emoji}"] {{ --reaction-icon: '
                f'url("../img/reactions/{icon}.svg"); }}') in css, emoji
        shapes = re.search(rf'<symbol id="{icon}" viewBox="0 0 24 24">(.*?)</symbol>', sprite)[1]
        drawn = (static / "img" / "reactions" / f"{icon}.svg").read_text()
        assert f">{shapes}</svg>" in drawn and 'stroke="#000"' in drawn, icon


def test_a_reaction_without_an_icon_shows_its_name(client, thread, member, settings):
    settings.FORUM_REACTIONS = ["👍", "🌱"]
    client.force_login(member)
    post = thread.posts.get()
    services.reaction_toggle(actor=member, post=post, emoji="🌱")
    html = client.get(thread.get_absolute_url()).content.decode()
    assert f'<button form="react" name="r" value="{post.pk} 🌱" class="reaction-text" aria-pressed="true"' in html
    assert '<button form="react" name="r" value=" 🌱" class="reaction-text" aria-pressed="false">' in html


def test_the_page_has_one_reactions_form_and_one_token_for_it_however_many_posts(client, thread, member, make_post):
    client.force_login(member)
    counts = []
    for _ in range(2):
        html = client.get(thread.get_absolute_url()).content.decode()
        assert html.count('<form id="react" method="post" action="/t/react/" hidden>') == 1
        counts.append((html.count("csrfmiddlewaretoken"), html.count('form="react"'), html.count('class="react-add"')))
        for _ in range(3):
            make_post(thread=thread, author=member, source="More")
    assert counts[0][0] == counts[1][0]  # tokens: constant in the number of posts
    assert counts[0][1] == counts[1][1] == 4  # the four choices, once, in the picker's template
    assert counts[1][2] == counts[0][2] + 3  # one "Add a reaction" per post


def test_a_post_shows_the_reactions_it_has_and_takes_them_back(client, thread, member, make_user):
    """A card lists only the reactions given (the others are behind "Add a reaction"), in the
    category's order, with their counts; a reaction taken back by everyone leaves the card."""
    post = thread.posts.get()
    other = make_user(display_name="Rim")
    services.reaction_toggle(actor=other, post=post, emoji="🤔")
    services.reaction_toggle(actor=member, post=post, emoji="👍")
    services.reaction_toggle(actor=other, post=post, emoji="👍")
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    chips = re.findall(rf'value="{post.pk} ([^"]+)" aria-pressed="(\w+)"[^>]*>.*?<span class="count">(\d+)</span>',
                       html)
    assert chips == [("👍", "true", "2"), ("🤔", "false", "1")]
    services.reaction_toggle(actor=other, post=post, emoji="🤔")
    html = client.get(thread.get_absolute_url()).content.decode()
    assert f'value="{post.pk} 🤔"' not in html and f'value="{post.pk} 👍"' in html


def test_a_cards_own_markup_stays_small(client, thread, member, make_post, make_user):
    """Issue #11 §4: what a card adds around the post's text is paid 50 times a page. A reader's
    card around the text (avatar, author, organisation, permalink time, "Add a reaction", reply,
    quote, the "More actions" menu with the flag) is about 900 bytes; with four reaction buttons
    on every card it was 1,252 bytes, and with a form and a CSRF token per post and an <svg> per
    button 2,143 bytes."""
    others = [make_user(display_name=f"Member {i}") for i in range(3)]
    for i in range(9):
        make_post(thread=thread, author=others[i % 3], source="Short text.")
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    cards = re.findall(r"<article .*?</article>", html, flags=re.S)
    assert len(cards) == 10
    for card in cards[1:]:
        body = re.search(r'<div class="post-body.*?</div>\n', card, flags=re.S)[0]
        assert len((card.replace(body, "")).encode()) <= 920, card
        assert "csrfmiddlewaretoken" not in card and "<form" not in card


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_each_card_shows_its_own_date_and_author_when_they_repeat(client, thread, member, make_post, make_user,
                                                                  language):
    """The renderer builds a page's avatars and "date, time" patterns once per author and day; each
    card still shows what `dates.short_datetime` and the avatar rules give for its own post."""
    from datetime import timedelta

    from django.utils import timezone

    from forum.accounts.templatetags.accounts_tags import initials
    from forum.core import dates
    from forum.discussions.models import Post

    other = make_user(display_name="ريم العلي")
    base = timezone.now() - timedelta(days=3)
    for i, (author, offset) in enumerate([(member, 0), (other, 7), (member, 60 * 24 + 5), (other, 60 * 49)]):
        post = make_post(thread=thread, author=author, source=f"Post {i}")
        Post.objects.filter(pk=post.pk).update(created_at=base + timedelta(minutes=offset))
    member.preferred_language = language
    member.save(update_fields=["preferred_language"])
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    shown = dict(re.findall(r'id="post-(\d+)".*?<time datetime="[^"]+">([^<]+)</time>', html, flags=re.S))
    faces = dict(re.findall(r'id="post-(\d+)".*?<span class="avatar [^"]+" aria-hidden="true">([^<]+)</span>',
                            html, flags=re.S))
    with translation.override(language):
        for post in thread.posts.select_related("author"):
            assert shown[str(post.pk)] == dates.short_datetime(post.created_at), post.pk
            assert faces[str(post.pk)] == initials(post.author.display_name), post.pk
