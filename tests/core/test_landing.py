"""The landing and login pages tell the truth about joining, and the header names the site in the
page's script (issue #10 §1)."""

import pytest

from tests.htmltree import parse

JOIN_URL = "/organisations/join/"


def _links(response) -> set[str]:
    return {a.attrs.get("href") for a in parse(response.content).find_all("a")}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_landing_and_login_link_to_the_join_form_when_requests_are_open(client, settings, path):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    response = client.get(path)
    assert response.status_code == 200
    assert JOIN_URL in _links(response)
    assert client.get(JOIN_URL).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_no_join_link_when_requests_are_closed(client, settings, path):
    settings.FORUM_ALLOW_JOIN_REQUESTS = False
    assert JOIN_URL not in _links(client.get(path))


@pytest.mark.django_db
def test_landing_says_invitation_only_only_when_it_is_true(client, settings):
    settings.FORUM_ALLOW_JOIN_REQUESTS = False
    assert "Membership is by invitation" in client.get("/").content.decode()
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    page = client.get("/").content.decode()
    assert "Membership is by invitation" not in page
    assert "asking to join" in page


@pytest.mark.django_db
def test_landing_promises_live_sessions_that_exist(client):
    """The welcome text mentions live sessions: the live app is installed and its list answers."""
    from django.urls import reverse

    assert "live sessions" in client.get("/").content.decode()
    assert reverse("live:index")


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "name"), [("ar", "مدنية"), ("fr", "Madaniya"), ("en", "Madaniya")])
def test_header_names_the_site_in_the_page_language(client, language, name):
    page = parse(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language).content)
    assert page.with_class("brand")[0].text().strip() == name
    assert page.find_all("title")[0].text().strip().endswith(name)
