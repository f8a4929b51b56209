"""With the Redis cache down: reading goes on; writing a post is refused with a clear, translated
503 page that keeps the member's text, and nothing is saved."""

import pytest
from django.urls import reverse

from forum.discussions.models import Post, Thread

# Nothing listens on port 1: the cache server is down, as in production when Redis is.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": UNREACHABLE_REDIS,
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}


@pytest.fixture
def thread(make_thread, make_user):
    return make_thread(author=make_user(), title="حوار حول الدستور", source="**نص** عربي")


def test_reply_while_the_cache_is_down_is_a_translated_503_that_keeps_the_text(
        client, thread, make_user, cache_down):
    member = make_user(preferred_language="ar")
    client.force_login(member)
    url = reverse("discussions:reply", kwargs={"thread_id": thread.pk})
    response = client.post(url, {"source": "نص طويل كتبته بعناية <3"})
    assert response.status_code == 503
    page = response.content.decode()
    assert "غير متاح مؤقتاً" in page  # "temporarily unavailable", in the member's language
    assert "نص طويل كتبته بعناية &lt;3" in page  # the typed text is in the form again
    assert thread.posts.count() == 1


def test_new_thread_while_the_cache_is_down_is_a_503_that_keeps_title_and_text(
        client, thread, member, cache_down):
    client.force_login(member)
    url = reverse("discussions:thread_create", kwargs={"slug": thread.category.slug})
    response = client.post(url, {"title": "Winter aid", "source": "Numbers from Idlib"})
    assert response.status_code == 503
    page = response.content.decode()
    assert "temporarily unavailable" in page and "Your text is kept" in page
    assert "Winter aid" in page and "Numbers from Idlib" in page
    assert Thread.objects.count() == 1 and Post.objects.count() == 1


@pytest.fixture
def unread_reply(thread, make_post):
    return make_post(thread=thread, source="A reply the member has not read")


def test_reading_a_thread_works_while_the_cache_is_down(client, thread, unread_reply, member, cache_down):
    client.force_login(member)
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    assert "A reply the member has not read" in response.content.decode()
    # The category page and the reply form are reads too.
    assert client.get(thread.category.get_absolute_url()).status_code == 200
    assert client.get(reverse("discussions:reply", kwargs={"thread_id": thread.pk})).status_code == 200


def test_preview_while_the_cache_is_down_is_a_translated_503_and_renders_nothing(client, thread, member, cache_down):
    client.force_login(member)
    response = client.post("/preview/", {"source": "**secret draft**"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 503
    page = response.content.decode()
    assert "temporairement indisponible" in page and "<strong>" not in page


def test_no_js_preview_while_the_cache_is_down_is_a_503_like_the_other_door_keeps_the_text_and_saves_nothing(
        client, thread, member, cache_down):
    client.force_login(member)
    url = reverse("discussions:reply", kwargs={"thread_id": thread.pk})
    response = client.post(url, {"source": "draft kept", "preview": "1"})
    assert response.status_code == 503
    page = response.content.decode()
    assert "temporarily unavailable" in page and "draft kept" in page
    assert thread.posts.count() == 1
