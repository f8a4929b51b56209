# ruff: noqa: F811
"""Thread events are numbered: one gap-free sequence per thread (`seq`), across every kind of event
sent to the thread's group, taken after commit, never going backwards when the cache is emptied."""

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from forum.discussions import events, services
from forum.polls import services as polls
from tests.notifications.factories import listen  # noqa: F401

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_every_event_of_a_thread_is_numbered_one_after_the_other_whatever_its_kind(
        make_thread, make_post, make_user, listen, give_mfa, django_capture_on_commit_callbacks):
    lina = make_user()
    moderator = give_mfa(make_user(role="moderator"))
    thread = make_thread(author=lina)
    page = listen(events.thread_group(thread.pk))
    start = events.current_seq(thread.pk)
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(thread=thread, author=lina)
        services.post_edit(actor=lina, post=post, source="changed")
        services.post_delete(actor=lina, post=post)
        poll = polls.poll_create(actor=lina, thread=thread, question="Which well?", options=["North", "South"],
                                 closes_at=timezone.now() + timedelta(days=1))
        polls.poll_close(actor=lina, poll=poll)
        services.thread_lock(actor=moderator, thread=thread, locked=True)
    got = page.events()
    assert [e["type"] for e in got] == ["discussions.post.created", "discussions.post.edited",
                                        "discussions.post.removed", "polls.poll.changed", "polls.poll.changed",
                                        "discussions.thread.changed"]
    assert [e["seq"] for e in got] == list(range(start + 1, start + 7))
    assert got[0]["post_id"] == post.pk  # the post keeps its own id beside the number
    assert events.current_seq(thread.pk) == start + 6


def test_each_thread_has_its_own_sequence(make_thread, make_post, make_user, listen,
                                          django_capture_on_commit_callbacks):
    first, second = make_thread(author=make_user()), make_thread(author=make_user())
    pages = listen(events.thread_group(first.pk)), listen(events.thread_group(second.pk))
    starts = events.current_seq(first.pk), events.current_seq(second.pk)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            make_post(thread=first)
            make_post(thread=second)
    assert [e["seq"] for e in pages[0].events()] == [starts[0] + 1, starts[0] + 2]
    assert [e["seq"] for e in pages[1].events()] == [starts[1] + 1, starts[1] + 2]


def test_the_number_is_taken_after_commit(make_thread, make_post, make_user, listen,
                                          django_capture_on_commit_callbacks):
    thread = make_thread(author=make_user())
    start = events.current_seq(thread.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_post(thread=thread)
    assert events.current_seq(thread.pk) == start  # nothing numbered for a write not yet committed
    for callback in callbacks:
        callback()
    assert events.current_seq(thread.pk) == start + 1


def test_an_emptied_cache_makes_the_numbers_jump_forward_never_back(make_thread, make_user):
    thread = make_thread(author=make_user())
    before = [events.next_seq(thread.pk) for _ in range(3)]
    assert before == [before[0], before[0] + 1, before[0] + 2]
    time.sleep(0.01)  # numbers start from the time in ms: a thread has fewer events than ms went by
    cache.clear()  # a flushed or restarted Redis
    after = events.next_seq(thread.pk)
    assert after > before[-1]
    assert events.current_seq(thread.pk) == after


def test_a_new_counter_starts_from_the_time_so_a_later_restart_is_above_it(make_thread, make_user, monkeypatch):
    thread = make_thread(author=make_user())
    monkeypatch.setattr(events.time, "time", lambda: 1_000.0)
    assert events.next_seq(thread.pk) == 1_000_001
    for _ in range(500):
        events.next_seq(thread.pk)
    cache.clear()
    monkeypatch.setattr(events.time, "time", lambda: 1_001.0)  # a second later: 1,000 numbers higher
    assert events.next_seq(thread.pk) == 1_001_001


def test_a_broadcast_goes_on_unnumbered_when_the_cache_is_down(make_thread, make_post, make_user, listen,
                                                                monkeypatch, django_capture_on_commit_callbacks):
    thread = make_thread(author=make_user())
    page = listen(events.thread_group(thread.pk))

    def broken(thread_id):
        raise ConnectionError("cache down")

    monkeypatch.setattr(events, "next_seq", broken)
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(thread=thread)
    [event] = page.events()
    assert event["post_id"] == post.pk and "seq" not in event


def test_only_the_one_helper_sends_to_a_thread_group():
    """Every event of a thread's group is numbered by `activity.broadcast_to_thread`: no other code
    of the site names a thread's group to send to it (consumers join it; events.py builds it)."""
    allowed = {"forum/discussions/events.py", "forum/discussions/activity.py", "forum/discussions/consumers.py",
               "forum/polls/events.py"}
    senders = []
    for path in (ROOT / "forum").rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative not in allowed and re.search(r"thread_group\(", path.read_text()):
            senders.append(relative)
    assert senders == []
    activity = (ROOT / "forum/discussions/activity.py").read_text()
    assert activity.count("events.thread_group(") == 1  # inside broadcast_to_thread
