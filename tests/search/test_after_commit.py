"""A post's search document is built after its write commits, off the request (issue #11 §3)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from forum.core import jobs
from forum.discussions import services as discussions
from forum.notifications.workers import worker_off
from forum.search import services
from forum.search.models import PendingDocument, SearchDocument


def test_a_reply_is_queued_in_its_transaction_and_indexed_once_it_commits(
        make_category, make_user, django_capture_on_commit_callbacks):
    author = make_user(role="member")
    thread = discussions.thread_create(author=author, category=make_category(), title="Titre", source="ouverture")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply = discussions.post_create(author=author, thread=thread, source="une réponse cherchable")
        # Inside the writing transaction: queued, no text walked, no document yet.
        assert PendingDocument.objects.filter(post=reply).exists()
        assert not SearchDocument.objects.filter(post=reply).exists()
    for callback in callbacks:  # the commit
        callback()
    document = SearchDocument.objects.get(post=reply)
    assert document.body_norm == "une reponse cherchable"
    assert not PendingDocument.objects.filter(post=reply).exists()


def test_what_the_worker_left_is_caught_up_by_the_every_minute_job(make_category, make_user,
                                                                    django_capture_on_commit_callbacks):
    author = make_user(role="member")
    with worker_off(), django_capture_on_commit_callbacks(execute=True):  # the process stopped: no worker
        thread = discussions.thread_create(author=author, category=make_category(), title="Oubli",
                                           source="rattrapage attendu")
    opening = thread.posts.get()
    assert not SearchDocument.objects.filter(post=opening).exists()
    declared = {job.name: job for job in jobs.registered(jobs.AFTER_COMMIT)}["search.index_pending"]
    assert declared.run(older_than=timedelta(minutes=1)) == 0  # too fresh: the worker may still be on it
    PendingDocument.objects.update(queued_at=timezone.now() - timedelta(minutes=2))
    assert declared.run(older_than=timedelta(minutes=1)) == 1
    assert SearchDocument.objects.get(post=opening).title_norm == "oubli"


def test_a_post_hidden_while_queued_is_never_indexed(make_post, make_user):
    from forum.discussions.models import Post

    opening = make_post(source="début")
    post = Post.objects.create(thread=opening.thread, author=make_user(role="member"), parent=opening,
                               source="secret", html="<p>secret</p>")
    assert PendingDocument.objects.filter(post=post).exists()
    Post.objects.filter(pk=post.pk).update(hidden_at=timezone.now())  # no signal: the worker must look
    assert services.index_pending() == 1
    assert not SearchDocument.objects.filter(post=post).exists()
    assert not PendingDocument.objects.exists()


def test_a_post_edited_while_its_document_was_built_stays_queued(make_post):
    post = make_post(source="premier")
    post.source = "second"
    post.html = "<p>second</p>"
    post.save()
    read_by_worker = timezone.now() - timedelta(seconds=5)
    PendingDocument.objects.filter(post=post).update(queued_at=read_by_worker)
    rows = [(post.pk, read_by_worker)]  # a worker read the row, then the post was edited again:
    post.save()  # queued anew (now)
    # What a worker that read the older row does once it has built the document:
    PendingDocument.objects.filter(post_id=rows[0][0], queued_at=rows[0][1]).delete()
    assert PendingDocument.objects.filter(post=post).exists()  # the newer edit is still to be indexed
    assert services.index_pending() == 1
    assert SearchDocument.objects.get(post=post).body_norm == "second"


def test_two_workers_building_the_same_document_leave_one(make_post):
    post = make_post(source="double")
    SearchDocument.objects.filter(post=post).delete()
    services.post_index(post=post)  # another process got there first
    services._index_once(post)  # this one: its INSERT conflicts, it updates instead
    assert SearchDocument.objects.filter(post=post).count() == 1
