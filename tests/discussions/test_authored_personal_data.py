"""A member's data export carries what they wrote in threads; deleting the account keeps posts."""

import json

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from forum.core import personal_data
from forum.discussions.models import Attachment, Post, Reaction, Thread


@pytest.mark.django_db
def test_export_lists_threads_posts_reactions_and_images(make_user, settings, tmp_path):
    from forum.categories.models import Category

    settings.MEDIA_ROOT = tmp_path
    author = make_user()
    category = Category.objects.create(name="General", slug="general")
    thread = Thread.objects.create(category=category, title="مياه الشرب", author=author,
                                   last_activity_at=timezone.now())
    post = Post.objects.create(thread=thread, author=author, source="نص **المشاركة**", html="<p>x</p>",
                               path="00000001")
    Reaction.objects.create(post=post, user=author, emoji="👍")
    unattached = Attachment(uploader=author, content_type="image/png", size=3, width=1, height=1)
    unattached.file.save("x.png", ContentFile(b"png"), save=True)

    section = personal_data.export_all(author)["discussions.authored"]
    json.dumps(section, ensure_ascii=False)
    assert [t["title"] for t in section["threads"]] == ["مياه الشرب"]
    assert section["posts"][0]["text"] == "نص **المشاركة**"
    assert section["reactions"] == [{"post": post.pk, "reaction": "👍",
                                     "created_at": section["reactions"][0]["created_at"]}]
    assert section["images"][0]["id"] == unattached.pk

    stored = unattached.file.path
    from forum.discussions.personal_data import erase_authored

    erase_authored(author)
    assert not Attachment.objects.filter(pk=unattached.pk).exists()
    assert not (tmp_path / stored).exists()
    assert Post.objects.filter(pk=post.pk).exists() and Thread.objects.filter(pk=thread.pk).exists()
