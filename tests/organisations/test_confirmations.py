"""Destructive actions ask first, with a page that needs no JavaScript (issue #10 §1): the button on
the organisation page is a link to a confirmation page; opening it changes nothing; its form does it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from forum.organisations.models import Invitation, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_client(client, representative):
    representative.preferred_language = "fr"
    representative.save(update_fields=["preferred_language"])
    client.force_login(representative)
    return client


def _link(html: str, href: str) -> str:
    """The element that points to `href` on the page: must be a link (GET), not a one-click form."""
    assert f'action="{href}"' not in html
    match = re.search(r'<a [^>]*href="' + re.escape(href) + r'"[^>]*>(.*?)</a>', html, re.S)
    assert match, href
    return match.group(1)


def test_removing_a_member_is_confirmed_on_its_own_page_first(rep_client, organisation, make_user):
    rim = make_user(role="member", organisation=organisation, display_name="ريم العلي")
    membership = rim.memberships.get()
    url = reverse("organisations:member_remove", kwargs={"slug": organisation.slug, "membership_id": membership.pk})
    page = rep_client.get(reverse("organisations:detail", kwargs={"slug": organisation.slug})).content.decode()
    assert _link(page, url) == "Retirer <bdi>ريم العلي</bdi>"

    response = rep_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and Membership.objects.filter(pk=membership.pk).exists()
    assert "Retirer <bdi>ريم العلي</bdi> de <bdi>Lamsa Civic Forum</bdi> ?" in html
    assert f'<form method="post" action="{url}"' in html and 'class="button-danger"' in html

    assert rep_client.post(url).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_revoking_an_invitation_is_confirmed_on_its_own_page_first(rep_client, organisation, make_invitation):
    invitation = make_invitation(organisation=organisation, email="nour@example.org")
    url = reverse("organisations:invitation_revoke", kwargs={"slug": organisation.slug, "invitation_id": invitation.pk})
    page = rep_client.get(reverse("organisations:detail", kwargs={"slug": organisation.slug})).content.decode()
    assert "nour@example.org" in _link(page, url)

    response = rep_client.get(url)
    assert response.status_code == 200 and f'<form method="post" action="{url}"' in response.content.decode()
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None
    assert rep_client.post(url).status_code == 302
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None


def test_the_confirmation_page_refuses_who_may_not_act_and_changes_nothing(client, organisation, make_user):
    member = make_user(role="member", organisation=organisation)
    other = make_user(role="member", organisation=organisation)
    client.force_login(member)
    url = reverse("organisations:member_remove",
                  kwargs={"slug": organisation.slug, "membership_id": other.memberships.get().pk})
    response = client.get(url)
    assert response.status_code == 403 and Membership.objects.filter(user=other).exists()
