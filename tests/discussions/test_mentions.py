"""Mention suggestions (GET /t/<id>/mentions/, /t/categories/<id>/mentions/) and `@Karim` resolving."""

from __future__ import annotations

import pytest
from django.utils import translation

from forum.discussions import audience, services
from forum.discussions.mentions import mention_suggestions
from forum.notifications.models import Notification


def url(thread):
    return f"/t/{thread.pk}/mentions/"


@pytest.fixture
def place(make_category, make_thread, make_user):
    category = make_category()
    writer = make_user(role="member", display_name="Writer")
    thread = make_thread(category=category, author=writer)
    return category, thread, writer


def test_suggests_members_by_any_word_in_any_script(client, place, make_user):
    _category, thread, writer = place
    make_user(role="member", display_name="Karim Haddad")
    make_user(role="member", display_name="ريم العلي")
    make_user(role="member", display_name="Élise Martin")
    client.force_login(writer)
    assert client.get(url(thread), {"q": "kar"}).json() == {"names": ["Karim Haddad"]}
    assert client.get(url(thread), {"q": "hadd"}).json() == {"names": ["Karim Haddad"]}
    # Normalised like search: hamza forms and the article, accents folded by case only.
    assert client.get(url(thread), {"q": "علي"}).json() == {"names": ["ريم العلي"]}
    assert client.get(url(thread), {"q": "ريم"}).json() == {"names": ["ريم العلي"]}
    assert client.get(url(thread), {"q": "élise"}).json() == {"names": ["Élise Martin"]}
    assert client.get(url(thread), {"q": "@[Kar"}).json() == {"names": ["Karim Haddad"]}


def test_arabic_letter_forms_match_each_other(client, place, make_user):
    _category, thread, writer = place
    make_user(role="member", display_name="أحمد")
    client.force_login(writer)
    assert client.get(url(thread), {"q": "احم"}).json() == {"names": ["أحمد"]}


def test_only_people_who_can_read_the_thread_are_suggested(client, make_category, make_thread, make_user,
                                                           make_organisation):
    org = make_organisation()
    restricted = make_category(visibility="restricted", allowed_organisations=[org])
    writer = make_user(role="member", organisation=org, display_name="Writer")
    thread = make_thread(category=restricted, author=writer)
    make_user(role="member", organisation=org, display_name="Karim Inside")
    make_user(role="member", display_name="Karim Outside")
    gone = make_user(role="member", display_name="Karim Gone")
    gone.is_active = False
    gone.save()
    make_user(role="member", display_name="Karim Suspended", suspended=True)
    client.force_login(writer)
    names = client.get(url(thread), {"q": "karim"}).json()["names"]
    assert "Karim Inside" in names
    assert "Karim Outside" not in names and "Karim Gone" not in names
    # A new thread in the category: the category's readers.
    names = client.get(f"/t/categories/{restricted.pk}/mentions/", {"q": "karim"}).json()["names"]
    assert "Karim Inside" in names and "Karim Outside" not in names


def test_answers_carry_display_names_only_and_never_the_writer(client, place, make_user):
    _category, thread, writer = place
    karim = make_user(role="member", display_name="Karim Haddad", email="karim.secret@example.org")
    client.force_login(writer)
    response = client.get(url(thread), {"q": "k"})
    body = response.content.decode()
    assert response.json() == {"names": ["Karim Haddad"]}
    assert "karim.secret" not in body and str(karim.pk) not in body
    assert client.get(url(thread), {"q": "writ"}).json() == {"names": []}
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_results_are_capped(client, place, make_user, settings):
    _category, thread, writer = place
    settings.FORUM_MENTION_SUGGESTIONS_MAX = 3
    for n in range(6):
        make_user(role="member", display_name=f"Nour {n}")
    client.force_login(writer)
    assert client.get(url(thread), {"q": "nour"}).json() == {"names": ["Nour 0", "Nour 1", "Nour 2"]}


def test_empty_query_suggests_nobody_and_oversized_is_refused_in_the_language(client, place):
    _category, thread, writer = place
    client.force_login(writer)
    assert client.get(url(thread), {"q": ""}).json() == {"names": []}
    response = client.get(url(thread), {"q": "x" * 61})
    assert response.status_code == 400 and "60" in response.json()["error"]
    with translation.override("fr"):
        french = client.get(url(thread), {"q": "x" * 61}, HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 400 and "caractères" in french.json()["error"]


def test_asking_too_fast_is_refused(client, place, settings):
    _category, thread, writer = place
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "mention": "2/m"}
    client.force_login(writer)
    assert client.get(url(thread), {"q": "a"}).status_code == 200
    assert client.get(url(thread), {"q": "b"}).status_code == 200
    response = client.get(url(thread), {"q": "c"})
    assert response.status_code == 429 and response.json()["error"]


def test_refused_to_strangers_observers_and_anonymous(client, make_category, make_thread, make_user,
                                                      make_organisation):
    org = make_organisation()
    restricted = make_category(visibility="restricted", allowed_organisations=[org])
    thread = make_thread(category=restricted, author=make_user(role="member", organisation=org))
    assert client.get(url(thread), {"q": "a"}).status_code == 302  # to the login page
    client.force_login(make_user(role="member"))
    assert client.get(url(thread), {"q": "a"}).status_code == 404
    assert client.get("/t/999999/mentions/", {"q": "a"}).status_code == 404
    assert client.post(url(thread), {"q": "a"}).status_code == 405


def test_a_reader_who_may_not_reply_is_refused_with_a_reason(client, place, make_user):
    category, thread, _writer = place
    category.reply_policy = "moderators"
    category.save()
    client.force_login(make_user(role="member"))
    response = client.get(url(thread), {"q": "a"})
    assert response.status_code == 403 and response.json()["error"]


def test_hostile_names_come_back_as_json_text(client, place, make_user):
    _category, thread, writer = place
    make_user(role="member", display_name="<script>alert(1)</script>")
    client.force_login(writer)
    response = client.get(url(thread), {"q": "<scr"})
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"names": ["<script>alert(1)</script>"]}


def test_query_count_does_not_grow_with_the_members(client, place, make_user, django_assert_max_num_queries):
    _category, thread, writer = place
    for n in range(3):
        make_user(role="member", display_name=f"Samir {n}")
    client.force_login(writer)
    client.get(url(thread), {"q": "sam"})  # session and facts warm
    with django_assert_max_num_queries(20) as few:
        client.get(url(thread), {"q": "sam"})
    for n in range(3, 20):
        make_user(role="member", display_name=f"Samir {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url(thread), {"q": "sam"}).json()["names"]) == 8


# --- @Karim ---------------------------------------------------------------------------------------

def test_a_first_name_resolves_when_one_member_has_it(db, make_user):
    from django.contrib.auth import get_user_model

    karim = make_user(role="member", display_name="Karim Haddad")
    users = get_user_model().objects.all()
    assert audience.resolve_mention_keys({"karim"}, users) == {"karim": karim.pk}
    make_user(role="member", display_name="Karim Nasser")
    assert audience.resolve_mention_keys({"karim"}, users) == {}
    exact = make_user(role="member", display_name="Karim")
    assert audience.resolve_mention_keys({"karim"}, users) == {"karim": exact.pk}
    assert audience.resolve_mention_keys({"karim haddad"}, users) == {"karim haddad": karim.pk}


def test_at_first_name_links_and_notifies_the_one_member(place, make_user):
    _category, thread, writer = place
    karim = make_user(role="member", display_name="Karim Haddad")
    post = services.post_create(author=writer, thread=thread, source="Thanks @Karim, and @[Karim Haddad].")
    assert f'href="{karim.get_absolute_url()}"' in post.html and post.html.count('class="mention"') == 2
    assert Notification.objects.filter(recipient=karim).exists()


def test_at_first_name_stays_text_when_ambiguous(place, make_user):
    _category, thread, writer = place
    a = make_user(role="member", display_name="Karim Haddad")
    b = make_user(role="member", display_name="Karim Nasser")
    post = services.post_create(author=writer, thread=thread, source="Thanks @Karim")
    assert 'class="mention"' not in post.html
    assert not Notification.objects.filter(recipient__in=[a, b]).exists()


def test_service_refuses_a_place_the_writer_cannot_write_in(place, make_user):
    from django.core.exceptions import PermissionDenied

    category, _thread, _writer = place
    category.start_policy = "moderators"
    category.save()
    with pytest.raises(PermissionDenied):
        mention_suggestions(writer=make_user(role="member"), query="a", category=category)
