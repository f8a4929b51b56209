"""Every role against every action the policy layer decides.

Each app's `permissions.py` lists its actions in `ACTIONS`; `ROWS` below says, for each action, how
to attempt it on the shared world and which roles may. The test fails when an app declares an
action without a row, so a new action cannot go unchecked. Privileged users have a second factor
here, except the three `mfa_less_*` roles: they hold a moderator's or an admin's role without a
second factor, and every privileged power, reads included, is refused to them (`PRIVILEGED_ROWS`
walks the cases a member never reaches: deleted threads, hidden posts, locked threads, ...).
"""

from __future__ import annotations

import importlib
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

# Modules that decide access: each app's permissions.py, and the attachment rules beside their views.
POLICY_MODULES = {
    "accounts": "forum.accounts.permissions",
    "organisations": "forum.organisations.permissions",
    "notifications": "forum.notifications.permissions",
    "categories": "forum.categories.permissions",
    "discussions": "forum.discussions.permissions",
    "attachments": "forum.discussions.attachments",
    "search": "forum.search.permissions",
    "live": "forum.live.permissions",
    "audit": "forum.audit.permissions",
    "moderation": "forum.moderation.permissions",
    "polls": "forum.polls.permissions",
    "consultations": "forum.consultations.permissions",
}

ROLES = [
    "anonymous", "member", "representative", "category_moderator", "moderator", "admin",
    "observer", "expired_observer", "suspended_member", "mfa_less_moderator", "mfa_less_admin",
    "mfa_less_category_moderator",
]

MFA_LESS = {"mfa_less_moderator", "mfa_less_admin", "mfa_less_category_moderator"}
FULL = {"member", "representative", "category_moderator", "moderator", "admin"} | MFA_LESS
READERS = FULL | {"observer"}
# Observers take part where they are granted (marked as observers) but do not open threads.
PARTICIPANTS = FULL | {"observer"}
MODERATORS = {"category_moderator", "moderator", "admin"}
SIGNED_IN = set(ROLES) - {"anonymous"}


def _perm(app):
    return importlib.import_module(POLICY_MODULES[app])


# (app, action): (attempt(world, user), roles allowed)
ROWS = {
    ("accounts", "view_profile"): (lambda w, u: _perm("accounts").check_view_profile(u, w.author), FULL),
    ("accounts", "edit_profile"): (lambda w, u: _perm("accounts").check_edit_profile(u, u), READERS),
    ("accounts", "export_data"): (lambda w, u: _perm("accounts").check_export_data(u, u), SIGNED_IN),
    ("accounts", "delete_account"): (lambda w, u: _perm("accounts").check_delete_account(u, u), SIGNED_IN),
    ("accounts", "end_session"): (lambda w, u: _perm("accounts").check_end_session(u, w.member_session), {"member"}),
    ("accounts", "manage_users"): (lambda w, u: _perm("accounts").check_manage_users(u), {"admin"}),
    ("accounts", "change_role"): (lambda w, u: _perm("accounts").check_change_role(u, w.author), {"admin"}),
    ("accounts", "impose_restriction"): (
        lambda w, u: _perm("accounts").check_impose_restriction(u, w.author, "category", w.category.pk), MODERATORS),
    ("accounts", "confirm_restriction"): (
        lambda w, u: _perm("accounts").check_confirm_restriction(u, w.pending_suspension), {"moderator", "admin"}),
    ("accounts", "grant_observer"): (
        lambda w, u: _perm("accounts").check_grant_observer(u, w.users["observer"], "category", w.category.pk),
        {"admin"}),
    ("accounts", "view_style_guide"): (lambda w, u: _perm("accounts").check_view_style_guide(u), {"admin"}),
    ("audit", "view_audit_log"): (lambda w, u: _perm("audit").check_view_audit_log(u), MODERATORS),
    ("organisations", "view_directory"): (lambda w, u: _perm("organisations").check_view_directory(u), FULL),
    ("organisations", "view_organisation"): (
        lambda w, u: _perm("organisations").check_view_organisation(u, w.org), FULL),
    ("organisations", "invite_member"): (
        lambda w, u: _perm("organisations").check_invite_member(u, w.org, "member"), {"representative", "admin"}),
    ("organisations", "revoke_invitation"): (
        lambda w, u: _perm("organisations").check_revoke_invitation(u, w.invitation), {"representative", "admin"}),
    ("organisations", "remove_member"): (
        lambda w, u: _perm("organisations").check_remove_member(u, w.author_membership), {"representative", "admin"}),
    ("organisations", "manage_organisations"): (
        lambda w, u: _perm("organisations").check_manage_organisations(u), {"admin"}),
    ("organisations", "approve_join_request"): (
        lambda w, u: _perm("organisations").check_approve_join_request(u, None), {"admin"}),
    ("categories", "view_category"): (lambda w, u: _perm("categories").check_view_category(u, w.category), READERS),
    ("categories", "start_thread"): (lambda w, u: _perm("categories").check_start_thread(u, w.category), FULL),
    ("categories", "reply_in_category"): (
        lambda w, u: _perm("categories").check_reply_in_category(u, w.category), PARTICIPANTS),
    ("categories", "moderate_category"): (
        lambda w, u: _perm("categories").check_moderate_category(u, w.category), MODERATORS),
    ("categories", "manage_categories"): (lambda w, u: _perm("categories").check_manage_categories(u), {"admin"}),
    ("discussions", "view_thread"): (lambda w, u: _perm("discussions").check_view_thread(u, w.thread), READERS),
    ("discussions", "start_thread"): (lambda w, u: _perm("discussions").check_start_thread(u, w.category), FULL),
    ("discussions", "reply_to_thread"): (
        lambda w, u: _perm("discussions").check_reply_to_thread(u, w.thread), PARTICIPANTS),
    ("discussions", "edit_post"): (
        lambda w, u: _perm("discussions").check_edit_post(u, w.post), MODERATORS | {"member"}),
    ("discussions", "delete_post"): (lambda w, u: _perm("discussions").check_delete_post(u, w.post), {"member"}),
    ("discussions", "react_to_post"): (lambda w, u: _perm("discussions").check_react_to_post(u, w.post), PARTICIPANTS),
    ("discussions", "pin_thread"): (lambda w, u: _perm("discussions").check_pin_thread(u, w.thread), MODERATORS),
    ("discussions", "lock_thread"): (lambda w, u: _perm("discussions").check_lock_thread(u, w.thread), MODERATORS),
    ("discussions", "move_thread"): (
        lambda w, u: _perm("discussions").check_move_thread(u, w.thread, w.other_category), {"moderator", "admin"}),
    ("discussions", "delete_thread"): (
        lambda w, u: _perm("discussions").check_delete_thread(u, w.thread), MODERATORS),
    ("discussions", "view_revisions"): (
        lambda w, u: _perm("discussions").check_view_revisions(u, w.post), READERS),
    ("discussions", "speak_for_organisation"): (
        lambda w, u: _perm("discussions").check_speak_for_organisation(u, w.org), {"representative"}),
    ("discussions", "rename_thread"): (
        lambda w, u: _perm("discussions").check_rename_thread(u, w.thread), MODERATORS | {"member"}),
    ("discussions", "hide_post"): (lambda w, u: _perm("discussions").check_hide_post(u, w.post), MODERATORS),
    ("discussions", "suggest_mentions"): (
        lambda w, u: _perm("discussions").check_suggest_mentions(u, w.thread), PARTICIPANTS),
    ("discussions", "suggest_mentions_new_thread"): (
        lambda w, u: _perm("discussions").check_suggest_mentions_new_thread(u, w.category), FULL),
    ("discussions", "preview_post"): (lambda w, u: _perm("discussions").check_preview_post(u), PARTICIPANTS),
    ("discussions", "report_post"): (
        lambda w, u: _perm("discussions").check_report_post(u, w.post), READERS - {"member"}),
    ("discussions", "remove_post"): (lambda w, u: _perm("discussions").check_remove_post(u, w.post), MODERATORS),
    ("moderation", "flag_item"): (lambda w, u: _perm("moderation").check_flag_item(u, _post_items(), w.post),
                                  READERS - {"member"}),
    ("moderation", "view_queue"): (lambda w, u: _perm("moderation").check_view_queue(u), MODERATORS),
    ("moderation", "act_on_item"): (
        lambda w, u: _perm("moderation").check_act_on_item(u, _moderation(w).item), MODERATORS),
    ("moderation", "appeal_action"): (
        lambda w, u: _perm("moderation").check_appeal_action(u, _moderation(w).warning), {"member"}),
    # The moderator took the decision: another decides.
    ("moderation", "decide_appeal"): (
        lambda w, u: _perm("moderation").check_decide_appeal(u, _moderation(w).appeal), {"category_moderator", "admin"}),
    ("moderation", "view_transparency"): (lambda w, u: _perm("moderation").check_view_transparency(u), READERS),
    ("moderation", "view_rules"): (lambda w, u: _perm("moderation").check_view_rules(u), READERS),
    ("moderation", "manage_rules"): (lambda w, u: _perm("moderation").check_manage_rules(u), {"admin"}),
    ("moderation", "edit_post_for_policy"): (
        lambda w, u: _perm("moderation").check_edit_post_for_policy(u, w.post), MODERATORS),
    ("moderation", "lock_thread"): (lambda w, u: _perm("moderation").check_lock_thread(u, w.thread), MODERATORS),
    ("moderation", "delete_thread"): (lambda w, u: _perm("moderation").check_delete_thread(u, w.thread), MODERATORS),
    # Both categories moderated: the category moderator does not moderate the other one.
    ("moderation", "move_thread"): (
        lambda w, u: _perm("moderation").check_move_thread(u, w.thread, w.other_category), {"moderator", "admin"}),
    ("moderation", "split_thread"): (
        lambda w, u: _perm("moderation").check_split_thread(u, w.thread, w.category), MODERATORS),
    ("moderation", "confirm_restriction"): (
        lambda w, u: _perm("moderation").check_confirm_restriction(u, w.pending_suspension), {"moderator", "admin"}),
    # Not a session's staff (the representative organises the world's live session): site and category only.
    ("moderation", "view_confirmations"): (
        lambda w, u: _perm("moderation").check_view_confirmations(u), MODERATORS),
    ("moderation", "manage_words"): (lambda w, u: _perm("moderation").check_manage_words(u), {"admin"}),
    ("search", "search"): (lambda w, u: _perm("search").check_search(u), READERS),
    ("notifications", "view_notification"): (
        lambda w, u: _perm("notifications").check_view_notification(u, w.notification), {"member"}),
    ("notifications", "mark_notifications_read"): (
        lambda w, u: _perm("notifications").check_mark_notifications_read(u), SIGNED_IN),
    ("notifications", "manage_email_preferences"): (
        lambda w, u: _perm("notifications").check_manage_email_preferences(u), SIGNED_IN),
    ("attachments", "upload_attachment"): (
        lambda w, u: _perm("attachments").check_upload_attachment(u), PARTICIPANTS),
    ("attachments", "view_attachment"): (
        lambda w, u: _perm("attachments").check_view_attachment(u, w.attachment), READERS),
    # Polls (forum.polls): an open poll for all members, results always shown, voters public, in the
    # member's thread (see `_polls`); the other kinds of poll are in POLL_CASES.
    ("polls", "create_poll"): (
        lambda w, u: _perm("polls").check_create_poll(u, _polls(w).bare_thread), MODERATORS | {"member"}),
    ("polls", "vote_in_poll"): (lambda w, u: _perm("polls").check_vote_in_poll(u, _polls(w).poll), FULL),
    ("polls", "view_poll_results"): (
        lambda w, u: _perm("polls").check_view_poll_results(u, _polls(w).poll), READERS),
    ("polls", "view_poll_voters"): (
        lambda w, u: _perm("polls").check_view_poll_voters(u, _polls(w).poll), READERS),
    ("polls", "close_poll"): (lambda w, u: _perm("polls").check_close_poll(u, _polls(w).poll), MODERATORS | {"member"}),
    # Consultations (`_consultation`): an open one with the position of the representative's
    # organisation, and a closed one, both organised by the global moderator.
    ("consultations", "view_consultation"): (
        lambda w, u: _perm("consultations").check_view_consultation(u, _consultation(w).open), READERS),
    ("consultations", "view_position"): (
        lambda w, u: _perm("consultations").check_view_position(u, _consultation(w).position), READERS),
    ("consultations", "create_consultation"): (
        lambda w, u: _perm("consultations").check_create_consultation(u, w.category), {"moderator", "admin"}),
    ("consultations", "submit_position"): (
        lambda w, u: _perm("consultations").check_submit_position(u, _consultation(w).open), {"representative"}),
    ("consultations", "revise_position"): (
        lambda w, u: _perm("consultations").check_revise_position(u, _consultation(w).position), {"representative"}),
    ("consultations", "view_position_history"): (
        lambda w, u: _perm("consultations").check_view_position_history(u, _consultation(w).position), READERS),
    ("consultations", "publish_synthesis"): (
        lambda w, u: _perm("consultations").check_publish_synthesis(u, _consultation(w).closed), {"moderator", "admin"}),
    ("consultations", "export_consultation"): (
        lambda w, u: _perm("consultations").check_export_consultation(u, _consultation(w).closed), READERS),
    # Not by the organisation that wrote it (its member and representative).
    ("consultations", "report_position"): (
        lambda w, u: _perm("consultations").check_report_position(u, _consultation(w).position),
        READERS - {"member", "representative"}),
    ("consultations", "hide_position"): (
        lambda w, u: _perm("consultations").check_hide_position(u, _consultation(w).position), MODERATORS),
}


def _polls(w):
    """Polls in the world's category (made on first use, kept on the world): an open one for all
    members with public voters; one vote per organisation (the world's organisation has voted,
    through its representative); representatives only; closed; not open yet; results after voting
    (the member voted) and after closing; a secret one; and a thread without a poll by the member."""
    if not hasattr(w, "polls"):
        from forum.discussions.models import Post, Thread
        from forum.polls.models import Ballot, Poll

        now = timezone.now()

        def thread(title):
            t = Thread.objects.create(category=w.category, title=title, author=w.author, last_activity_at=now)
            Post.objects.create(thread=t, author=w.author, source=title, html=title, path="00000001")
            return t

        def poll(title, **fields):
            fields = {"opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=1),
                      "secret": False, **fields}
            made = Poll.objects.create(thread=thread(title), question=title, created_by=w.author, **fields)
            made.options.create(label="Yes", position=0)
            made.options.create(label="No", position=1)
            return made

        by_organisation = poll("Per organisation", electorate="organisations", results="after_vote")
        Ballot.objects.create(poll=by_organisation, voter=w.users["representative"], organisation=w.org)
        after_vote = poll("After voting", results="after_vote")
        Ballot.objects.create(poll=after_vote, voter=w.author)
        w.polls = SimpleNamespace(
            poll=poll("Open"), by_organisation=by_organisation, after_vote=after_vote,
            representatives=poll("Representatives", electorate="representatives"),
            closed=poll("Closed", opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1)),
            not_open=poll("Not yet", opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2)),
            after_close=poll("After closing", results="after_close"), secret=poll("Secret", secret=True),
            bare_thread=thread("No poll yet"))
    return w.polls


def _poll_check(name, poll):
    return lambda w, u: getattr(_perm("polls"), f"check_{name}")(u, getattr(_polls(w), poll))


# Polls of other kinds, in the same world: (app, action, case): (attempt, roles allowed).
POLL_CASES = {
    # Its representative cast the organisation's vote: the vote is theirs to change; another
    # organisation's representative would vote too (none in this world), members never.
    ("polls", "vote_in_poll", "one vote per organisation"): (
        _poll_check("vote_in_poll", "by_organisation"), {"representative"}),
    ("polls", "vote_in_poll", "representatives only"): (
        _poll_check("vote_in_poll", "representatives"), {"representative"}),
    ("polls", "vote_in_poll", "closed poll"): (_poll_check("vote_in_poll", "closed"), set()),
    ("polls", "vote_in_poll", "not open yet"): (_poll_check("vote_in_poll", "not_open"), set()),
    ("polls", "vote_in_poll", "locked thread"): (
        lambda w, u: _perm("polls").check_vote_in_poll(u, _locked_poll(w)), set()),
    # The organisation voted: its member and its representative see the results, nobody else yet.
    ("polls", "view_poll_results", "after voting, per organisation"): (
        _poll_check("view_poll_results", "by_organisation"), {"member", "representative"}),
    ("polls", "view_poll_results", "after voting"): (_poll_check("view_poll_results", "after_vote"), {"member"}),
    ("polls", "view_poll_results", "after closing, still open"): (
        _poll_check("view_poll_results", "after_close"), set()),
    ("polls", "view_poll_results", "closed poll"): (_poll_check("view_poll_results", "closed"), READERS),
    ("polls", "view_poll_voters", "secret ballot"): (_poll_check("view_poll_voters", "secret"), set()),
    ("polls", "view_poll_voters", "secret ballot, closed"): (
        lambda w, u: _perm("polls").check_view_poll_voters(u, _closed_secret(w)), set()),
    ("polls", "close_poll", "already closed"): (_poll_check("close_poll", "closed"), set()),
    ("polls", "create_poll", "thread with a poll"): (
        lambda w, u: _perm("polls").check_create_poll(u, _polls(w).poll.thread), set()),
}


def _locked_poll(w):
    poll = _polls(w).poll
    poll.thread.locked = True
    poll.thread.save(update_fields=["locked"])
    return poll


def _closed_secret(w):
    poll = _polls(w).secret
    poll.opens_at, poll.closes_at = timezone.now() - timedelta(days=2), timezone.now() - timedelta(days=1)
    poll.save(update_fields=["opens_at", "closes_at"])
    return poll



def _consultation(w):
    """An open consultation with the position of the world's organisation, and a closed one, both
    in the world's category, organised by the global moderator (made on first use)."""
    if not hasattr(w, "consultation"):
        from forum.consultations.models import Consultation, Position
        from forum.discussions.models import Thread

        now = timezone.now()
        organiser = w.users["moderator"]

        def make(title, deadline):
            thread = Thread.objects.create(category=w.category, title=title, author=organiser, last_activity_at=now)
            consultation = Consultation.objects.create(thread=thread, question="Q?", deadline=deadline,
                                                       created_by=organiser)
            consultation.organisers.add(organiser)
            return consultation

        open_one, closed = make("Charter", now + timedelta(days=3)), make("Budget", now - timedelta(days=1))
        position = Position.objects.create(consultation=open_one, organisation=w.org, signed_by=w.users["representative"],
                                           stance="against", source="No", html="<p>No</p>", updated_at=now)
        w.consultation = SimpleNamespace(open=open_one, closed=closed, position=position)
    return w.consultation


def _held_position(w):
    """A position of the world's organisation held for review before it was shown, in an open
    consultation of the world's category of its own (made on first use)."""
    if not hasattr(w, "held_position"):
        from forum.consultations.models import Consultation, Position
        from forum.discussions.models import Thread

        now = timezone.now()
        organiser = w.users["moderator"]
        thread = Thread.objects.create(category=w.category, title="Held", author=organiser, last_activity_at=now)
        consultation = Consultation.objects.create(thread=thread, question="Q?", deadline=now + timedelta(days=3),
                                                   created_by=organiser)
        w.held_position = Position.objects.create(
            consultation=consultation, organisation=w.org, signed_by=w.users["representative"], stance="against",
            source="No", html="<p>No</p>", updated_at=now, awaiting_review=True, hidden_at=now,
            hidden_reason={"premoderation": True})
    return w.held_position


def _held_check(name):
    return lambda w, u: getattr(_perm("consultations"), f"check_{name}")(u, _held_position(w))


# A position held for review before it was shown: its organisation's representative and the
# category's moderators see it; its organisation's member does not; nobody may flag it.
CONSULTATION_CASES = {
    ("consultations", "view_position", "held for review"): (
        _held_check("view_position"), {"representative"} | MODERATORS),
    ("consultations", "view_position_history", "held for review"): (
        _held_check("view_position_history"), {"representative"} | MODERATORS),
    ("consultations", "revise_position", "held for review"): (_held_check("revise_position"), {"representative"}),
    ("consultations", "report_position", "held for review"): (_held_check("report_position"), set()),
    ("consultations", "hide_position", "held for review"): (_held_check("hide_position"), MODERATORS),
}


def _discussions():
    return _perm("discussions")


def _read_whole_audit_log(user):
    """May read the log and all of it (site-wide entries too), not only some categories' entries."""
    _perm("audit").check_view_audit_log(user)
    if _perm("audit").audit_scope(user) is not None:
        raise PermissionDenied("only some categories")
def _post_items():
    from forum.moderation.items import PostItems

    return PostItems


def _held(w):
    """A thread by the author held by pre-moderation, its opening post and its queue item."""
    if not hasattr(w, "held"):
        from forum.discussions.models import Post, Thread
        from forum.moderation.models import ReviewItem

        thread = Thread.objects.create(category=w.category, title="Held", author=w.author,
                                       last_activity_at=timezone.now(), awaiting_review=True)
        post = Post.objects.create(thread=thread, author=w.author, source="Held", html="<p>Held</p>", path="00000009",
                                   awaiting_review=True, hidden_at=timezone.now(), hidden_reason={"premoderation": True})
        item = ReviewItem.objects.create(kind="post", object_id=post.pk, category=w.category, author=w.author,
                                         first_flagged_at=timezone.now(), held=True, reasons=["premoderation"])
        w.held = SimpleNamespace(thread=thread, post=post, item=item)
    return w.held


def _moderation(w):
    """A flagged post of the author's, a warning to them and an appealed hide by the global moderator
    (made on first use, kept on the world)."""
    if not hasattr(w, "moderation"):
        from forum.moderation.models import Action, Appeal, ReviewItem, Rule

        rule = Rule.objects.create(title_en="Rule", title_ar="قاعدة", title_fr="Règle")
        item = ReviewItem.objects.create(kind="post", object_id=w.post.pk, category=w.category, author=w.author,
                                         first_flagged_at=timezone.now())
        actor = w.users["moderator"]
        warning = Action.objects.create(item=item, kind="warn", rule=rule, actor=actor, subject=w.author)
        hidden = Action.objects.create(item=item, kind="hide", rule=rule, actor=actor, subject=w.author)
        appeal = Appeal.objects.create(action=hidden, appellant=w.author, statement="Please")
        w.moderation = SimpleNamespace(item=item, warning=warning, appeal=appeal)
    return w.moderation


# Privileged powers, each on the object that needs it: (app, action, case): (attempt, roles allowed).
# A moderator without a second factor is treated like a member: these rows are exactly where the
# two differ.
PRIVILEGED_ROWS = {
    ("discussions", "view_thread", "deleted thread"): (
        lambda w, u: _discussions().check_view_thread(u, w.deleted_thread), MODERATORS),
    ("discussions", "view_revisions", "hidden post"): (
        lambda w, u: _discussions().check_view_revisions(u, w.hidden_post), MODERATORS),
    ("discussions", "view_revisions", "deleted post"): (
        lambda w, u: _discussions().check_view_revisions(u, w.deleted_post), MODERATORS),
    ("discussions", "reply_to_thread", "locked thread"): (
        lambda w, u: _discussions().check_reply_to_thread(u, w.locked_thread), MODERATORS),
    ("discussions", "react_to_post", "locked thread"): (
        lambda w, u: _discussions().check_react_to_post(u, w.locked_post), MODERATORS),
    ("discussions", "edit_post", "another's post in a locked thread"): (
        lambda w, u: _discussions().check_edit_post(u, w.locked_post), MODERATORS),
    ("discussions", "hide_post", "hidden post (show it again)"): (
        lambda w, u: _discussions().check_hide_post(u, w.hidden_post), MODERATORS),
    ("discussions", "pin_thread", "locked thread"): (
        lambda w, u: _discussions().check_pin_thread(u, w.locked_thread), MODERATORS),
    ("discussions", "lock_thread", "locked thread (unlock)"): (
        lambda w, u: _discussions().check_lock_thread(u, w.locked_thread), MODERATORS),
    ("discussions", "delete_thread", "deleted thread (restore)"): (
        lambda w, u: _discussions().check_delete_thread(u, w.deleted_thread), MODERATORS),
    ("discussions", "rename_thread", "another's thread"): (
        lambda w, u: _discussions().check_rename_thread(u, w.locked_thread), MODERATORS),
    ("discussions", "start_thread", "moderators-only category"): (
        lambda w, u: _discussions().check_start_thread(u, w.moderators_only), MODERATORS),
    ("categories", "view_category", "restricted category"): (
        lambda w, u: _perm("categories").check_view_category(u, w.restricted), {"moderator", "admin"}),
    ("categories", "moderate_category", "restricted category"): (
        lambda w, u: _perm("categories").check_moderate_category(u, w.restricted), {"moderator", "admin"}),
    ("attachments", "view_attachment", "on a hidden post"): (
        lambda w, u: _perm("attachments").check_view_attachment(u, w.hidden_attachment), MODERATORS | {"member"}),
    ("moderation", "act_on_item", "flagged post"): (
        lambda w, u: _perm("moderation").check_act_on_item(u, _moderation(w).item), MODERATORS),
    ("moderation", "confirm_restriction", "pending suspension"): (
        lambda w, u: _perm("moderation").check_confirm_restriction(u, w.pending_suspension), {"moderator", "admin"}),
    # Pre-moderation: a thread (and its opening post) awaiting review is its author's and the moderators'.
    ("discussions", "view_thread", "thread awaiting review"): (
        lambda w, u: _discussions().check_view_thread(u, _held(w).thread), MODERATORS | {"member"}),
    ("discussions", "view_post", "post awaiting review"): (
        lambda w, u: _discussions().check_view_post(u, _held(w).post), MODERATORS | {"member"}),
    ("moderation", "act_on_item", "post awaiting review (approve)"): (
        lambda w, u: _perm("moderation").check_act_on_item(u, _held(w).item), MODERATORS),
    ("organisations", "view_organisation", "inactive organisation"): (
        lambda w, u: _perm("organisations").check_view_organisation(u, w.inactive_org), {"admin"}),
    ("accounts", "impose_restriction", "site-wide"): (
        lambda w, u: _perm("accounts").check_impose_restriction(u, w.author, "site", None), {"moderator", "admin"}),
    ("accounts", "impose_restriction", "another category"): (
        lambda w, u: _perm("accounts").check_impose_restriction(u, w.author, "category", w.other_category.pk),
        {"moderator", "admin"}),
    ("accounts", "impose_restriction", "on a moderator"): (
        lambda w, u: _perm("accounts").check_impose_restriction(u, w.users["moderator"], "site", None), {"admin"}),
    ("audit", "view_audit_log", "an entry of the category"): (
        lambda w, u: _perm("audit").check_view_audit_log(u), MODERATORS),
    ("audit", "view_audit_log", "a site-wide entry"): (lambda w, u: _read_whole_audit_log(u), {"moderator", "admin"}),
}

# The same questions in queryset form: (rows for the viewer, the object the check above decides).
PRIVILEGED_QUERYSETS = {
    ("discussions", "view_thread", "deleted thread"): (
        lambda w, u: _discussions().visible_threads(u), lambda w: w.deleted_thread),
    ("discussions", "reply_to_thread", "locked thread"): (
        lambda w, u: _discussions().repliable_threads(u), lambda w: w.locked_thread),
    ("categories", "view_category", "restricted category"): (
        lambda w, u: _perm("categories").visible_categories(u), lambda w: w.restricted),
    ("categories", "moderate_category", "restricted category"): (
        lambda w, u: _perm("categories").moderated_categories(u), lambda w: w.restricted),
    ("attachments", "view_attachment", "on a hidden post"): (
        lambda w, u: _perm("attachments").visible_attachments(u), lambda w: w.hidden_attachment),
    ("moderation", "act_on_item", "flagged post"): (
        lambda w, u: _perm("moderation").visible_items(u), lambda w: _moderation(w).item),
    ("moderation", "confirm_restriction", "pending suspension"): (
        lambda w, u: _perm("moderation").visible_pending_restrictions(u), lambda w: w.pending_suspension),
    ("discussions", "view_thread", "thread awaiting review"): (
        lambda w, u: _discussions().visible_threads(u), lambda w: _held(w).thread),
    ("discussions", "view_post", "post awaiting review"): (
        lambda w, u: _discussions().visible_posts(u), lambda w: _held(w).post),
    ("moderation", "act_on_item", "post awaiting review (approve)"): (
        lambda w, u: _perm("moderation").visible_items(u), lambda w: _held(w).item),
    ("organisations", "view_organisation", "inactive organisation"): (
        lambda w, u: _perm("organisations").visible_organisations(u, type(w.inactive_org).objects.all()),
        lambda w: w.inactive_org),
    ("audit", "view_audit_log", "an entry of the category"): (
        lambda w, u: _perm("audit").visible_audit_entries(u, type(w.category_entry).objects.all()),
        lambda w: w.category_entry),
    ("audit", "view_audit_log", "a site-wide entry"): (
        lambda w, u: _perm("audit").visible_audit_entries(u, type(w.site_entry).objects.all()),
        lambda w: w.site_entry),
}


def _give_mfa(user):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "unused"})


@pytest.fixture
def world(db, make_user, make_organisation):
    from django.contrib.auth.models import AnonymousUser

    from forum.accounts.models import ObserverGrant
    from forum.categories.models import Category
    from forum.core.richtext import render_post
    from forum.discussions.models import Attachment, Post, Thread
    from forum.notifications.models import Notification
    from forum.organisations.models import Invitation

    org = make_organisation(name="Horizon")
    category = Category.objects.create(name="General", slug="general")
    other_category = Category.objects.create(name="Other", slug="other")
    users = {
        "anonymous": AnonymousUser(),
        "member": make_user(role="member", organisation=org),
        "representative": make_user(role="representative", organisation=org),
        "category_moderator": make_user(role="member"),
        "moderator": make_user(role="moderator"),
        "admin": make_user(role="admin"),
        "observer": make_user(role="observer", access_days=10),
        "expired_observer": make_user(role="observer", access_days=-1),
        "suspended_member": make_user(role="member", organisation=org, suspended=True),
        "mfa_less_moderator": make_user(role="moderator"),
        "mfa_less_admin": make_user(role="admin"),
        "mfa_less_category_moderator": make_user(role="member"),
    }
    for name in ("representative", "category_moderator", "moderator", "admin"):
        _give_mfa(users[name])
    category.moderators.add(users["category_moderator"], users["mfa_less_category_moderator"])
    restricted = Category.objects.create(name="Board", slug="board", visibility=Category.Visibility.RESTRICTED)
    moderators_only = Category.objects.create(name="Notices", slug="notices", parent=category,
                                              start_policy=Category.Policy.MODERATORS)
    for name in ("observer", "expired_observer"):
        ObserverGrant.objects.create(user=users[name], scope="category", object_id=category.pk)
    author = users["member"]
    thread = Thread.objects.create(category=category, title="Water", author=author,
                                   last_activity_at=timezone.now())
    post = Post.objects.create(thread=thread, author=author, source="Hello", html=render_post("Hello"),
                               path="00000001")
    invitation = Invitation.objects.create(email="new@example.org", organisation=org, role="member",
                                           inviter=users["representative"], key="k" * 40,
                                           expires_at=timezone.now() + timedelta(days=3))
    notification = Notification.objects.create(recipient=author, kind="reply", url=post.get_absolute_url(),
                                               data={"thread_title": thread.title})
    attachment = Attachment.objects.create(post=post, uploader=author, file="attachments/x.png",
                                           content_type="image/png", size=10, width=1, height=1)
    now = timezone.now()
    inactive_org = make_organisation(name="Dormant")
    type(inactive_org).objects.filter(pk=inactive_org.pk).update(active=False)
    inactive_org.refresh_from_db()

    def thread_with_post(title, **fields):
        t = Thread.objects.create(category=category, title=title, author=author, last_activity_at=now, **fields)
        p = Post.objects.create(thread=t, author=author, source=title, html=render_post(title), path="00000001")
        return t, p

    locked_thread, locked_post = thread_with_post("Locked", locked=True)
    deleted_thread, _ = thread_with_post("Deleted", deleted_at=now)
    hidden_post = Post.objects.create(thread=thread, author=author, source="Hidden text", html=render_post("Hidden"),
                                      path="00000002", hidden_at=now, edited_at=now)
    deleted_post = Post.objects.create(thread=thread, author=author, source="Gone", html=render_post("Gone"),
                                       path="00000003", deleted_at=now, edited_at=now)
    hidden_attachment = Attachment.objects.create(post=hidden_post, uploader=author, file="attachments/y.png",
                                                  content_type="image/png", size=10, width=1, height=1)
    from forum.accounts.models import Restriction
    from forum.audit.services import record

    pending_suspension = Restriction.objects.create(user=author, kind="suspension", reason="Spam",
                                                    pending_confirmation=True)
    category_entry = record(actor=None, verb="thread.lock", target=thread)
    site_entry = record(actor=None, verb="user.role", target=author)
    from allauth.usersessions.models import UserSession

    member_session = UserSession.objects.create(user=author, session_key="matrix-phone", ip="192.0.2.1",
                                                user_agent="Matrix phone")
    return SimpleNamespace(member_session=member_session, users=users, org=org, category=category, other_category=other_category,
                           thread=thread, post=post, author=author, invitation=invitation,
                           notification=notification, attachment=attachment,
                           author_membership=author.memberships.get(), restricted=restricted,
                           moderators_only=moderators_only, locked_thread=locked_thread, locked_post=locked_post,
                           deleted_thread=deleted_thread, hidden_post=hidden_post, deleted_post=deleted_post,
                           hidden_attachment=hidden_attachment, inactive_org=inactive_org,
                           pending_suspension=pending_suspension, category_entry=category_entry,
                           site_entry=site_entry)


def _allowed(attempt, world, user) -> bool:
    from forum.accounts.permissions import forget

    forget(user)
    try:
        attempt(world, user)
    except (PermissionDenied, Http404):
        return False
    return True


def test_every_declared_action_has_a_row():
    declared = {(app, action) for app in POLICY_MODULES for action in _perm(app).ACTIONS}
    rows = set(ROWS) | set(LIVE_ROWS)
    assert sorted(declared - rows) == [], "actions without a row in the authorisation matrix"
    assert sorted(rows - declared) == [], "rows for actions no app declares"


@pytest.mark.parametrize("key", sorted(POLL_CASES), ids=lambda k: f"{k[0]}.{k[1]}[{k[2]}]")
def test_poll_matrix(world, key):
    attempt, allowed_roles = POLL_CASES[key]
    actual = {role for role in ROLES if _allowed(attempt, world, world.users[role])}
    assert actual == set(allowed_roles), (
        f"{key}: unexpectedly allowed {sorted(actual - set(allowed_roles))}, "
        f"unexpectedly refused {sorted(set(allowed_roles) - actual)}"
    )


@pytest.mark.parametrize("key", sorted(CONSULTATION_CASES), ids=lambda k: f"{k[0]}.{k[1]}[{k[2]}]")
def test_consultation_matrix(world, key):
    attempt, allowed_roles = CONSULTATION_CASES[key]
    actual = {role for role in ROLES if _allowed(attempt, world, world.users[role])}
    assert actual == set(allowed_roles), (
        f"{key}: unexpectedly allowed {sorted(actual - set(allowed_roles))}, "
        f"unexpectedly refused {sorted(set(allowed_roles) - actual)}"
    )


def test_listed_positions_are_the_positions_one_may_see(world):
    from forum.accounts.permissions import forget

    for position in (_consultation(world).position, _held_position(world)):
        for role in ROLES:
            user = world.users[role]
            forget(user)
            if not _allowed(lambda w, u, p=position: _perm("consultations").check_view_consultation(
                    u, p.consultation), world, user):
                continue  # the queryset form is asked only of readers of the consultation
            forget(user)
            listed = _perm("consultations").visible_positions(user, position.consultation).filter(
                pk=position.pk).exists()
            assert listed == _allowed(lambda w, u, p=position: _perm("consultations").check_view_position(u, p),
                                      world, user), f"{role}: position {position.pk}"


def test_listed_polls_are_the_polls_whose_thread_one_may_read(world):
    from forum.accounts.permissions import forget
    from forum.polls.models import Poll

    _polls(world)
    for role in ROLES:
        user = world.users[role]
        for poll in Poll.objects.select_related("thread__category"):
            forget(user)
            listed = _perm("polls").visible_polls(user).filter(pk=poll.pk).exists()
            readable = _allowed(lambda w, u, p=poll: _discussions().check_view_thread(u, p.thread), world, user)
            assert listed == readable, f"{role}: poll {poll.pk}"


@pytest.mark.parametrize("key", sorted(ROWS), ids=lambda k: f"{k[0]}.{k[1]}")
def test_matrix(world, key):
    attempt, allowed_roles = ROWS[key]
    actual = {role for role in ROLES if _allowed(attempt, world, world.users[role])}
    assert actual == set(allowed_roles), (
        f"{key}: unexpectedly allowed {sorted(actual - set(allowed_roles))}, "
        f"unexpectedly refused {sorted(set(allowed_roles) - actual)}"
    )


def _case_id(key):
    return f"{key[0]}.{key[1]}[{key[2]}]"


@pytest.mark.parametrize("key", sorted(PRIVILEGED_ROWS), ids=_case_id)
def test_privileged_powers_need_the_second_factor(world, key):
    attempt, allowed_roles = PRIVILEGED_ROWS[key]
    actual = {role for role in ROLES if _allowed(attempt, world, world.users[role])}
    assert actual == set(allowed_roles), (
        f"{key}: unexpectedly allowed {sorted(actual - set(allowed_roles))}, "
        f"unexpectedly refused {sorted(set(allowed_roles) - actual)}"
    )
    assert not actual & MFA_LESS


@pytest.mark.parametrize("key", sorted(PRIVILEGED_QUERYSETS), ids=_case_id)
def test_privileged_querysets_agree_with_the_checks(world, key):
    from forum.accounts.permissions import forget

    rows, target = PRIVILEGED_QUERYSETS[key]
    attempt, _ = PRIVILEGED_ROWS[key]
    for role in ROLES:
        user = world.users[role]
        forget(user)
        listed = rows(world, user).filter(pk=target(world).pk).exists()
        assert listed == _allowed(attempt, world, user), f"{key}: {role} (listed: {listed})"


# Powers a moderator without a second factor is told to enrol for (rather than told they are no
# moderator); what a member may not even learn exists stays Http404 for them, as for a member.
UNSEEN = {"view_thread", "view_post", "view_category", "view_attachment", "view_organisation"}
ENROL_FIRST = sorted(
    (key, role) for key, (_, allowed) in PRIVILEGED_ROWS.items() for role in sorted(MFA_LESS)
    if role.removeprefix("mfa_less_") in allowed and key[1] not in UNSEEN and key[2] != "restricted category"
    and not key[2].startswith("deleted thread")  # unseen too: a member may not learn it exists
)


@pytest.mark.parametrize(("key", "role"), ENROL_FIRST, ids=[f"{_case_id(k)}-{r}" for k, r in ENROL_FIRST])
def test_a_moderator_without_mfa_is_told_to_enrol(world, key, role):
    from forum.accounts.permissions import SecondFactorRequired, forget

    attempt, _ = PRIVILEGED_ROWS[key]
    user = world.users[role]
    forget(user)
    with pytest.raises(SecondFactorRequired):
        attempt(world, user)


# --- Live sessions -----------------------------------------------------------------------------------
# Rooms have roles of their own (a session's moderators and organisers, a member of an organisation the
# session did not choose, an observer with or without a grant for it, someone muted in the room), so
# they are walked over a world of their own: one open session for a chosen organisation.

LIVE_ROLES = [
    "anonymous", "admin", "moderator", "session_moderator", "organiser", "representative", "member",
    "other_organisation_member", "observer", "observer_without_grant", "expired_observer", "muted_in_room",
    "removed_from_room", "suspended_member", "mfa_less_session_moderator", "category_moderator",
]
LIVE_STAFF = {"admin", "moderator", "session_moderator", "organiser"}
# A category's moderator (a member of the chosen organisation) is an ordinary participant in a room.
LIVE_SEERS = LIVE_STAFF | {"representative", "member", "observer", "muted_in_room", "mfa_less_session_moderator",
                           "category_moderator"}
LIVE_SPEAKERS = LIVE_STAFF | {"representative", "member", "mfa_less_session_moderator", "category_moderator"}


def _live():
    return importlib.import_module("forum.live.permissions")


LIVE_ROWS = {
    ("live", "view_session"): (lambda w, u: _live().check_view_session(u, w.session), LIVE_SEERS),
    ("live", "manage_sessions"): (lambda w, u: _live().check_manage_sessions(u), {"admin", "moderator", "organiser"}),
    ("live", "edit_session"): (lambda w, u: _live().check_edit_session(u, w.session),
                               {"admin", "moderator", "organiser"}),
    ("live", "send_message"): (lambda w, u: _live().check_send(u, w.session), LIVE_SPEAKERS),
    ("live", "ask_question"): (lambda w, u: _live().check_ask(u, w.session), LIVE_SPEAKERS | {"observer"}),
    ("live", "vote_question"): (lambda w, u: _live().check_vote(u, w.question), LIVE_SPEAKERS | {"observer"}),
    ("live", "edit_message"): (lambda w, u: _live().check_edit_message(u, w.message), {"member"}),
    ("live", "delete_message"): (lambda w, u: _live().check_delete_message(u, w.message), LIVE_STAFF | {"member"}),
    ("live", "moderate_session"): (lambda w, u: _live().check_moderate(u, w.session), LIVE_STAFF),
    # The message and the question are the member's own.
    ("live", "report_message"): (lambda w, u: _live().check_report_message(u, w.message), LIVE_SEERS - {"member"}),
    ("live", "report_question"): (lambda w, u: _live().check_report_question(u, w.question),
                                  LIVE_SEERS - {"member"}),
}


def _live_items(kind):
    from forum.moderation import items

    return items.adapter(kind)


def _live_review(w):
    """The room's flagged chat message and question in the review queue, and an appealed hide of
    the message by the global moderator (made on first use)."""
    if not hasattr(w, "review"):
        from forum.moderation.models import Action, Appeal, ReviewItem, Rule

        rule = Rule.objects.create(title_en="Rule", title_ar="قاعدة", title_fr="Règle")
        message, question = (
            ReviewItem.objects.create(kind=kind, object_id=obj.pk, session_id=w.session.pk, author=obj.author,
                                      first_flagged_at=timezone.now())
            for kind, obj in (("message", w.message), ("question", w.question)))
        hidden = Action.objects.create(item=message, kind="hide", rule=rule, actor=w.users["moderator"],
                                       subject=w.message.author)
        appeal = Appeal.objects.create(action=hidden, appellant=w.message.author, statement="Please")
        w.review = SimpleNamespace(message=message, question=question, appeal=appeal)
    return w.review


def _moderation_perm():
    return importlib.import_module("forum.moderation.permissions")


# Moderation of the room's content (forum.moderation): who flags it, whose queue holds it, who acts.
LIVE_MODERATION_ROWS = {
    ("moderation", "flag_item", "chat message"): (
        lambda w, u: _moderation_perm().check_flag_item(u, _live_items("message"), w.message), LIVE_SEERS - {"member"}),
    ("moderation", "flag_item", "question"): (
        lambda w, u: _moderation_perm().check_flag_item(u, _live_items("question"), w.question),
        LIVE_SEERS - {"member"}),
    ("moderation", "view_queue", "session staff"): (
        lambda w, u: _moderation_perm().check_view_queue(u), LIVE_STAFF | {"category_moderator"}),
    ("moderation", "act_on_item", "chat message"): (
        lambda w, u: _moderation_perm().check_act_on_item(u, _live_review(w).message), LIVE_STAFF),
    ("moderation", "act_on_item", "question"): (
        lambda w, u: _moderation_perm().check_act_on_item(u, _live_review(w).question), LIVE_STAFF),
    # The global moderator took the decision: another decides.
    ("moderation", "decide_appeal", "chat message"): (
        lambda w, u: _moderation_perm().check_decide_appeal(u, _live_review(w).appeal), LIVE_STAFF - {"moderator"}),
    ("moderation", "appeal_action", "chat message"): (
        lambda w, u: _moderation_perm().check_appeal_action(u, _live_review(w).appeal.action), set()),
}
# The same world, other sessions: (case): (attempt, roles allowed).
LIVE_CASES = {
    ("live", "view_session", "for all members"): (
        lambda w, u: _live().check_view_session(u, w.for_members),
        LIVE_SEERS | {"other_organisation_member"} - {"observer"}),
    ("live", "view_session", "closed, observer granted"): (
        lambda w, u: _live().check_view_session(u, w.closed), LIVE_SEERS - {"observer"}),
    ("live", "send_message", "read-only room"): (
        lambda w, u: _live().check_send(u, w.read_only), LIVE_STAFF),
    ("live", "send_message", "closed room"): (lambda w, u: _live().check_send(u, w.closed), set()),
    ("live", "edit_message", "closed room"): (lambda w, u: _live().check_edit_message(u, w.closed_message), set()),
    # Past FORUM_LIVE_EDIT_MINUTES even its author may not (they may still delete it).
    ("live", "edit_message", "after the edit window"): (
        lambda w, u: _live().check_edit_message(u, w.stale_message), set()),
    ("live", "delete_message", "closed room"): (
        lambda w, u: _live().check_delete_message(u, w.closed_message), LIVE_STAFF),
    ("live", "moderate_session", "closed room"): (lambda w, u: _live().check_moderate(u, w.closed), LIVE_STAFF),
}


@pytest.fixture
def live_world(db, make_user, make_organisation):
    from django.contrib.auth.models import AnonymousUser, Permission

    from forum.accounts.models import ObserverGrant, Restriction
    from forum.live.models import ChatMessage, LiveSession, Question

    chosen, other = make_organisation(name="Chosen"), make_organisation(name="Not chosen")
    users = {
        "anonymous": AnonymousUser(),
        "admin": make_user(role="admin"),
        "moderator": make_user(role="moderator"),
        "session_moderator": make_user(role="member", organisation=other),
        "organiser": make_user(role="member", organisation=other),
        "representative": make_user(role="representative", organisation=chosen),
        "member": make_user(role="member", organisation=chosen),
        "other_organisation_member": make_user(role="member", organisation=other),
        "observer": make_user(role="observer", access_days=10),
        "observer_without_grant": make_user(role="observer", access_days=10),
        "expired_observer": make_user(role="observer", access_days=-1),
        "muted_in_room": make_user(role="member", organisation=chosen),
        "removed_from_room": make_user(role="member", organisation=chosen),
        "suspended_member": make_user(role="member", organisation=chosen, suspended=True),
        "mfa_less_session_moderator": make_user(role="member", organisation=chosen),
        "category_moderator": make_user(role="member", organisation=chosen),
    }
    for name in ("admin", "moderator", "session_moderator", "organiser", "representative", "category_moderator"):
        _give_mfa(users[name])
    from forum.categories.models import Category

    Category.objects.create(name="Water", slug="water").moderators.add(users["category_moderator"])
    users["organiser"].user_permissions.add(Permission.objects.get(codename="add_livesession"))
    start = timezone.now() - timedelta(minutes=5)

    def session(**fields):
        s = LiveSession.objects.create(title="Room", starts_at=start, ends_at=start + timedelta(hours=1),
                                       **{"state": "open", "audience": "organisations", **fields})
        s.organisations.add(chosen)
        s.moderators.add(users["session_moderator"], users["mfa_less_session_moderator"])
        s.organisers.add(users["organiser"])
        for name in ("observer", "expired_observer"):
            ObserverGrant.objects.create(user=users[name], scope="session", object_id=s.pk)
        return s

    room, for_members = session(), session(audience="members")
    closed, read_only = session(state="closed"), session(read_only=True)
    for s in (room, for_members, closed, read_only):
        Restriction.objects.create(user=users["muted_in_room"], kind="mute", scope="session", object_id=s.pk,
                                   reason="test")
        Restriction.objects.create(user=users["removed_from_room"], kind="suspension", scope="session",
                                   object_id=s.pk, reason="test")
    author = users["member"]

    def message(s, seq):
        return ChatMessage.objects.create(session=s, seq=seq, author=author, client_id=uuid.uuid4(),
                                          source="Hi", html="Hi")

    question = Question.objects.create(session=room, author=author, client_id=uuid.uuid4(), source="Why?",
                                       html="Why?", seq=2)
    stale = message(room, 3)
    ChatMessage.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(minutes=60))
    stale.refresh_from_db()
    return SimpleNamespace(users=users, session=room, for_members=for_members, closed=closed, read_only=read_only,
                           message=message(room, 1), closed_message=message(closed, 1), question=question,
                           stale_message=stale)


@pytest.mark.parametrize("key", sorted(LIVE_ROWS) + sorted(LIVE_CASES) + sorted(LIVE_MODERATION_ROWS),
                         ids=lambda k: ".".join(k))
def test_live_matrix(live_world, key):
    attempt, allowed_roles = {**LIVE_ROWS, **LIVE_CASES, **LIVE_MODERATION_ROWS}[key]
    actual = {role for role in LIVE_ROLES if _allowed(attempt, live_world, live_world.users[role])}
    assert actual == set(allowed_roles), (
        f"{key}: unexpectedly allowed {sorted(actual - set(allowed_roles))}, "
        f"unexpectedly refused {sorted(set(allowed_roles) - actual)}"
    )


def test_live_sessions_listed_are_the_sessions_one_may_see(live_world):
    from forum.accounts.permissions import forget
    from forum.live.models import LiveSession

    for role in LIVE_ROLES:
        user = live_world.users[role]
        for session in LiveSession.objects.all():
            forget(user)
            listed = _live().visible_sessions(user).filter(pk=session.pk).exists()
            assert listed == _allowed(lambda w, u, s=session: _live().check_view_session(u, s), live_world, user), (
                f"{role}: session {session.pk} (listed: {listed})")


@pytest.mark.parametrize("kind", ["message", "question"])
def test_the_queue_holds_the_rooms_items_for_those_who_may_act_on_them(live_world, kind):
    from forum.accounts.permissions import forget

    item = getattr(_live_review(live_world), kind)
    for role in LIVE_ROLES:
        user = live_world.users[role]
        forget(user)
        listed = _moderation_perm().visible_items(user).filter(pk=item.pk).exists()
        assert listed == _allowed(lambda w, u: _moderation_perm().check_act_on_item(u, item), live_world, user), role


def test_a_session_moderator_without_mfa_is_told_to_enrol(live_world):
    from forum.accounts.permissions import SecondFactorRequired

    with pytest.raises(SecondFactorRequired) as excinfo:
        _live().check_moderate(live_world.users["mfa_less_session_moderator"], live_world.session)
    assert excinfo.value.code == "forbidden"


def test_own_sessions_agrees_with_check_end_session(world):
    """The queryset form of check_end_session lists another session of the member to them alone."""
    from forum.accounts import permissions

    session = world.member_session
    for role, user in world.users.items():
        listed = permissions.own_sessions(user, type(session).objects.all()).filter(pk=session.pk).exists()
        assert listed == _allowed(lambda w, u: permissions.check_end_session(u, session), world, user), role
