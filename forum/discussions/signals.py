"""Signals this app sends for the apps above it, which it must not import.

`posts_rerendered(sender=Post, post_ids=[...])`: the stored HTML of these posts was rewritten in bulk
(`rerender_posts`), with no `post_save`; whatever is derived from a post's HTML (the search index)
refreshes it.

`post_for_review(sender=Post, post=..., reasons=[...], held=bool)`: a post was just written that the
moderators must look at — held by pre-moderation (`held=True`: it waits for approval, see
`post_approve`) or saved but caught by a watched word (`held=False`). Reasons are among
`REVIEW_REASONS`. Sent inside the writer's transaction, so the queue's row and the post commit
together.
"""

from __future__ import annotations

from django.dispatch import Signal

posts_rerendered = Signal()

# Why a post is in the review queue without anyone having flagged it.
PREMODERATED_CATEGORY, NEW_MEMBER, WATCHED_WORD = "premoderation", "new_member", "watched_word"
REVIEW_REASONS = (PREMODERATED_CATEGORY, NEW_MEMBER, WATCHED_WORD)

post_for_review = Signal()
