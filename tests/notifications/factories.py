"""Keyword-only factories for categories, threads and replies, made through the real services.

Imported by name into the notification and live-update test modules (the discussions tests may
have their own in tests/discussions/conftest.py).
"""

from __future__ import annotations

import itertools

import pytest

_counter = itertools.count(1)


@pytest.fixture
def make_category(db):
    from forum.categories.models import Category

    def make(*, name: str | None = None, visibility: str = "members", parent=None, **extra) -> Category:
        n = next(_counter)
        return Category.objects.create(name=name or f"Category {n}", slug=f"h5-category-{n}",
                                       visibility=visibility, parent=parent, **extra)

    return make


@pytest.fixture
def make_thread(db, settings, make_category):
    from forum.discussions import services

    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "post": "100000/m"}

    def make(*, author, category=None, title: str | None = None, source: str = "The opening post"):
        return services.thread_create(author=author, category=category or make_category(),
                                      title=title or f"Thread {next(_counter)}", source=source)

    return make


@pytest.fixture
def make_reply(db, settings):
    from forum.discussions import services

    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "post": "100000/m"}

    def make(*, author, thread, source: str = "A reply", parent=None):
        return services.post_create(author=author, thread=thread, source=source, parent=parent)

    return make


@pytest.fixture
def opening_post():
    def get(thread):
        return thread.posts.order_by("id").first()

    return get


class GroupListener:
    """Listens on a channel-layer group from synchronous test code.

    Its coroutines all run on one event loop of its own (a Redis layer binds a channel's receive
    buffer to the loop that first read it).
    """

    def __init__(self, group: str):
        import asyncio
        import threading

        from channels.layers import get_channel_layer

        self.layer = get_channel_layer()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.channel = self._run(self.layer.new_channel())
        self._run(self.layer.group_add(group, self.channel))

    def _run(self, coroutine):
        import asyncio

        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def events(self) -> list[dict]:
        import asyncio

        async def drain():
            out = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), timeout=0.2)
                except TimeoutError:
                    return out
                out.append(message["event"])

        return self._run(drain())

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@pytest.fixture
def listen():
    listeners = []

    def make(group: str) -> GroupListener:
        listener = GroupListener(group)
        listeners.append(listener)
        return listener

    yield make
    for listener in listeners:
        listener.close()
