"""Post and revision content is read only in the Django admin: editing `Post.source` there would
leave the stored HTML stale, with no revision, no audit entry and no live update."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forum.discussions.models import Post, PostRevision

pytestmark = pytest.mark.django_db


def test_the_admin_shows_posts_and_revisions_but_never_writes_them(client, make_user, give_mfa, make_thread):
    admin = give_mfa(make_user(role="admin"))
    thread = make_thread(title="Wells")
    post = thread.posts.first() or Post.objects.create(thread=thread, author=thread.author, source="Original",
                                                      html="<p>Original</p>", path="00000001")
    revision = PostRevision.objects.create(post=post, editor=thread.author, source="Draft")
    source, html = post.source, post.html
    client.force_login(admin)
    assert client.get(reverse("admin:discussions_post_changelist")).status_code == 200
    change = reverse("admin:discussions_post_change", args=[post.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="source"' not in page.content.decode()
    assert client.post(change, {"source": "Edited in the admin"}).status_code == 403
    assert client.post(reverse("admin:discussions_post_delete", args=[post.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:discussions_post_add")).status_code == 403
    revision_change = reverse("admin:discussions_postrevision_change", args=[revision.pk])
    assert client.post(revision_change, {"source": "Rewritten"}).status_code == 403
    post.refresh_from_db()
    revision.refresh_from_db()
    assert (post.source, post.html, revision.source) == (source, html, "Draft")
