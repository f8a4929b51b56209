"""Signals this app sends for the apps above it, which it must not import.

`for_review(sender=ChatMessage | Question, obj=..., reasons=[...], held=bool)`: a chat message or a
question the moderators must look at though nobody flagged it — a question held for approval
(`held=True`: the session holds questions, or a watched word requires approval; approving it is
`question_approve`) or content caught by a watched word that was published (`held=False`).
Reasons: "premoderation" (the session holds questions), "watched_word". Sent inside the writer's
transaction.

`decided(sender=Question, obj=..., outcome="approved" | "hidden", actor=...)`: a moderator decided a
question in the room itself (approved a held one, hid one): whatever queue holds it follows.
"""

from __future__ import annotations

from django.dispatch import Signal

PREMODERATED, WATCHED_WORD = "premoderation", "watched_word"

for_review = Signal()
decided = Signal()
