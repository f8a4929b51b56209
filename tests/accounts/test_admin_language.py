"""The admin and allauth's pages in Arabic and French: section names in the page's language, one
"accounts" section, and none of the library translations that read wrong (issue #10 §1;
forum/core/catalogue_overrides.py)."""

from __future__ import annotations

import re

import pytest

from tests.htmltree import parse

LATIN = re.compile(r"[A-Za-z]")
# What the Arabic admin and MFA pages showed before: MFA as "Ministry of Foreign Affairs", "يولد"
# (is born) for Generate, a misagreed "no keys were added", "add a link" for the add-links column.
BAD_ARABIC = ("وزارة الخارجية", "يولد", "لم تُضاف", "أضف رابط", "كلمة المرور الخاص بك", "توثيق ذو عاملين")
ENGLISH_NAMES = {"Accounts", "Audit log", "Core", "Categories", "MFA", "User Sessions", "User sessions",
                 "Scheduled job runs", "Read states", "Room events", "Question votes", "Authenticators"}


@pytest.fixture
def admin_client(client, make_user, enrol_totp):
    admin = make_user(role="admin", email="root@example.org")
    enrol_totp(admin)
    client.force_login(admin)
    return client


def _index(client, language):
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = parse(response.content)
    sections = [c.text().strip() for c in page.find_all("caption")]
    models = [th.text().strip() for th in page.find_all("th") if th.attrs.get("scope") == "row"]
    return response.content.decode(), sections, models


@pytest.mark.django_db
def test_arabic_admin_index_names_every_section_and_model_in_arabic(admin_client):
    html, sections, models = _index(admin_client, "ar")
    assert len(sections) >= 10
    assert [name for name in sections + models if LATIN.search(name)] == []
    assert len(sections) == len(set(sections))  # one "accounts" section, not two
    assert not [bad for bad in BAD_ARABIC if bad in html]
    assert "مدنية" in html and "Madaniya" not in html


@pytest.mark.django_db
def test_french_admin_index_has_no_english_section_or_model(admin_client):
    _html, sections, models = _index(admin_client, "fr")
    assert set(sections + models) & ENGLISH_NAMES == set()
    assert len(sections) == len(set(sections))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ar", "fr"])
def test_mfa_and_sessions_pages_carry_our_wording(admin_client, language):
    pages = "".join(admin_client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()
                    for path in ("/accounts/2fa/", "/accounts/sessions/"))
    if language == "ar":
        assert not [bad for bad in BAD_ARABIC if bad in pages]
        assert "المصادقة الثنائية" in pages and "أنشئ" in pages
    else:
        assert "Authentification à deux facteurs" in pages and "Générer" in pages
