"""What moderation hears from the apps below it (which may not import it)."""

from __future__ import annotations

from . import items, services


def post_for_review(sender, *, post, reasons, held, **kwargs) -> None:
    """A post held by pre-moderation or caught by a watched word goes to the review queue."""
    services.item_submit(kind="post", obj=post, reasons=list(reasons), held=held)


def position_for_review(sender, *, position, reasons, held, **kwargs) -> None:
    """An organisation's position held before it was shown (a pre-moderated category, a watched word)
    or caught by a watched word's "flag" goes to the review queue, as a post would."""
    services.item_submit(kind="position", obj=position, reasons=list(reasons), held=held)


def live_for_review(sender, *, obj, reasons, held, **kwargs) -> None:
    """A question held for approval, or a chat message or question caught by a watched word: each
    goes to the review queue through its kind's adapter (forum.moderation.items)."""
    kind = {"Question": "question", "ChatMessage": "message"}.get(sender.__name__)
    if kind in items.ADAPTERS and reasons:
        services.item_submit(kind=kind, obj=obj, reasons=list(reasons), held=held)


def live_decided(sender, *, obj, outcome, **kwargs) -> None:
    services.item_decided_elsewhere(kind="question", obj=obj, outcome=outcome)
