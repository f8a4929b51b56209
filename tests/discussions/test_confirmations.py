"""Deleting a post asks first, on a page that needs no JavaScript (issue #10 §1)."""

import re

import pytest
from django.urls import reverse

from forum.discussions import services
from forum.discussions.models import Post

pytestmark = pytest.mark.django_db


def test_the_delete_action_is_a_link_to_a_confirmation_page_that_changes_nothing(client, make_thread, make_user):
    author = make_user(display_name="ريم العلي")
    thread = make_thread(author=author, title="Plan")
    reply = services.post_create(author=author, thread=thread, source="> الشاهد أولاً\n\nنص")
    client.force_login(author)
    url = reverse("discussions:post_delete", kwargs={"post_id": reply.pk})
    page = client.get(thread.get_absolute_url()).content.decode()
    assert re.search(r'<a href="' + re.escape(url) + r'">', page) and f'action="{url}"' not in page

    html = client.get(url).content.decode()
    assert Post.objects.get(pk=reply.pk).deleted_at is None
    assert f'<form method="post" action="{url}">' in html
    # The post is shown as it reads, in its own direction.
    assert '<blockquote class="user-content" dir="rtl">' in html
    assert client.post(url).status_code == 302
    assert Post.objects.get(pk=reply.pk).deleted_at is not None
