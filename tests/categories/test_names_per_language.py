"""Categories have a name and description per language (ar, fr, en), the default as fallback."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from forum.categories import services
from forum.categories.models import Category


@pytest.fixture
def water(db):
    return Category.objects.create(name="Eau / مياه", slug="water", description="Default description",
                                   name_ar="المياه", name_fr="L'eau", description_fr="Tout sur l'eau")


@pytest.mark.parametrize("language,name,description", [
    ("ar", "المياه", "Default description"),
    ("fr", "L'eau", "Tout sur l'eau"),
    ("en", "Eau / مياه", "Default description"),  # no English name: the default
])
def test_the_active_language_picks_the_name_with_fallback(water, language, name, description):
    with translation.override(language):
        assert water.display_name == name == str(water)
        assert water.display_description == description


def test_a_blank_translation_falls_back(water):
    water.name_fr = "   "
    with translation.override("fr"):
        assert water.display_name == "Eau / مياه"


@pytest.mark.parametrize("language,expected", [("ar", "المياه"), ("fr", "L&#x27;eau"), ("en", "Eau / مياه")])
def test_pages_show_the_name_in_the_page_language(member_client, water, make_thread, language, expected):
    thread = make_thread(category=water)
    for url in ("/c/", water.get_absolute_url(), thread.get_absolute_url()):
        html = member_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert expected in html, (url, language)
    html = member_client.get(water.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    if language == "fr":
        assert "Tout sur l&#x27;eau" in html


def test_names_per_language_are_edited_through_the_service_and_audited(water, make_user, give_mfa):
    from forum.audit.models import AuditEntry

    admin = give_mfa(make_user(role="admin"))
    services.category_update(actor=admin, category=water, name_en="Water", description_en="All about water")
    water.refresh_from_db()
    with translation.override("en"):
        assert water.display_name == "Water" and water.display_description == "All about water"
    entry = AuditEntry.objects.filter(verb="category.update").latest("pk")
    assert "name_en" in str(entry.data)


def test_a_translated_name_with_bidi_controls_is_refused(water, make_user, give_mfa):
    admin = give_mfa(make_user(role="admin"))
    with pytest.raises(ValidationError) as error:
        services.category_update(actor=admin, category=water, name_fr="L'eau\u202e")
    assert "name_fr" in error.value.message_dict
    water.refresh_from_db()
    assert water.name_fr == "L'eau"


def test_the_admin_edits_the_names_per_language(client, water, make_user, give_mfa):
    admin = give_mfa(make_user(role="admin"))
    client.force_login(admin)
    html = client.get(f"/admin/categories/category/{water.pk}/change/").content.decode()
    assert 'name="name_fr"' in html and 'name="description_en"' in html


def test_the_migration_copies_the_default_into_the_default_language(db, settings):
    from django.apps import apps

    copy_default_to_language = importlib.import_module("forum.categories.migrations.0002_names_per_language").copy_default_to_language

    settings.LANGUAGE_CODE = "ar"
    old = Category.objects.create(name="Ancien", slug="old", description="Desc")
    kept = Category.objects.create(name="Autre", slug="kept", name_ar="أخرى")
    copy_default_to_language(apps, None, app_label="categories", model="Category", fields=("name", "description"))
    old.refresh_from_db()
    kept.refresh_from_db()
    assert (old.name_ar, old.description_ar, old.name_fr) == ("Ancien", "Desc", "")
    assert kept.name_ar == "أخرى"  # a name already given is kept
    migration = importlib.import_module("forum.categories.migrations.0002_names_per_language")
    assert any(type(op).__name__ == "RunPython" for op in migration.Migration.operations)
