"""Writes to the search index. They follow writes already checked and made by discussions services
(through `signals`) or an operator's rebuild, so they take no acting user and audit nothing: the
index holds no fact of its own, only a copy of what posts and threads say.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from forum.accounts import permissions as accounts
from forum.discussions.models import Post, Thread
from forum.organisations.models import Membership

from .models import SearchDocument
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
