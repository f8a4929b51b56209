"""Writes to the search index. They follow writes already checked and made by discussions services
(through `signals`) or an operator's rebuild, so they take no acting user and audit nothing: the
index holds no fact of its own, only a copy of what posts and threads say.
"""

from __future__ import annotations

from django.db import transaction

from forum.discussions.models import Post, Thread
from forum.organisations.models import Membership

from .models import SearchDocument
from .text import document_text


def _is_searchable(post: Post, thread: Thread) -> bool:
    return post.deleted_at is None and post.hidden_at is None and thread.deleted_at is None


def _build(post: Post, thread: Thread, organisation_id: int | None) -> SearchDocument:
    text = document_text(title=thread.title if post.parent_id is None else "", post_html=post.html)
    return SearchDocument(
        post_id=post.pk, thread_id=thread.pk, category_id=thread.category_id, author_id=post.author_id,
        organisation_id=organisation_id, created_at=post.created_at, title_norm=text.title_norm,
        body_text=text.body_text, body_norm=text.body_norm, stems=text.stems,
    )


def _author_organisation_id(post: Post) -> int | None:
    if post.on_behalf_of_id:
        return post.on_behalf_of_id
    return Membership.objects.filter(user_id=post.author_id).values_list("organisation_id", flat=True).first()


@transaction.atomic
def post_index(*, post: Post) -> SearchDocument | None:
    """Add or refresh the post's document; remove it when the post is deleted or hidden, or its thread deleted.

    The organisation recorded is the one of the first indexing (who the author spoke for then).
    """
    thread = post.thread
    if not _is_searchable(post, thread):
        SearchDocument.objects.filter(post_id=post.pk).delete()
        return None
    existing = SearchDocument.objects.filter(post_id=post.pk).values_list("organisation_id", flat=True).first()
    organisation_id = post.on_behalf_of_id or existing or _author_organisation_id(post)
    document = _build(post, thread, organisation_id)
    document.save()
    return document


@transaction.atomic
def thread_reindex(*, thread: Thread) -> None:
    """A thread changed (title, category, deletion): its documents follow."""
    if thread.deleted_at is not None:
        SearchDocument.objects.filter(thread_id=thread.pk).delete()
        return
    SearchDocument.objects.filter(thread_id=thread.pk).exclude(category_id=thread.category_id).update(
        category_id=thread.category_id)
    opening = Post.objects.filter(thread_id=thread.pk, parent__isnull=True).order_by("pk").first()
    if opening is not None:
        opening.thread = thread
        post_index(post=opening)


def post_unindex(*, post_id: int) -> None:
    """Forget a post (it was deleted from the database)."""
    SearchDocument.objects.filter(post_id=post_id).delete()


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
            _build(post, post.thread, post.on_behalf_of_id or organisation_of.get(post.author_id))
            for post in batch
        ])
        count += len(batch)
        last_pk = batch[-1].pk
    return count
