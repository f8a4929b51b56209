"""Who may add a poll to a thread, vote, see the results and the voters, and close a poll.

Actions of this app (the authorisation matrix walks every one):
- `create_poll`: add a poll to a thread that has none (its author while they may reply there, or a
  moderator of the category); observers never.
- `vote_in_poll`: cast or change a ballot while the poll is open, by its electorate: all members
  (full members: never observers), representatives only, or one vote per organisation cast by one of
  its representatives. Representatives act for their organisation, so they need a second factor.
- `view_poll_results`: the counts: always, after one has voted (or one's organisation has, for a
  one-vote-per-organisation poll), or once the poll is closed, as the poll says. Nobody sees them
  earlier, its author and the moderators included: everyone votes on the same footing.
- `view_poll_voters`: who chose what, when the poll is not secret and its results are shown.
- `close_poll`: close it before its date (its author while they may reply, or a moderator).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts
from forum.categories.permissions import allows, check_moderator_power, is_category_moderator  # noqa: F401
from forum.discussions import permissions as threads

from .models import Ballot, Poll

ACTIONS = ("create_poll", "vote_in_poll", "view_poll_results", "view_poll_voters", "close_poll")


def _check_author_or_moderator(user, thread, reason: str) -> None:
    threads.check_view_thread(user, thread)
    accounts.require_good_standing(user)
    if accounts.is_observer(user):
        raise PermissionDenied(_("Observers follow polls but do not create or run them."))
    if thread.deleted_at is not None:
        raise PermissionDenied(_("This thread was deleted."))
    if thread.author_id == user.pk and allows(threads.check_reply_to_thread, user, thread):
        return
    check_moderator_power(user, thread.category, reason)
    accounts.check_privileged_action(user)


def _check_author_or_moderator_for_page(user, thread) -> None:
    """`check_create_poll` without its query (the page already knows the thread has no poll)."""
    _check_author_or_moderator(user, thread, _("Only the thread's author or its moderators can add a poll."))


def check_create_poll(user, thread) -> None:
    _check_author_or_moderator(user, thread, _("Only the thread's author or its moderators can add a poll."))
    if Poll.objects.filter(thread_id=thread.pk).exists():
        raise PermissionDenied(_("This thread already has a poll."))


def check_close_poll(user, poll: Poll) -> None:
    _check_author_or_moderator(user, poll.thread, _("Only the thread's author or its moderators can close its poll."))
    if poll.is_closed():
        raise PermissionDenied(_("This poll is already closed."))


def check_vote_in_poll(user, poll: Poll) -> None:
    thread = poll.thread
    threads.check_view_thread(user, thread)
    accounts.require_good_standing(user)
    if accounts.is_observer(user):
        raise PermissionDenied(_("Observers follow polls but do not vote."))
    if thread.deleted_at is not None:
        raise PermissionDenied(_("This thread was deleted."))
    if thread.locked:
        raise PermissionDenied(_("This thread is locked: its poll takes no more votes."))
    if accounts.is_muted(user, scope="category", object_id=thread.category_id):
        raise PermissionDenied(_("You are muted in this category: you can read but not vote."))
    now = timezone.now()
    if now < poll.opens_at:
        raise PermissionDenied(_("This poll is not open yet."))
    if poll.is_closed(now):
        raise PermissionDenied(_("This poll is closed: votes can no longer be cast or changed."))
    if poll.electorate == Poll.Electorate.ORGANISATIONS:
        if not accounts.is_representative(user):
            raise PermissionDenied(_("In this poll each organisation has one vote, cast by one of its "
                                     "representatives."))
        accounts.check_privileged_action(user)
    elif poll.electorate == Poll.Electorate.REPRESENTATIVES:
        if not accounts.is_representative(user):
            raise PermissionDenied(_("Only organisation representatives vote in this poll."))
        accounts.check_privileged_action(user)


def ballot_of(user, poll: Poll) -> Ballot | None:
    """The ballot that counts for `user` in `poll`: their own, or their organisation's (one vote per
    organisation). One query; cached on the user object for the poll."""
    if not accounts.is_authenticated(user):
        return None
    cache = accounts._cache(user)
    key = f"poll-ballot:{poll.pk}"
    if key not in cache:
        if poll.per_organisation:
            org_id = accounts.organisation_id(user)
            cache[key] = (Ballot.objects.filter(poll=poll, organisation_id=org_id).first()
                          if org_id is not None else None)
        else:
            cache[key] = Ballot.objects.filter(poll=poll, voter=user, organisation__isnull=True).first()
    return cache[key]


def check_view_poll_results(user, poll: Poll) -> None:
    threads.check_view_thread(user, poll.thread)
    if poll.results == Poll.Results.ALWAYS or poll.is_closed():
        return
    if poll.results == Poll.Results.AFTER_CLOSE:
        raise PermissionDenied(_("The results are shown once the poll closes."))
    if ballot_of(user, poll) is None:
        if poll.per_organisation:
            raise PermissionDenied(_("The results are shown once your organisation has voted, or when the "
                                     "poll closes."))
        raise PermissionDenied(_("The results are shown once you have voted, or when the poll closes."))


def check_view_poll_voters(user, poll: Poll) -> None:
    check_view_poll_results(user, poll)
    if poll.secret:
        raise PermissionDenied(_("This is a secret ballot: nobody sees who chose what."))


def visible_polls(user, qs=None):
    """Polls of the threads the user may read (the queryset form of the first step of every check)."""
    qs = Poll.objects.all() if qs is None else qs
    return qs.filter(thread__in=threads.visible_threads(user))
