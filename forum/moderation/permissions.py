"""Who may flag, review, act, appeal and decide appeals, and who reads the rules and the figures.

Actions of this app (the authorisation matrix walks every one):
- `flag_item`: report a post (a chat message, a question) to the moderators: whoever may read it in
  good standing, members and observers, not its author (the owning app's `report_*` rule); once per
  person and item (the flag service refuses a second flag with its own message).
- `view_queue`: open the review queue: global moderators, category moderators for their
  categories, and the moderators and organisers of a live session for its chat messages and
  questions (`visible_items`), with a second factor. A category moderator does not see a session's
  items, nor a session moderator a category's.
- `act_on_item`: claim an item, dismiss its flags, hide, restore or delete it, warn / mute / suspend its
  author: moderators whose scope holds the item's place; never on content by a member of their own
  organisation (`FORUM_MODERATION_CONFLICT_OF_INTEREST`); not while another moderator's claim holds.
- `appeal_action`: the person an action concerns appeals it, once, with a statement.
- `decide_appeal`: a moderator in scope who did not take the action appealed decides it.
- `view_transparency`: the monthly figures (no personal data): every signed-in person in good standing.
- `view_rules`: read the community guidelines: the same people.
- `manage_rules`: write the guidelines: administrators with a second factor.
- `manage_words`: keep the watched words (words and patterns, each with an action): administrators
  with a second factor. Approving an item held by pre-moderation is `act_on_item`.
- `edit_post_for_policy`, `lock_thread`, `move_thread`, `split_thread`, `delete_thread` (and restore
  it): the same moderators as
  `act_on_item` (the place's scope, no conflict of interest with the author of the post or the
  thread); a move or a split also needs the target category moderated (named refusal otherwise).
- `confirm_restriction`: confirm or reject a suspension or ban awaiting a second moderator: whoever
  may impose it (accounts' rule), never the moderator who imposed it, never for a member of their
  own organisation (`visible_pending_restrictions` lists them).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forum.accounts import permissions as accounts
from forum.categories import permissions as categories
from forum.core import conf
from forum.discussions import permissions as discussions
from forum.live import permissions as live
from forum.live.models import LiveSession

from .models import Action, Appeal, ReviewItem

ACTIONS = ("flag_item", "view_queue", "act_on_item", "appeal_action", "decide_appeal", "view_transparency",
           "view_rules", "manage_rules", "edit_post_for_policy", "lock_thread", "move_thread", "split_thread",
           "confirm_restriction", "view_confirmations", "manage_words", "delete_thread")

allows = categories.allows


def check_flag_item(user, adapter, obj) -> None:
    """`adapter` is the item kind's (forum.moderation.items): its app says who may report it."""
    adapter.check_flag(user, obj)


def check_reread_flagged_item(user, adapter, obj) -> None:
    """The flagger opens the flag page of what they flagged again (to see their flag's state): its
    text is shown only while they may still read it — not once hidden or removed since."""
    adapter.check_view(user, obj)  # Http404: the place is out of their sight now
    if adapter.is_hidden(obj) or adapter.is_removed(obj):
        raise PermissionDenied(_("This is no longer shown: the moderators hid or removed it after it was flagged. "
                                 "Your flag's state is on your flags page."))


def _holds_a_place(user) -> bool:
    return bool(accounts.is_global_moderator(user) or categories.moderated_category_ids(user)
                or live.moderated_session_ids(user))


def is_queue_moderator(user) -> bool:
    """Holds a moderator's role somewhere and may use it now (second factor)."""
    if not accounts.in_good_standing(user) or accounts.is_observer(user):
        return False
    # has_mfa: a session's moderators need a second factor too (the live app asks them for one).
    return _holds_a_place(user) and accounts.privileges_active(user) and accounts.has_mfa(user)


def check_view_queue(user) -> None:
    accounts.require_good_standing(user)
    if accounts.is_observer(user) or not _holds_a_place(user):
        raise PermissionDenied(_("Only moderators can open the review queue."))
    accounts.check_privileged_action(user)
    if not accounts.has_mfa(user):  # a session's moderators (needs_mfa knows only category ones)
        raise accounts.SecondFactorRequired()


def visible_items(user, qs=None):
    """Queryset form of the queue's scope: the items whose place the user moderates now (a
    category, or a live session they organise or moderate)."""
    qs = ReviewItem.objects.all() if qs is None else qs
    if not is_queue_moderator(user):
        return qs.none()
    if accounts.is_global_moderator(user):
        return qs
    place = Q(category_id__in=categories.moderated_visible_category_ids(user))
    sessions = [pk for pk in live.moderated_session_ids(user)
                if not live.removed_from(user, LiveSession(pk=pk))]
    if sessions:
        place |= Q(session_id__in=sessions)
    return qs.filter(place)


OUTSIDE_CATEGORY = gettext_lazy("This is outside your moderation scope: only the moderators of its category "
                                "and the site's moderators act on it.")
OUTSIDE_SESSION = gettext_lazy("This is outside your moderation scope: only the moderators and organisers of its "
                               "live session and the site's moderators act on it.")


def refuse_outside_scope(user, item: ReviewItem):
    """An item a moderator may not review: a named refusal when they may read the content (a post of a
    category they read, a message of a room they see), Http404 when they may not even see it."""
    from . import items  # the content adapters (they import the owning apps, not this module)

    try:
        adapter = items.adapter(item.kind)
        adapter.check_view(user, adapter.load(item.object_id))
    except (Http404, PermissionDenied):
        raise Http404 from None
    raise PermissionDenied(OUTSIDE_SESSION if item.session_id is not None else OUTSIDE_CATEGORY)


def _check_scope(user, item: ReviewItem) -> None:
    check_view_queue(user)
    if item.session_id is not None:
        session = LiveSession.objects.filter(pk=item.session_id).first()
        if session is None:
            raise Http404
        if not live.holds_session_role(user, session):
            refuse_outside_scope(user, item)
        return
    if item.category_id is None:
        if not accounts.is_global_moderator(user):
            raise Http404
        return
    try:
        categories.check_moderate_category(user, item.category)
    except Http404:
        raise
    except PermissionDenied:
        refuse_outside_scope(user, item)


def conflict_of_interest(user, author) -> bool:
    """The author is a member of the moderator's own organisation (and the rule is on)."""
    if not conf.FORUM_MODERATION_CONFLICT_OF_INTEREST or author is None:
        return False
    mine = accounts.organisation_id(user)
    return mine is not None and mine == accounts.organisation_id(author)


def claim_holds(item: ReviewItem, user) -> bool:
    """Another moderator claimed the item recently (FORUM_MODERATION_CLAIM_MINUTES)."""
    if item.claimed_by_id is None or item.claimed_by_id == user.pk or item.claimed_at is None:
        return False
    return item.claimed_at > timezone.now() - timedelta(minutes=conf.FORUM_MODERATION_CLAIM_MINUTES)


def check_act_on_item(user, item: ReviewItem, *, ignore_claim: bool = False) -> None:
    _check_scope(user, item)
    if conflict_of_interest(user, item.author):
        raise PermissionDenied(_("This was written by a member of your own organisation: another moderator "
                                 "must review it."))
    if not ignore_claim and claim_holds(item, user):
        raise PermissionDenied(_("Another moderator has claimed this item and is reviewing it."))


def check_appeal_action(user, action: Action) -> None:
    if not accounts.is_authenticated(user) or action.subject_id != user.pk:
        raise Http404
    if action.kind in (Action.Kind.DISMISS, Action.Kind.RESTORE, Action.Kind.RESTORE_THREAD):
        raise PermissionDenied(_("There is nothing to appeal in this decision."))
    if Appeal.objects.filter(action=action).exists():
        raise PermissionDenied(_("You have already appealed this decision: each decision can be appealed once."))


def check_decide_appeal(user, appeal: Appeal) -> None:
    action = appeal.action
    if action.item is None:
        check_view_queue(user)
        if not accounts.is_global_moderator(user):
            raise Http404
    else:
        _check_scope(user, action.item)
    if action.actor_id == user.pk:
        raise PermissionDenied(_("You took this decision: another moderator must decide the appeal."))
    if appeal.outcome != Appeal.Outcome.PENDING:
        raise PermissionDenied(_("This appeal has already been decided."))
    if action.item is not None and conflict_of_interest(user, action.item.author):
        raise PermissionDenied(_("This was written by a member of your own organisation: another moderator "
                                 "must review it."))


def visible_appeals(user, qs=None):
    """Queryset form of check_decide_appeal's scope (pending ones; the decider's own actions left out)."""
    qs = Appeal.objects.all() if qs is None else qs
    items = visible_items(user)
    if not is_queue_moderator(user):
        return qs.none()
    return qs.filter(Q(action__item__in=items) | Q(action__item__isnull=True)
                     if accounts.is_global_moderator(user) else Q(action__item__in=items)
                     ).exclude(action__actor_id=user.pk)


def check_view_transparency(user, _obj=None) -> None:
    accounts.require_good_standing(user)


def check_view_rules(user, _obj=None) -> None:
    accounts.require_good_standing(user)


def check_manage_rules(user, _obj=None) -> None:
    accounts.require_good_standing(user)
    if not accounts.is_admin(user):
        raise PermissionDenied(_("Only administrators can write the community guidelines."))
    accounts.check_privileged_action(user)


def check_manage_words(user, _obj=None) -> None:
    accounts.require_good_standing(user)
    if not accounts.is_admin(user):
        raise PermissionDenied(_("Only administrators can manage the watched words."))
    accounts.check_privileged_action(user)


# --- Content and thread actions from the site, confirmations -------------------------------------

def _check_content_scope(user, category, author, *, visible) -> None:
    """A moderator's scope over a post or a thread of `category`: Http404 when they may not see it
    (`visible()` is false), a named refusal when they see it but do not moderate it."""
    check_view_queue(user)
    try:
        categories.check_moderate_category(user, category)
    except Http404:
        raise
    except PermissionDenied:
        if not visible():
            raise Http404 from None
        raise PermissionDenied(OUTSIDE_CATEGORY) from None
    if conflict_of_interest(user, author):
        raise PermissionDenied(_("This was written by a member of your own organisation: another moderator "
                                 "must review it."))


def check_edit_post_for_policy(user, post) -> None:
    _check_content_scope(user, post.thread.category, post.author,
                         visible=lambda: allows(discussions.check_view_post, user, post))
    if post.deleted_at is not None:
        raise PermissionDenied(_("This post was deleted: there is no text to edit."))


def _check_thread_scope(user, thread) -> None:
    _check_content_scope(user, thread.category, thread.author,
                         visible=lambda: allows(discussions.check_view_thread, user, thread))


def check_lock_thread(user, thread) -> None:
    _check_thread_scope(user, thread)


def check_delete_thread(user, thread) -> None:
    """Delete or restore a thread under a rule: the same moderators as a lock."""
    _check_thread_scope(user, thread)


def check_move_thread(user, thread, target=None) -> None:
    _check_thread_scope(user, thread)
    if target is not None and not allows(categories.check_moderate_category, user, target):
        raise PermissionDenied(_("You can only move threads into categories you moderate."))


def check_split_thread(user, thread, target=None) -> None:
    check_move_thread(user, thread, target)


def check_confirm_restriction(user, restriction) -> None:
    check_view_queue(user)
    accounts.check_confirm_restriction(user, restriction)
    if conflict_of_interest(user, restriction.user):
        raise PermissionDenied(_("This member belongs to your own organisation: another moderator must decide."))


def _confirms_sanctions(user) -> bool:
    """Site and category moderators confirm sanctions; a live session's staff moderate only their room."""
    return bool(accounts.is_global_moderator(user) or categories.moderated_category_ids(user))


def check_view_confirmations(user) -> None:
    check_view_queue(user)
    if not _confirms_sanctions(user):
        raise PermissionDenied(_("Only site and category moderators confirm sanctions."))


def visible_pending_restrictions(user, qs=None):
    """Queryset form of the confirmation page's scope: restrictions awaiting a second moderator in
    places the user moderates (their own included, shown without buttons)."""
    from forum.accounts.models import Restriction

    qs = Restriction.objects.all() if qs is None else qs
    qs = qs.filter(pending_confirmation=True, lifted_at__isnull=True)
    if not is_queue_moderator(user) or not _confirms_sanctions(user):
        return qs.none()
    if accounts.is_global_moderator(user):
        return qs
    return qs.filter(scope="category", object_id__in=categories.moderated_visible_category_ids(user))
