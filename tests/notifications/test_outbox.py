"""The email outbox: a reply's request sends no email; the worker (a background thread) or the
`send_pending_emails` command sends it after commit, once, and nothing is lost if neither ran."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum.discussions.models import Subscription
from forum.notifications import emails, outbox, services
from forum.notifications.models import Notification
from tests.conftest import require_service

pytestmark = pytest.mark.django_db


class RefusingMailServer(BaseEmailBackend):
    """The outside edge: a mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


class EmailWorkerHeld:
    """Holds the email worker until the live worker is done, then lets it run: the two workers
    never touch the test database at once (SQLite's shared in-memory test database refuses a
    second connection's write while another reads, instead of waiting as a file database does)."""

    def __enter__(self):
        import threading

        self.release = threading.Event()
        outbox._get_executor().submit(self.release.wait, 30)
        return self

    def __exit__(self, *exc):
        outbox._get_live_executor().submit(lambda: None).result(timeout=30)
        self.release.set()
        outbox.wait_for_workers()


def _notify(recipient, actor, i=1, kind="reply", group="thread:1"):
    return services.notify(recipient=recipient, kind=kind, actor=actor, url=f"/t/post/{i}/",
                           data={"thread_title": "Water", "excerpt": "words", "group": group}, key=f"post:{i}")


def _age(minutes=2):
    Notification.objects.filter(email_due_at__isnull=False).update(
        email_due_at=timezone.now() - timedelta(minutes=minutes))


def test_the_request_sends_nothing_and_the_command_sends_it_later(make_user, settings):
    settings.FORUM_EMAIL_WORKER = False
    lina, omar = make_user(email="lina@example.org"), make_user()
    notice = _notify(lina, omar)
    assert mail.outbox == []  # the writer's request sent nothing
    assert notice.email_due_at is not None and notice.emailed_at is None

    call_command("send_pending_emails")  # due for less than a minute: left to the worker
    assert mail.outbox == []
    _age()
    call_command("send_pending_emails")
    assert [m.to for m in mail.outbox] == [["lina@example.org"]]
    notice.refresh_from_db()
    assert notice.email_due_at is None and notice.emailed_at is not None
    call_command("send_pending_emails", "--older-than", "0")  # sent once only
    assert len(mail.outbox) == 1


def freeze_now(moment):
    """The clock (an edge) reads `moment` meanwhile."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def _age_fanout(minutes=2):
    from forum.discussions.models import Post

    then = timezone.now() - timedelta(minutes=minutes)
    Post.objects.filter(fanout_pending_at__isnull=False).update(fanout_pending_at=then, created_at=then)


def test_with_no_worker_a_reply_returns_with_its_fan_out_pending_and_the_command_notifies_once(
        make_user, make_thread, make_reply, settings, django_capture_on_commit_callbacks):
    settings.FORUM_EMAIL_WORKER = False
    lina, bilal, omar = make_user(email="lina@example.org"), make_user(email="bilal@example.org"), make_user()
    thread = make_thread(author=lina)
    Subscription.objects.create(user=bilal, thread=thread, level="watch")
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
        reply = make_reply(author=omar, thread=thread)
    assert not any("notifications_notification" in q["sql"] for q in ctx.captured_queries)
    assert not Notification.objects.exists() and mail.outbox == []
    reply.refresh_from_db()
    assert reply.fanout_pending_at is not None  # committed with the post, in the same insert

    call_command("send_pending_emails")  # pending for less than a minute: left to the worker
    assert not Notification.objects.exists()
    _age_fanout()
    out = io.StringIO()
    call_command("send_pending_emails", stdout=out)
    assert "2 pending item(s) processed" in out.getvalue()  # the opening post and the reply
    assert dict(Notification.objects.values_list("recipient__email", "kind")) == {
        "lina@example.org": "reply", "bilal@example.org": "watched"}
    assert sorted(m.to[0] for m in mail.outbox) == ["bilal@example.org", "lina@example.org"]
    reply.refresh_from_db()
    assert reply.fanout_pending_at is None

    call_command("send_pending_emails", "--older-than", "0")  # nothing left: nobody hears twice
    assert Notification.objects.count() == 2 and len(mail.outbox) == 2


def test_a_fan_out_done_twice_notifies_once(make_user, make_thread, make_reply, settings):
    from forum.discussions import activity
    from forum.discussions.models import Post

    settings.FORUM_EMAIL_WORKER = False
    lina, omar = make_user(), make_user()
    thread = make_thread(author=lina)
    reply = make_reply(author=omar, thread=thread)
    assert activity.process_pending_fanout(post_ids=[reply.pk]) == 1
    # A worker that died after writing the notifications but before clearing the mark: done again.
    then = timezone.now() - timedelta(minutes=20)
    Post.objects.filter(pk=reply.pk).update(fanout_pending_at=then, created_at=then)
    assert activity.process_pending_fanout(older_than=timedelta(minutes=1)) == 1
    assert activity.process_pending_fanout() == 1  # the opening post, pending from the start
    assert list(Notification.objects.values_list("recipient", "key")) == [(lina.pk, f"post:{reply.pk}")]
    assert not Post.objects.filter(fanout_pending_at__isnull=False).exists()


def test_a_post_leased_by_another_worker_is_left_to_it_until_the_lease_runs_out(make_user, make_thread,
                                                                              make_reply, settings):
    from forum.discussions import activity
    from forum.discussions.models import Post

    settings.FORUM_EMAIL_WORKER = False
    lina, omar = make_user(), make_user()
    reply = make_reply(author=omar, thread=make_thread(author=lina))
    leased = timezone.now() + activity.FANOUT_LEASE  # a worker took it, then died
    Post.objects.filter(pk=reply.pk).update(fanout_pending_at=leased)
    call_command("send_pending_emails", "--older-than", "0")
    assert not Notification.objects.filter(recipient=lina).exists()
    then = timezone.now() - timedelta(minutes=2)
    Post.objects.filter(pk=reply.pk).update(fanout_pending_at=then, created_at=then)
    call_command("send_pending_emails")
    assert Notification.objects.filter(recipient=lina, key=f"post:{reply.pk}").count() == 1


def test_a_worker_killed_holding_a_fan_out_is_replaced_within_a_minute(make_user, make_thread, make_reply,
                                                                      settings):
    from forum.discussions import activity
    from forum.discussions.models import Post

    settings.FORUM_EMAIL_WORKER = False
    lina, omar = make_user(), make_user()
    reply = make_reply(author=omar, thread=make_thread(author=lina))
    Post.objects.update(created_at=timezone.now() - timedelta(minutes=5))  # written a while ago
    # A worker took the post's fan-out at `taken`, then was killed.
    taken = timezone.now()
    Post.objects.filter(pk=reply.pk).update(fanout_pending_at=taken + activity.FANOUT_LEASE)
    assert activity.FANOUT_LEASE <= timedelta(minutes=1)
    with freeze_now(taken + timedelta(seconds=5)):  # still held: left to its (dead) holder
        call_command("send_pending_emails")
    assert not Notification.objects.filter(recipient=lina).exists()
    with freeze_now(taken + timedelta(minutes=1)):  # the scheduler's next run, a minute later
        call_command("send_pending_emails")
    assert Notification.objects.filter(recipient=lina, key=f"post:{reply.pk}").count() == 1
    assert not Post.objects.filter(fanout_pending_at__isnull=False).exists()


def test_a_post_removed_before_its_fan_out_notifies_nobody(make_user, make_thread, make_reply, settings):
    from forum.discussions import services as discussions
    from forum.discussions.models import Post

    settings.FORUM_EMAIL_WORKER = False
    lina, omar = make_user(), make_user()
    reply = make_reply(author=omar, thread=make_thread(author=lina))
    discussions.post_delete(actor=omar, post=reply)
    _age_fanout()
    call_command("send_pending_emails")
    assert not Notification.objects.exists() and mail.outbox == []
    assert not Post.objects.filter(fanout_pending_at__isnull=False).exists()


def test_with_no_worker_a_new_thread_reaches_the_category_watchers_through_the_command(
        make_user, make_category, make_thread, settings):
    settings.FORUM_EMAIL_WORKER = False
    category, lina, omar = make_category(), make_user(), make_user()
    Subscription.objects.create(user=lina, category=category, level="watch")
    thread = make_thread(author=omar, category=category)
    assert not Notification.objects.exists()
    _age_fanout()
    call_command("send_pending_emails")
    assert list(Notification.objects.values_list("recipient", "kind", "data__thread_id")) == [
        (lina.pk, "new_thread", thread.pk)]


@pytest.mark.django_db(transaction=True)
def test_the_background_worker_decides_who_hears_of_a_reply_after_commit(make_user, make_thread, make_reply,
                                                                         settings, listen):
    from forum.core import realtime
    from forum.discussions.models import Post

    require_service(bool(getattr(settings, "REDIS_URL", "")), "Redis (REDIS_URL): the worker needs it")
    settings.FORUM_EMAIL_WORKER = "thread"
    lina, omar = make_user(email="lina@example.org"), make_user()
    thread = make_thread(author=lina)
    outbox.wait_for_workers()
    badge = listen(realtime.user_group(lina.pk))
    with EmailWorkerHeld():
        reply = make_reply(author=omar, thread=thread)  # commits: the fan-out is handed to the worker
        assert Post.objects.get(pk=reply.pk).fanout_pending_at is not None
        assert not Notification.objects.filter(recipient=lina).exists()
    assert Notification.objects.filter(recipient=lina, key=f"post:{reply.pk}").count() == 1
    assert not Post.objects.filter(fanout_pending_at__isnull=False).exists()
    assert [m.to for m in mail.outbox] == [["lina@example.org"]]
    assert badge.events() == [{"type": "notifications.unread", "count": 1}]


def test_nothing_is_sent_before_the_writing_transaction_commits(make_user, make_thread, make_reply,
                                                                django_capture_on_commit_callbacks):
    lina, omar = make_user(), make_user()
    thread = make_thread(author=lina)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_reply(author=omar, thread=thread)
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_background_worker_sends_the_email_after_commit(make_user, make_thread, make_reply, settings):
    settings.FORUM_EMAIL_WORKER = "thread"
    lina, omar = make_user(email="lina@example.org"), make_user()
    thread = make_thread(author=lina)
    # The thread's opening post is indexed for search after commit, on the worker: let it finish
    # before the reply writes (SQLite's shared in-memory database refuses a write while it reads).
    outbox.wait_for_workers()
    with EmailWorkerHeld():
        reply = make_reply(author=omar, thread=thread)  # commits: the worker threads are woken
    assert [m.to for m in mail.outbox] == [["lina@example.org"]]
    notice = Notification.objects.get(recipient=lina, key=f"post:{reply.pk}")
    assert notice.emailed_at is not None and notice.email_due_at is None


def test_digest_and_never_members_get_no_immediate_email_and_the_digest_still_lists_it(make_user, settings):
    settings.FORUM_EMAIL_WORKER = False
    daily, never, omar = make_user(), make_user(), make_user()
    services.preference_set(actor=daily, email="daily")
    services.preference_set(actor=never, email="never")
    _notify(daily, omar, 1)
    _notify(never, omar, 2)
    assert outbox.send_due() == 0 and mail.outbox == []
    assert not Notification.objects.filter(email_due_at__isnull=False).exists()
    assert emails.send_digests() == 1 and mail.outbox[0].to == [daily.email]


def test_a_busy_watched_thread_waiting_in_the_outbox_sends_one_email(make_user, settings):
    settings.FORUM_EMAIL_WORKER = False
    lina, omar = make_user(), make_user()
    for i in (1, 2, 3):
        _notify(lina, omar, i, kind="watched")
    _notify(lina, omar, 4, kind="mention")
    assert outbox.send_due() == 2  # one for the watched thread, one for the mention
    assert not Notification.objects.filter(email_due_at__isnull=False).exists()


def test_a_refusing_mail_server_loses_nothing(make_user, settings):
    settings.FORUM_EMAIL_WORKER = False
    lina, omar = make_user(), make_user()
    _notify(lina, omar)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"
    assert outbox.send_due() == 0
    notice = Notification.objects.get()
    assert notice.email_due_at is not None and notice.emailed_at is None  # still due
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _age()
    call_command("send_pending_emails")
    assert len(mail.outbox) == 1


def test_a_leased_notice_is_not_sent_by_another_sender_until_the_lease_runs_out(make_user, settings):
    settings.FORUM_EMAIL_WORKER = False
    lina, omar = make_user(), make_user()
    _notify(lina, omar)
    taken = outbox._claim(due_before=timezone.now(), limit=10)  # a sender that then dies
    assert len(taken) == 1
    assert outbox.send_due() == 0
    call_command("send_pending_emails", "--older-than", "0")
    assert mail.outbox == []
    Notification.objects.update(email_due_at=timezone.now() - timedelta(minutes=2))  # the lease ran out
    call_command("send_pending_emails")
    assert len(mail.outbox) == 1


def test_a_reply_with_its_commit_callbacks_costs_the_same_for_5_or_50_watchers(
        make_user, make_thread, opening_post, settings, django_capture_on_commit_callbacks):
    from forum.discussions import services as discussions

    settings.FORUM_EMAIL_WORKER = False
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "post": "100000/m"}

    def measure(watchers):
        thread = make_thread(author=make_user())
        for _ in range(watchers):
            Subscription.objects.create(user=make_user(), thread=thread, level="watch")
        with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
            discussions.post_create(author=make_user(), thread=thread, source="hi", parent=opening_post(thread))
        assert mail.outbox == []
        return len(ctx.captured_queries)

    assert measure(5) == measure(50)


def test_the_fan_out_after_commit_costs_the_same_for_5_or_50_watchers(
        make_user, make_thread, make_reply, opening_post, settings, django_capture_on_commit_callbacks):
    from forum.discussions import activity

    settings.FORUM_EMAIL_WORKER = False

    def measure(watchers):
        thread = make_thread(author=make_user())
        for _ in range(watchers):
            Subscription.objects.create(user=make_user(), thread=thread, level="watch")
        activity.process_pending_fanout(post_ids=[opening_post(thread).pk])  # not measured
        reply = make_reply(author=make_user(), thread=thread)
        assert not Notification.objects.filter(key=f"post:{reply.pk}").exists()
        with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
            assert activity.process_pending_fanout() == 1
        assert Notification.objects.filter(key=f"post:{reply.pk}").count() == watchers + 1  # and the author answered
        return len(ctx.captured_queries)

    assert measure(5) == measure(50)


@pytest.mark.django_db(transaction=True)
def test_the_live_worker_sends_the_page_events_and_badges_after_commit(make_user, make_thread, make_reply,
                                                                         settings, listen):
    from forum.core import realtime
    from forum.discussions import events

    require_service(bool(getattr(settings, "REDIS_URL", "")), "Redis (REDIS_URL): the live worker needs it")
    settings.FORUM_EMAIL_WORKER = "thread"
    lina, omar = make_user(), make_user()
    thread = make_thread(author=lina)
    page, badge = listen(events.thread_group(thread.pk)), listen(realtime.user_group(lina.pk))
    with EmailWorkerHeld():
        reply = make_reply(author=omar, thread=thread)
    created = [e for e in page.events() if e["type"] == "discussions.post.created"]
    assert [e["post_id"] for e in created] == [reply.pk]
    assert badge.events() == [{"type": "notifications.unread", "count": 1}]


def test_live_events_wait_for_the_commit_and_a_rollback_sends_nothing(make_user, settings, listen,
                                                                      django_capture_on_commit_callbacks):
    from django.db import transaction

    from forum.core import realtime

    lina = make_user()
    badge = listen(realtime.user_group(lina.pk))
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            outbox.broadcast_on_commit(realtime.user_group(lina.pk), {"type": "x", "n": 1})
            assert badge.events() == []
    assert badge.events() == [{"type": "x", "n": 1}]
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                outbox.broadcast_on_commit(realtime.user_group(lina.pk), {"type": "x", "n": 2})
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert badge.events() == []


@pytest.mark.django_db(transaction=True)
def test_the_request_returns_before_the_live_events_are_sent(make_user, make_thread, make_reply, settings, listen):
    import threading

    from forum.core import realtime

    require_service(bool(getattr(settings, "REDIS_URL", "")), "Redis (REDIS_URL): the live worker needs it")
    settings.FORUM_EMAIL_WORKER = "thread"
    lina, omar = make_user(), make_user()
    thread = make_thread(author=lina)
    outbox.wait_for_workers()
    badge = listen(realtime.user_group(lina.pk))
    live, email = threading.Event(), threading.Event()
    outbox._get_live_executor().submit(live.wait, 30)  # the live worker is busy
    outbox._get_executor().submit(email.wait, 30)  # and so is the email worker
    try:
        make_reply(author=omar, thread=thread)  # committed and returned
        assert badge.events() == [] and mail.outbox == []
    finally:
        live.set()
        outbox._get_live_executor().submit(lambda: None).result(timeout=30)
        email.set()
    outbox.wait_for_workers()
    assert badge.events() == [{"type": "notifications.unread", "count": 1}]
    assert len(mail.outbox) == 1


def test_without_redis_live_events_go_from_the_callback_itself(settings, make_user, listen,
                                                               django_capture_on_commit_callbacks):
    """The in-process channel layer (development) is only reached promptly from the request's own
    thread: there the live worker stands aside."""
    import threading

    from channels.layers import channel_layers

    from forum.core import realtime

    settings.FORUM_EMAIL_WORKER = "thread"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    try:
        assert not outbox.live_worker_applies()
        lina = make_user()
        badge = listen(realtime.user_group(lina.pk))
        live = threading.Event()
        outbox._get_live_executor().submit(live.wait, 30)  # a busy live worker would hold the event
        try:
            with django_capture_on_commit_callbacks(execute=True):
                outbox.broadcast_on_commit(realtime.user_group(lina.pk), {"type": "x"})
            assert badge.events() == [{"type": "x"}]
        finally:
            live.set()
    finally:
        channel_layers.backends.clear()


def test_the_admin_lists_the_emails_still_due(client, make_user, settings):
    from allauth.mfa.models import Authenticator
    from django.urls import reverse

    settings.FORUM_EMAIL_WORKER = False
    lina, omar = make_user(email="lina-due@example.org"), make_user(email="omar-sent@example.org")
    _notify(lina, make_user(), 1)
    _notify(omar, make_user(), 2)
    Notification.objects.filter(recipient=omar).update(email_due_at=None, emailed_at=timezone.now())
    admin = make_user(role="admin")
    Authenticator.objects.create(user=admin, type="totp", data={"secret": "test"})
    client.force_login(admin)
    page = client.get(reverse("admin:notifications_notification_changelist"), {"email_due_at__isnull": "False"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "lina-due@example.org" in html or lina.display_name in html
    assert "omar-sent@example.org" not in html and omar.display_name not in html


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("worker", ["sync", "thread"])
def test_the_command_prints_how_many_emails_it_sent_when_it_wrote_them_itself(make_user, make_thread,
                                                                              make_reply, settings, worker):
    """The notifications the command's catch-up writes used to leave through the commit callback
    or the worker thread, and the command printed "0 email(s) sent"."""
    settings.FORUM_EMAIL_WORKER = False  # the posts' fan-outs are left pending, as by a dead worker
    lina, bilal, omar = (make_user(email=f"{n}@example.org") for n in ("lina", "bilal", "omar"))
    thread = make_thread(author=lina)
    Subscription.objects.create(user=bilal, thread=thread, level="watch")
    make_reply(author=omar, thread=thread)
    _age_fanout()
    settings.FORUM_EMAIL_WORKER = worker
    out = io.StringIO()
    call_command("send_pending_emails", stdout=out)
    outbox.wait_for_workers()
    assert sorted(m.to[0] for m in mail.outbox) == ["bilal@example.org", "lina@example.org"]
    assert "2 email(s) sent" in out.getvalue()


def test_work_handed_on_while_the_program_exits_still_runs():
    """A command (seed_demo --force) ends while the email worker runs a job that hands work to the
    live worker: it used to fail with "cannot schedule new futures after (interpreter) shutdown"
    and the work was left to the next catch-up. Both workers now finish before the program exits."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import os, time, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.base')\n"
        "django.setup()\n"
        "from forum.notifications import outbox\n"
        "def second():\n"
        "    print('second ran', flush=True)\n"
        "def first():\n"
        "    time.sleep(0.5)  # by now the main thread has ended\n"
        "    outbox._get_live_executor().submit(second).result(timeout=10)\n"
        "    outbox._get_executor().submit(second)\n"
        "    print('first ran', flush=True)\n"
        "outbox._get_executor().submit(first)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n").count("second ran") == 2 and "first ran" in done.stdout, done.stderr
    assert "RuntimeError" not in done.stderr
