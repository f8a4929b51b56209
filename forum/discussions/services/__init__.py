"""Every write in threads: open, reply, edit, delete, react, pin, lock, move, delete threads, count views.

Each service takes keyword arguments with the acting user, runs in one transaction, checks the
permission first, validates, saves, writes the audit entry for moderator actions, and then calls
the `activity` hooks (notifications, subscriptions, read state, live updates, sent on commit).
Rejections raise `ValidationError` (bad input; nothing saved) or `PermissionDenied` / `Http404`
(not allowed), each with a translated message saying what was wrong.

Where each lives (call them through this package: `services.post_create(...)`):
- `threads`: thread_create, thread_rename, thread_pin, thread_lock, thread_move, thread_split,
  thread_split_undo,
  thread_delete, thread_restore;
- `posts`: post_create (held for review by pre-moderation when it applies), post_approve (publish a
  held post), post_edit, post_delete, post_hide, post_hold_for_review (flags hide it
  pending review), post_remove (a moderator deletes), post_reinstate (undo that), post_edit_for_policy (a
  moderator edits someone's text under a rule), post_edit_for_policy_undo (an appeal overturned it), post_preview, and the text rules and
  rendering they share with threads (clean_source, clean_title, mentions_in);
- `reactions`: reactions_for, reaction_toggle;
- `reading`: thread_viewed;
- `_common`: private helpers of threads and posts (rate limit, tree paths, counters).
"""

from .posts import clean_source as clean_source
from .posts import clean_title as clean_title
from .posts import mentions_in as mentions_in
from .posts import post_approve as post_approve
from .posts import post_create as post_create
from .posts import post_delete as post_delete
from .posts import post_edit as post_edit
from .posts import post_edit_for_policy as post_edit_for_policy
from .posts import post_edit_for_policy_undo as post_edit_for_policy_undo
from .posts import post_hide as post_hide
from .posts import post_hold_for_review as post_hold_for_review
from .posts import post_preview as post_preview
from .posts import post_reinstate as post_reinstate
from .posts import post_remove as post_remove
from .reactions import reaction_toggle as reaction_toggle
from .reactions import reactions_for as reactions_for
from .reading import thread_viewed as thread_viewed
from .threads import thread_create as thread_create
from .threads import thread_delete as thread_delete
from .threads import thread_lock as thread_lock
from .threads import thread_move as thread_move
from .threads import thread_pin as thread_pin
from .threads import thread_rename as thread_rename
from .threads import thread_restore as thread_restore
from .threads import thread_split as thread_split
from .threads import thread_split_undo as thread_split_undo
