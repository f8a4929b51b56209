"""Language: the member's saved choice, else the browser's, with a switcher that remembers."""

import pytest


@pytest.mark.django_db
def test_browser_language_is_used_for_visitors(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ar")
    assert b'<html lang="ar" dir="rtl">' in response.content


@pytest.mark.django_db
def test_saved_preference_wins_over_the_browser(client, make_user):
    user = make_user(preferred_language="fr")
    client.force_login(user)
    response = client.get(f"/me/members/{user.pk}/", HTTP_ACCEPT_LANGUAGE="ar")
    assert b'<html lang="fr" dir="ltr">' in response.content


@pytest.mark.django_db
def test_switcher_saves_the_choice_on_the_profile_and_in_a_cookie(client, member):
    client.force_login(member)
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/organisations/"})
    assert response.status_code == 302 and response["Location"] == "/organisations/"
    member.refresh_from_db()
    assert member.preferred_language == "ar"
    assert response.cookies["madaniya_language"].value == "ar"


@pytest.mark.django_db
def test_switcher_ignores_an_unknown_language_and_changes_nothing(client, member):
    client.force_login(member)
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.preferred_language == ""
    assert "madaniya_language" not in response.cookies


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_switcher_refuses_to_redirect_off_site(client, target):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_switcher_needs_a_csrf_token(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.preferred_language == ""
