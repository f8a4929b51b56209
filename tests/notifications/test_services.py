import pytest
from django.core import mail
from django.http import Http404
from django.utils import timezone

from forum.core.realtime import user_group
from forum.notifications import services
from forum.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.FORUM_SITE_URL = "http://localhost:8000"


def _notify(recipient, actor, **extra):
    return services.notify(recipient=recipient, kind=extra.pop("kind", "reply"), actor=actor, url="/t/post/1/",
                           data=extra.pop("data", {"thread_title": "Water", "excerpt": "hello"}), **extra)


def test_notify_creates_an_unread_notification(make_user):
    lina, omar = make_user(), make_user()
    n = _notify(lina, omar)
    assert n.pk and n.read_at is None and n.recipient == lina and n.actor == omar
    assert Notification.objects.filter(recipient=lina).count() == 1


def test_the_actor_is_never_notified_of_their_own_action(make_user):
    lina = make_user()
    assert _notify(lina, lina) is None
    assert not Notification.objects.exists()


def test_inactive_and_deleted_members_are_skipped(make_user):
    actor = make_user()
    inactive = make_user()
    inactive.is_active = False
    inactive.save()
    deleted = make_user()
    deleted.deleted_at = timezone.now()
    deleted.save()
    assert _notify(inactive, actor) is None
    assert _notify(deleted, actor) is None
    assert not Notification.objects.exists()


def test_one_notification_per_member_per_key(make_user):
    lina, omar = make_user(), make_user()
    assert _notify(lina, omar, key="post:7", kind="mention") is not None
    assert _notify(lina, omar, key="post:7", kind="watched") is None
    assert list(Notification.objects.values_list("kind", flat=True)) == ["mention"]


def test_notify_many_keeps_the_first_reason_for_a_key(make_user):
    lina, omar = make_user(), make_user()
    created = services.notify_many(notices=[
        services.Notice(recipient=lina, kind="reply", actor=omar, url="/x/", key="post:1"),
        services.Notice(recipient=lina, kind="watched", actor=omar, url="/x/", key="post:1"),
    ])
    assert [n.kind for n in created] == ["reply"]


def test_an_unknown_kind_is_refused_and_nothing_is_saved(make_user):
    lina, omar = make_user(), make_user()
    with pytest.raises(ValueError):
        _notify(lina, omar, kind="gossip")
    assert not Notification.objects.exists()


def test_unread_count_is_broadcast_to_the_recipient_after_commit(make_user, listen,
                                                                 django_capture_on_commit_callbacks):
    lina, omar = make_user(), make_user()
    listener = listen(user_group(lina.pk))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify(lina, omar)
    assert listener.events() == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert listener.events() == [{"type": "notifications.unread", "count": 1}]


def test_mark_read_refuses_another_members_notification(make_user):
    lina, omar = make_user(), make_user()
    n = _notify(lina, omar)
    with pytest.raises(Http404):
        services.mark_read(notification=n, actor=omar)
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read_marks_only_the_actors(make_user, listen, django_capture_on_commit_callbacks):
    lina, omar, sara = make_user(), make_user(), make_user()
    _notify(lina, omar, key="a")
    _notify(lina, sara, key="b")
    other = _notify(omar, lina)
    listener = listen(user_group(lina.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_all_read(actor=lina) == 2
    assert not Notification.objects.filter(recipient=lina, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    assert listener.events() == [{"type": "notifications.unread", "count": 0}]


def test_immediate_email_is_sent_on_commit_in_the_recipients_language(make_user,
                                                                      django_capture_on_commit_callbacks):
    lina = make_user(preferred_language="fr", email="lina@example.org")
    omar = make_user(display_name="Omar")
    with django_capture_on_commit_callbacks(execute=True):
        _notify(lina, omar, data={"thread_title": "L'eau à Idlib", "excerpt": "Bonjour"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lina@example.org"]
    assert "Omar" in message.subject and "L'eau à Idlib" in message.subject
    assert message.extra_headers["Content-Language"] == "fr"
    html = message.alternatives[0][0]
    assert 'lang="fr"' in html and "Bonjour" in html
    assert "http://localhost:8000/t/post/1/" in message.body
    assert Notification.objects.get().emailed_at is not None


def test_email_carries_one_click_unsubscribe_headers(make_user, django_capture_on_commit_callbacks, client):
    lina, omar = make_user(), make_user()
    with django_capture_on_commit_callbacks(execute=True):
        _notify(lina, omar)
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>")
    assert url in mail.outbox[0].body
    response = client.post(url.removeprefix("http://localhost:8000"), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=lina).email == "never"


@pytest.mark.parametrize("preference", ["daily", "never"])
def test_no_immediate_email_for_digest_or_never(make_user, preference, django_capture_on_commit_callbacks):
    lina, omar = make_user(), make_user()
    services.preference_set(actor=lina, email=preference)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(lina, omar)
    assert mail.outbox == []
    assert Notification.objects.get().emailed_at is None


def test_preference_set_refuses_an_unknown_choice(make_user):
    lina = make_user()
    with pytest.raises(ValueError):
        services.preference_set(actor=lina, email="hourly")
    assert not NotificationPreference.objects.exists()


def test_tampered_unsubscribe_token_changes_nothing(make_user):
    lina = make_user()
    token = services.unsubscribe_token(lina)
    for bad in [token[:-2] + "xx", "nonsense", token.replace(":", ":a", 1)]:
        with pytest.raises(services.BadUnsubscribeToken):
            services.unsubscribe(token=bad)
    assert not NotificationPreference.objects.exists()


def test_a_token_signed_for_another_purpose_is_refused(make_user):
    from django.core import signing

    lina = make_user()
    other = signing.dumps({"u": lina.pk}, salt="something.else")
    with pytest.raises(services.BadUnsubscribeToken):
        services.unsubscribe(token=other)


def test_forget_excerpt_blanks_the_quoted_words(make_user):
    lina, omar = make_user(), make_user()
    _notify(lina, omar, key="post:9", data={"thread_title": "T", "excerpt": "secret words"})
    services.forget_excerpt(key="post:9")
    assert Notification.objects.get().data == {"thread_title": "T", "excerpt": ""}


def test_mark_read_about_marks_only_the_matching_notifications(make_user):
    lina, omar = make_user(), make_user()
    for thread_id, post_id in [(1, 10), (1, 12), (2, 11)]:
        _notify(lina, omar, key=f"post:{post_id}", data={"thread_id": thread_id, "post_id": post_id})
    _notify(omar, lina, key="post:10", data={"thread_id": 1, "post_id": 10})
    assert services.mark_read_about(actor=lina, data={"thread_id": 1}, up_to={"post_id": 11}) == 1
    unread = set(Notification.objects.filter(read_at__isnull=True).values_list("recipient_id", "key"))
    assert unread == {(lina.pk, "post:12"), (lina.pk, "post:11"), (omar.pk, "post:10")}


def test_view_check_and_queryset_agree(make_user):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    from forum.notifications import permissions

    lina, omar = make_user(), make_user()
    mine, theirs = _notify(lina, omar, key="a"), _notify(omar, lina, key="b")
    for user in (lina, omar, AnonymousUser()):
        visible = set(permissions.visible_notifications(user, Notification.objects.all()))
        for n in (mine, theirs):
            try:
                permissions.check_view_notification(user, n)
                allowed = True
            except (Http404, PermissionDenied):
                allowed = False
            assert allowed == (n in visible), (user, n)
    assert permissions.ACTIONS == ("view_notification", "mark_notifications_read", "manage_email_preferences")


def test_visitors_cannot_mark_read_or_choose_email(make_user):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.mark_all_read(actor=AnonymousUser())
    with pytest.raises(PermissionDenied):
        services.preference_set(actor=AnonymousUser(), email="never")
