"""What a request does when a shared service it needs (the Redis cache) cannot be reached.

Reading goes on without what the cache only speeds up or estimates (view counts, remembered read
marks). A write that needs the cache to be safe (the post rate limit) is refused with
`TemporarilyUnavailable`, which views turn into a 503 page that keeps the member's text.
"""

from __future__ import annotations

import redis.exceptions
from django.utils.translation import gettext_lazy as _

# What a cache backend raises when its server is down or does not answer in time.
CACHE_ERRORS: tuple[type[Exception], ...] = (redis.exceptions.RedisError, OSError)


class TemporarilyUnavailable(Exception):
    """A service the write needs is unreachable; nothing was saved and the member may retry."""

    def __init__(self, message=None) -> None:
        super().__init__(message or _("The forum is temporarily unavailable, so nothing was saved. "
                                      "Your text is kept below: please try again in a moment."))
        self.message = self.args[0]

    def __str__(self) -> str:
        return str(self.message)
