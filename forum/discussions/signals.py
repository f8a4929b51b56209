"""Signals this app sends for the apps above it, which it must not import.

`posts_rerendered(sender=Post, post_ids=[...])`: the stored HTML of these posts was rewritten in bulk
(`rerender_posts`), with no `post_save`; whatever is derived from a post's HTML (the search index)
refreshes it.
"""

from __future__ import annotations

from django.dispatch import Signal

posts_rerendered = Signal()
