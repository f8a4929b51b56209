"""The words of a notification, in the French and Arabic interface with an Arabic name and a Latin
title: each piece of user text is isolated, the quote marks are the interface language's."""

import pytest
from django.utils import translation

from forum.notifications import emails, services, texts
from forum.notifications.models import Notification

pytestmark = pytest.mark.django_db

FSI, PDI = "\u2068", "\u2069"


@pytest.fixture
def notice(make_user):
    rim = make_user(display_name="ريم العلي")
    reader = make_user(email="lea@example.org", preferred_language="fr")
    services.notify(recipient=reader, kind="watched", actor=rim, url="/t/post/1/",
                    data={"thread_title": "Article 1 <draft>", "excerpt": "نص"}, key="post:1")
    return Notification.objects.get(recipient=reader)


def test_french_sentence_isolates_the_arabic_name_and_uses_french_quotes(notice):
    with translation.override("fr"):
        assert texts.describe(notice, html=True) == (
            "<bdi>ريم العلي</bdi> a publié un message dans « <bdi>Article 1 &lt;draft&gt;</bdi> »")
        assert texts.describe(notice) == f"{FSI}ريم العلي{PDI} a publié un message dans « {FSI}Article 1 <draft>{PDI} »"


def test_arabic_sentence_uses_the_arabic_quotes_of_the_catalogue(notice):
    with translation.override("ar"):
        assert texts.describe(notice, html=True) == (
            "مشاركة جديدة من <bdi>ريم العلي</bdi> في «<bdi>Article 1 &lt;draft&gt;</bdi>»")


def test_the_email_isolates_names_in_subject_and_text_and_uses_bdi_in_html(notice):
    message = emails.notification_message(notice)
    assert f"{FSI}ريم العلي{PDI} a publié un message dans « {FSI}Article 1 <draft>{PDI} »" in message.subject
    assert f"{FSI}ريم العلي{PDI} a publié" in message.body
    html = message.alternatives[0][0]
    assert "<p><bdi>ريم العلي</bdi> a publié un message dans « <bdi>Article 1 &lt;draft&gt;</bdi> »</p>" in html


def test_a_system_notice_is_escaped_not_isolated(make_user):
    reader = make_user()
    services.notify(recipient=reader, kind="system", actor=None, url="/", data={"text": "<b>Bienvenue</b>"},
                    key="system:1")
    notice = Notification.objects.get(recipient=reader)
    assert texts.describe(notice, html=True) == "&lt;b&gt;Bienvenue&lt;/b&gt;"
