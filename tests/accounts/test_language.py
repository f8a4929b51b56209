"""A member's saved language wins over the browser's; the switcher saves it."""

from __future__ import annotations

from django.urls import reverse


def test_saved_language_wins_over_the_browser(client, make_user):
    client.force_login(make_user(preferred_language="fr"))
    response = client.get(reverse("accounts:settings"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="fr" dir="ltr">' in response.content.decode()


def test_arabic_pages_are_right_to_left(client, make_user):
    client.force_login(make_user(preferred_language="ar"))
    response = client.get(reverse("accounts:settings"), HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="ar" dir="rtl">' in response.content.decode()


def test_without_a_saved_language_the_browser_decides(client, make_user):
    client.force_login(make_user(preferred_language=""))
    response = client.get(reverse("accounts:settings"), HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="fr"' in response.content.decode()


def test_switcher_saves_the_choice_on_the_profile(client, make_user):
    user = make_user(preferred_language="ar")
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/me/settings/"})
    assert response.status_code == 302 and response["Location"] == "/me/settings/"
    user.refresh_from_db()
    assert user.preferred_language == "en"
    assert '<html lang="en"' in client.get("/me/settings/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()


def test_switcher_ignores_an_unknown_language(client, make_user):
    user = make_user(preferred_language="fr")
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "xx"})
    user.refresh_from_db()
    assert user.preferred_language == "fr"
