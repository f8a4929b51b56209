import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils import translation


@pytest.mark.django_db
def test_forbidden_page_shows_the_translated_reason(member):
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/")
    request.user = member
    with translation.override("en"):
        response = permission_denied(request, PermissionDenied("Observers cannot browse member profiles."))
    assert response.status_code == 403
    assert b"Observers cannot browse member profiles." in response.content
    assert b'dir="ltr"' in response.content


@pytest.mark.django_db
def test_unknown_page_is_a_404_in_the_site_layout(member_client):
    response = member_client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"This page does not exist" in response.content
