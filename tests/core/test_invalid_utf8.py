"""Text that is not valid UTF-8 is refused with a clear message, and nothing is saved."""

import pytest
from django.test import Client

from forum.accounts.models import User


@pytest.fixture
def signed_in(member):
    client = Client()
    client.force_login(member)
    client.user = member
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"display_name=ab%FF%FEcd", b"display_name=ab\xed\xb3\xbfcd",
                                  b"display_name=%C3", b"x=1&display_name=ok&bio=%80"])
def test_invalid_utf8_form_is_refused_and_changes_nothing(signed_in, body):
    before = User.objects.get(pk=signed_in.user.pk).display_name
    response = signed_in.post("/i18n/setlang/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "not valid UTF-8" in response.content.decode()
    assert User.objects.get(pk=signed_in.user.pk).display_name == before


@pytest.mark.django_db
def test_invalid_utf8_in_the_query_string_is_refused(signed_in):
    response = signed_in.get("/search/", QUERY_STRING="q=%FF")
    assert response.status_code == 400


@pytest.mark.django_db
def test_valid_arabic_and_emoji_pass(signed_in):
    body = b"language=ar&next=/%D9%85%D8%B1%D8%AD%D8%A8%D8%A7/%F0%9F%91%8D"
    response = signed_in.post("/i18n/setlang/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_refusal_is_translated(signed_in):
    signed_in.user.preferred_language = "fr"
    signed_in.user.save()
    response = signed_in.post("/i18n/setlang/", data=b"a=%FF", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert '<html lang="fr"' in response.content.decode()
