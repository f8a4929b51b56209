"""Writes to the search index. They follow writes already checked and made by discussions services
(through `signals`) or an operator's rebuild, so they take no acting user and audit nothing: the
index holds no fact of its own, only a copy of what posts and threads say.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from forum.accounts import permissions as accounts
from forum.discussions.models import Post, Thread
from forum.notifications import outbox
from forum.organisations.models import Membership

from .models import PendingDocument, SearchDocument
from .text import document_text


def _is_searchable(post: Post, thread: Thread) -> bool:
    return post.deleted_at is None and post.hidden_at is None and thread.deleted_at is None


def _fields(post: Post, thread: Thread) -> dict:
    text = document_text(title=thread.title if post.parent_id is None else "", post_html=post.html)
    return {"thread_id": thread.pk, "category_id": thread.category_id, "author_id": post.author_id,
            "created_at": post.created_at, "title_norm": text.title_norm, "body_text": text.body_text,
            "body_norm": text.body_norm, "stems": text.stems}


def _author_organisation_id(post: Post) -> int | None:
    if post.on_behalf_of_id:
        return post.on_behalf_of_id
    # The author is usually the acting user, whose membership the permission checks already loaded.
    return accounts.organisation_id(post.author)


def post_index(*, post: Post, created: bool = False) -> None:
    """Add or refresh the post's document; remove it when the post is deleted or hidden, or its thread deleted.

    The organisation recorded is the one of the first indexing (who the author spoke for then),
    unless the post now names the organisation it speaks for. A new post costs one INSERT; an
    edit one UPDATE (plus an INSERT when the post comes back from being hidden). Each is a single
    statement, run inside the caller's transaction, so no savepoint of its own.
    """
    thread = post.thread
    if not _is_searchable(post, thread):
        SearchDocument.objects.filter(post_id=post.pk).delete()
        return
    fields = _fields(post, thread)
    if not created:
        changes = dict(fields, indexed_at=timezone.now())
        if post.on_behalf_of_id:
            changes["organisation_id"] = post.on_behalf_of_id
        if SearchDocument.objects.filter(post_id=post.pk).update(**changes):
            return
    SearchDocument.objects.create(post_id=post.pk, organisation_id=_author_organisation_id(post), **fields)


# Posts whose documents one pass of `index_pending` builds at most (it loops until none is left).
PENDING_BATCH = 200


def post_index_after_commit(*, post: Post) -> None:
    """A new or edited post: its document is built once the transaction commits, off the request.

    In the transaction: one statement. A post that may not be found (deleted, hidden, its thread
    deleted) loses its document at once instead: removal is never deferred (selectors check the
    live rows too, so nothing hidden is ever shown from a stale document)."""
    if not _is_searchable(post, post.thread):
        post_index(post=post)
        return
    PendingDocument.objects.bulk_create([PendingDocument(post_id=post.pk, queued_at=timezone.now())],
                                        update_conflicts=True, unique_fields=["post"], update_fields=["queued_at"])
    post_id = post.pk
    outbox.run_after_commit(lambda: index_pending(post_ids=[post_id]))


def index_pending(*, older_than: timedelta | None = None, post_ids=None) -> int:
    """Build the documents of the posts waiting for one (`PendingDocument`), queued at least
    `older_than` ago (only `post_ids` when given); returns how many were done.

    Safe to run from several processes at once: building a document twice writes the same row, and
    a post queued again while its document was being built (edited meanwhile) stays queued."""
    done = 0
    while True:
        pending = PendingDocument.objects.filter(queued_at__lte=timezone.now() - (older_than or timedelta(0)))
        if post_ids is not None:
            pending = pending.filter(post_id__in=post_ids)
        rows = list(pending.order_by("queued_at").values_list("post_id", "queued_at")[:PENDING_BATCH])
        posts = Post.objects.select_related("thread", "author").in_bulk([post_id for post_id, _queued in rows])
        for post_id, queued_at in rows:
            with transaction.atomic():
                post = posts.get(post_id)
                if post is not None:
                    _index_once(post)
                PendingDocument.objects.filter(post_id=post_id, queued_at=queued_at).delete()
            done += 1
        if len(rows) < PENDING_BATCH:
            return done


def _index_once(post: Post) -> None:
    """`post_index`, when another process may be building the same document right now."""
    try:
        with transaction.atomic():
            post_index(post=post)
    except IntegrityError:  # the other one inserted it first: this one's text wins by updating
        post_index(post=post)


@transaction.atomic
def thread_reindex(*, thread: Thread) -> None:
    """A thread changed (title, category, deletion, restoration): its documents follow.

    Deleted: its documents go. Otherwise the category of its documents follows, the opening post
    is re-indexed (the title), and visible posts without a document (after a restoration) get one.
    """
    if thread.deleted_at is not None:
        SearchDocument.objects.filter(thread_id=thread.pk).delete()
        return
    SearchDocument.objects.filter(thread_id=thread.pk).exclude(category_id=thread.category_id).update(
        category_id=thread.category_id)
    opening = Post.objects.filter(thread_id=thread.pk, parent__isnull=True).order_by("pk").first()
    if opening is not None:
        opening.thread = thread
        post_index(post=opening)
    missing = Post.objects.filter(thread_id=thread.pk, deleted_at__isnull=True, hidden_at__isnull=True,
                                  search_document__isnull=True)
    for post in missing:
        post.thread = thread
        post_index(post=post, created=True)


@transaction.atomic
def index_rebuild(*, batch_size: int = 500) -> int:
    """Rebuild every document from the posts; returns how many posts are searchable.

    Memory stays bounded by `batch_size`; the organisation of each post is taken as it is now
    (on_behalf_of, else the author's current organisation).
    """
    SearchDocument.objects.all().delete()
    organisation_of = dict(Membership.objects.values_list("user_id", "organisation_id"))
    posts = (Post.objects.filter(deleted_at__isnull=True, hidden_at__isnull=True, thread__deleted_at__isnull=True)
             .select_related("thread").order_by("pk"))
    count = 0
    last_pk = 0
    while True:
        batch = list(posts.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            break
        SearchDocument.objects.bulk_create([
            SearchDocument(post_id=post.pk, organisation_id=post.on_behalf_of_id or organisation_of.get(post.author_id),
                           **_fields(post, post.thread))
            for post in batch
        ])
        count += len(batch)
        last_pk = batch[-1].pk
    return count
