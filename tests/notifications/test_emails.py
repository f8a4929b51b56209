from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from forum.notifications import emails, services
from forum.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


def _pending(recipient, actor, n=1):
    for i in range(n):
        services.notify(recipient=recipient, kind="watched", actor=actor, url=f"/t/post/{i}/",
                        data={"thread_title": f"Thread {i}", "excerpt": "words"}, key=f"post:{i}")


def _daily(user, last=None):
    services.preference_set(actor=user, email="daily")
    NotificationPreference.objects.filter(user=user).update(last_digest_at=last)


def test_digest_goes_to_members_who_chose_it_and_lists_their_unread(make_user):
    lina, omar, immediate = make_user(email="lina@example.org"), make_user(display_name="Omar"), make_user()
    _daily(lina)
    _pending(lina, omar, 3)
    _pending(immediate, omar, 1)
    assert emails.send_digests() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lina@example.org"]
    assert "3" in message.subject
    for i in range(3):
        assert f"Thread {i}" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not Notification.objects.filter(recipient=lina, emailed_at__isnull=True).exists()
    assert NotificationPreference.objects.get(user=lina).last_digest_at is not None


def test_digest_is_not_sent_twice_within_a_day(make_user):
    lina, omar = make_user(), make_user()
    _daily(lina)
    _pending(lina, omar, 1)
    assert emails.send_digests() == 1
    services.notify(recipient=lina, kind="reply", actor=omar, url="/x/", data={}, key="post:99")
    assert emails.send_digests() == 0
    assert emails.send_digests(now=timezone.now() + timedelta(days=1)) == 1
    assert len(mail.outbox) == 2


def test_members_with_nothing_new_or_read_items_get_no_digest(make_user):
    lina, omar = make_user(), make_user()
    _daily(lina, last=timezone.now() - timedelta(days=3))
    _pending(lina, omar, 1)
    services.mark_all_read(actor=lina)
    assert emails.send_digests() == 0
    assert mail.outbox == []


def test_digest_is_in_the_recipients_language_and_caps_its_list(make_user, monkeypatch):
    monkeypatch.setattr(emails, "DIGEST_MAX_ITEMS", 2)
    lina, omar = make_user(preferred_language="ar"), make_user()
    _daily(lina)
    _pending(lina, omar, 5)
    emails.send_digests()
    message = mail.outbox[0]
    assert message.extra_headers["Content-Language"] == "ar"
    html = message.alternatives[0][0]
    assert 'lang="ar"' in html and 'dir="rtl"' in html
    assert html.count("<li>") == 2
    assert "5" in message.subject


def test_send_digests_command_reports_how_many(make_user):
    from io import StringIO

    lina, omar = make_user(), make_user()
    _daily(lina)
    _pending(lina, omar, 1)
    out = StringIO()
    call_command("send_digests", stdout=out)
    assert "1 digest(s) sent" in out.getvalue()


def test_links_use_the_configured_site_address(settings):
    settings.FORUM_SITE_URL = "https://forum.example.org/"
    assert emails.absolute("/t/post/1/") == "https://forum.example.org/t/post/1/"
    settings.FORUM_SITE_URL = ""
    settings.ALLOWED_HOSTS = ["localhost", "madaniya.example"]
    assert emails.absolute("/t/post/1/") == "https://madaniya.example/t/post/1/"
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    assert emails.absolute("/t/post/1/") == "http://localhost:8000/t/post/1/"


def test_a_busy_watched_thread_sends_one_email_until_it_is_read(make_user, django_capture_on_commit_callbacks):
    lina, omar = make_user(), make_user()

    def watched(i, kind="watched", group="thread:1"):
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipient=lina, kind=kind, actor=omar, url=f"/t/post/{i}/",
                            data={"thread_title": "T", "group": group}, key=f"post:{i}")

    watched(1)
    watched(2)
    watched(3, group="thread:2")  # another thread: its own first email
    assert len(mail.outbox) == 2
    watched(4, kind="mention")  # personal notices always go out
    assert len(mail.outbox) == 3
    services.mark_all_read(actor=lina)
    watched(5)
    assert len(mail.outbox) == 4
