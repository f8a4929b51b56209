"""The site's name is written in the e-mail's language (issue #10): an Arabic e-mail says "مدنية",
in its body and its subject, never "في Madaniya"; French and English keep "Madaniya"."""

import pytest
from django.core import mail

from forum.notifications import emails, services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "name", "other"), [("ar", "مدنية", "Madaniya"), ("fr", "Madaniya", "مدنية"),
                                                         ("en", "Madaniya", "مدنية")])
def test_notification_and_digest_emails_name_the_site_in_the_readers_language(make_user, language, name, other):
    reader, writer = make_user(preferred_language=language), make_user()
    services.notify(recipient=reader, kind="reply", actor=writer, url="/t/1/", data={"thread_title": "T"}, key="post:1")
    message = emails.notification_message(reader.notifications.get())
    assert message.subject.startswith(f"[{name}] ")
    for text in (message.subject, message.body, message.alternatives[0][0]):
        assert other not in text
    assert name in message.body

    services.preference_set(actor=reader, email="daily")
    emails.send_digests()
    digest = mail.outbox[-1]
    assert digest.subject.startswith(f"[{name}] ") and name in digest.subject.removeprefix(f"[{name}] ")
    assert other not in digest.subject + digest.body
