"""Live sessions have a title and description per language (ar, fr, en), the default as fallback."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from forum.live.models import LiveSession
from forum.live.services import sessions as session_services
from tests.live.test_views import _form


@pytest.fixture
def admin(make_user, give_mfa):
    return give_mfa(make_user(role="admin"))


def test_the_form_saves_titles_per_language_and_pages_follow_the_language(client, admin, member):
    client.force_login(admin)
    response = client.post(reverse("live:create"), _form(title_ar="المياه والمدينة", title_fr="L'eau et la ville",
                                                         description_fr="Une table ronde"))
    assert response.status_code == 302
    session = LiveSession.objects.get(title="Water and the city")
    assert (session.title_ar, session.title_fr, session.title_en) == ("المياه والمدينة", "L'eau et la ville", "")
    with translation.override("ar"):
        assert session.display_title == "المياه والمدينة" == str(session)
    with translation.override("en"):
        assert session.display_title == "Water and the city"
    client.force_login(member)
    french = client.get(session.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "L&#x27;eau et la ville" in french and "Une table ronde" in french
    listing = client.get(reverse("live:index"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "المياه والمدينة" in listing
    english = client.get(reverse("live:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Water and the city" in english


def test_the_edit_form_shows_and_changes_them(client, admin):
    session = session_services.session_create(
        actor=admin, title="Default", starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=1), title_en="English title")
    client.force_login(admin)
    page = client.get(reverse("live:edit", args=[session.pk])).content.decode()
    assert 'name="title_en"' in page and "English title" in page
    session_services.session_update(actor=admin, session=session, title_en="", title_fr="Titre")
    session.refresh_from_db()
    assert (session.title_en, session.title_fr) == ("", "Titre")


def test_a_bad_title_per_language_is_refused_and_nothing_saved(client, admin):
    client.force_login(admin)
    response = client.post(reverse("live:create"), _form(title_fr="Piège \u202e titre"))
    assert response.status_code == 400
    assert "Titles and names cannot contain invisible" in response.content.decode()
    assert not LiveSession.objects.exists()
    response = client.post(reverse("live:create"), _form(title_en="x" * 201))
    assert response.status_code == 400 and not LiveSession.objects.exists()


def test_the_migration_copies_the_default_title(db, settings, admin):
    from django.apps import apps

    copy_default_to_language = importlib.import_module("forum.live.migrations.0004_session_titles_per_language").copy_default_to_language

    settings.LANGUAGE_CODE = "fr"
    session = session_services.session_create(
        actor=admin, title="Atelier", description="Desc", starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=1))
    copy_default_to_language(apps, None, app_label="live", model="LiveSession", fields=("title", "description"))
    session.refresh_from_db()
    assert (session.title_fr, session.description_fr, session.title_ar) == ("Atelier", "Desc", "")
