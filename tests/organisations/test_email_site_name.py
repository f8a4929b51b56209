"""Invitations and allauth's own messages name the site in the e-mail's language ("مدنية" in Arabic)."""

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_arabic_invitation_names_the_site_in_arabic(representative, organisation, django_capture_on_commit_callbacks):
    from forum.organisations import services as organisations

    with django_capture_on_commit_callbacks(execute=True):
        organisations.invitation_create(actor=representative, email="new@example.org", organisation=organisation,
                                        role="member", language="ar")
    [message] = mail.outbox
    assert message.subject.startswith("[مدنية] ") and "مدنية" in message.body
    assert "Madaniya" not in message.subject + message.body


def test_allauth_messages_greet_from_the_site_name_not_the_host(client, make_user):
    make_user(email="known@example.org")
    client.post(reverse("account_reset_password"), {"email": "known@example.org"}, HTTP_ACCEPT_LANGUAGE="ar")
    [message] = mail.outbox
    assert message.subject.startswith("[مدنية] ")
    assert "مدنية" in message.body and "testserver" not in message.body.split("http")[0]
