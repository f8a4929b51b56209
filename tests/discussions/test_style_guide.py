"""The living style page, /style/: staff only; every component, in Arabic, French and English."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
URL = "/style/"


@pytest.fixture
def staff(make_user, give_mfa):
    user = make_user(role="admin")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    give_mfa(user)
    return user


def test_the_style_page_is_at_slash_style():
    assert reverse("style_guide") == URL


def test_staff_see_every_component_in_the_three_languages_each_with_its_direction(client, staff):
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    sections = re.findall(r'<section class="style-section" id="style-(\w+)" lang="(\w+)" dir="(\w+)"', html)
    assert sections == [("ar", "ar", "rtl"), ("fr", "fr", "ltr"), ("en", "en", "ltr")]
    parts = re.split(r'<section class="style-section"', html)[1:]
    for part in parts:
        for component in ('<button type="button">', "button-secondary", "button-danger", "<textarea",
                          'class="errorlist"', "message-warning", "message-error", 'class="avatar ',
                          'class="badge badge-observer"', 'class="reaction"', "icons.svg#thumbs-up", 'class="card"',
                          '<article class="post depth-0"', '<li class="room-message"', 'table class="category-table cards"',
                          "data-label="):
            assert component in part, component
    # each section speaks its own language, whatever the reader's
    assert "نشر الرد" in parts[0] and "Publier la réponse" in parts[1]
    assert "Annuler" in parts[1] and "Cancel" in parts[2]


def test_members_and_moderators_are_refused_and_visitors_sent_to_sign_in(client, member, make_user, give_mfa):
    assert client.get(URL).status_code == 302
    client.force_login(member)
    refused = client.get(URL)
    assert refused.status_code == 403 and "Only the site" in refused.content.decode()
    moderator = make_user(role="moderator")
    give_mfa(moderator)
    client.force_login(moderator)
    assert client.get(URL).status_code == 403


def test_the_style_page_only_answers_get(client, staff):
    client.force_login(staff)
    assert client.post(URL).status_code == 405



def test_staff_without_a_second_factor_are_sent_to_enrol_first(client, make_user):
    user = make_user(role="admin")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_index"))
