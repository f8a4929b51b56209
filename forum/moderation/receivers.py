"""What moderation hears from the apps below it (which may not import it)."""

from __future__ import annotations

from . import services


def post_for_review(sender, *, post, reasons, held, **kwargs) -> None:
    """A post held by pre-moderation or caught by a watched word goes to the review queue."""
    services.item_submit(kind="post", obj=post, reasons=list(reasons), held=held)
