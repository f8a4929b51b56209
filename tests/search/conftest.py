"""Factories for search tests: categories, threads and posts made through the ORM as discussions stores
them (html rendered by render_post), so the index sees exactly what a real post would hold."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.utils import timezone

from forum.core.richtext import render_post

_counter = itertools.count(1)


@pytest.fixture
def make_category(db):
    from forum.categories.models import Category

    def make(*, name: str | None = None, visibility: str = "members", parent=None, organisations=(),
             roles=()) -> Category:
        n = next(_counter)
        category = Category.objects.create(name=name or f"Category {n}", slug=f"search-cat-{n}",
                                           visibility=visibility, parent=parent, allowed_roles=list(roles))
        category.allowed_organisations.set(organisations)
        return category

    return make


@pytest.fixture
def make_post(db, make_category, make_user):
    """make_post(source=..., title=..., thread=None, category=None, author=None, ...) -> Post.

    Without a thread, opens a new one (the post is its opening post and carries the title).
    """
    from forum.discussions.models import Post, Thread

    def make(*, source: str, title: str = "A thread", thread=None, category=None, author=None,
             on_behalf_of=None, created_at=None) -> Post:
        author = author or make_user(role="member")
        parent = None
        if thread is None:
            thread = Thread.objects.create(category=category or make_category(), title=title, author=author,
                                           on_behalf_of=on_behalf_of, last_activity_at=timezone.now())
        else:
            parent = thread.posts.filter(parent__isnull=True).first()
        post = Post.objects.create(thread=thread, author=author, parent=parent, on_behalf_of=on_behalf_of,
                                   source=source, html=render_post(source))
        if created_at is not None:
            Post.objects.filter(pk=post.pk).update(created_at=created_at)
            post.refresh_from_db()
            post.save()  # re-index with the date
        indexed()
        return post

    return make


def indexed() -> int:
    """What the background worker does once a write commits (the test's transaction never does):
    build the documents of the posts waiting for one."""
    from forum.search.services import index_pending

    return index_pending()


@pytest.fixture
def on_postgresql():
    return connection.vendor == "postgresql"
