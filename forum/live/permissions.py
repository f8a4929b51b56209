"""Who may see a live session and what they may do in its room.

Actions of this app (the authorisation matrix walks every one):
- `view_session`: see a session, its page and its room. Admins and global moderators (with a second
  factor), the session's organisers and moderators see every one; members in good standing see
  sessions for all members, or for chosen organisations when theirs is chosen; observers only with a
  grant for the session, while their access lasts and the session is not closed. Suspended users
  (site-wide or from this session) see nothing.
- `manage_sessions`: create sessions (admins, global moderators, holders of `live.add_livesession`).
- `edit_session`: change a session (admins, global moderators, its organisers).
- `send_message`: chat (not observers, not muted, the session open, chat on, not read-only unless
  moderating).
- `ask_question`: ask (observers too), `vote_question`: upvote a visible question.
- `edit_message`: its author, while the session is open, the message not removed, not muted, and
  within `FORUM_LIVE_EDIT_MINUTES` (15) of sending.
- `delete_message`: its author, or a moderator of the session.
- `moderate_session`: approve, answer, pin, hide and merge questions, slow mode, read-only, mute
  and remove participants, open and close the room; act on the room's items in forum.moderation's
  review queue (hide, restore, delete chat messages and questions).
- `report_message`, `report_question`: flag a chat message or a question for forum.moderation's
  review: whoever sees the room in good standing (members and observers; in off-the-record rooms
  too: the moderators must be able to act there), not its author, not what the room no longer
  shows (a removed or hidden message, a hidden question), a held question only for those who see it.

Moderating a session (being in `session.moderators`/`session.organisers`, or a global moderator or
admin) is a privileged power: it needs a second factor, as for category moderators; without one the
user is refused with `RoomSecondFactorRequired` (code `forbidden`).
Room refusals are `errors.RoomError` (a `PermissionDenied`) with a stable code; a session the user
may not know exists is `Http404`.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from forum.accounts import permissions as accounts
from forum.core import conf

from . import errors
from .errors import RoomError
from .models import LiveSession, Question

ACTIONS = (
    "view_session", "manage_sessions", "edit_session", "send_message", "ask_question", "vote_question",
    "edit_message", "delete_message", "moderate_session", "report_message", "report_question",
)

SESSION = "session"  # the Restriction and ObserverGrant scope of a live session


# --- Facts -----------------------------------------------------------------------------------------

def _staff(user, session) -> dict:
    """{"organiser": bool, "moderator": bool} for `user` in `session` (cached on the user object)."""
    cache = accounts._cache(user)
    key = f"live.staff.{session.pk}"
    if key not in cache:
        if not accounts.is_authenticated(user) or accounts.is_observer(user):
            cache[key] = {"organiser": False, "moderator": False}
        else:
            organisers, moderators = LiveSession.organisers.through, LiveSession.moderators.through
            row = LiveSession.objects.filter(pk=session.pk).annotate(
                organiser=Exists(organisers.objects.filter(livesession_id=OuterRef("pk"), user_id=user.pk)),
                moderator=Exists(moderators.objects.filter(livesession_id=OuterRef("pk"), user_id=user.pk)),
            ).values("organiser", "moderator").first()
            cache[key] = row or {"organiser": False, "moderator": False}
    return cache[key]


def is_organiser(user, session) -> bool:
    return _staff(user, session)["organiser"]


def removed_from(user, session) -> bool:
    """Suspended site-wide, or removed from this session."""
    return accounts.is_suspended(user) or any(
        r.kind == "suspension" and r.scope == SESSION and r.object_id == session.pk
        for r in accounts.active_restrictions(user))


def _muting(user, session) -> list:
    return [r for r in accounts.active_restrictions(user)
            if r.kind in ("mute", "suspension")
            and (r.scope == "site" or (r.scope == SESSION and r.object_id == session.pk))]


def is_muted(user, session) -> bool:
    """Muted site-wide or in this session (a removal mutes too)."""
    return bool(_muting(user, session))


def muted_until(user, session):
    """When the user's mute in this room ends (None: not muted, or with no end)."""
    mutes = _muting(user, session)
    if not mutes or any(r.ends_at is None for r in mutes):
        return None
    return max(r.ends_at for r in mutes)


def restriction_ends(user, session):
    """The first moment a mute or removal on the user in this room ends (None: none ends): the
    room's sockets wake then and tell the user (`you`)."""
    ends = [r.ends_at for r in _muting(user, session) if r.ends_at is not None]
    return min(ends) if ends else None


def holds_session_role(user, session) -> bool:
    """Admin, global moderator, or appointed organiser/moderator of the session, in good standing
    (whether the powers are in force is `can_moderate_session`'s question)."""
    if not accounts.in_good_standing(user) or accounts.is_observer(user) or removed_from(user, session):
        return False
    if accounts.is_global_moderator(user):
        return True
    staff = _staff(user, session)
    return staff["organiser"] or staff["moderator"]


def can_moderate_session(user, session) -> bool:
    """May use moderator powers in this room now: holds the role and has a second factor."""
    return holds_session_role(user, session) and accounts.has_mfa(user)


def _sees_everything(user) -> bool:
    return accounts.is_global_moderator(user) and accounts.privileges_active(user)


def can_view_session(user, session) -> bool:
    if not accounts.in_good_standing(user) or removed_from(user, session):
        return False
    if _sees_everything(user):
        return True
    if accounts.is_observer(user):
        return (session.state != LiveSession.State.CLOSED
                and session.pk in accounts.observer_grants(user, SESSION))
    staff = _staff(user, session)
    if staff["organiser"] or staff["moderator"]:
        return True
    if session.audience == LiveSession.Audience.MEMBERS:
        return True
    org_id = accounts.organisation_id(user)
    if org_id is None:
        return False
    cache = accounts._cache(user)
    key = f"live.chosen.{session.pk}"
    if key not in cache:
        cache[key] = session.organisations.filter(pk=org_id).exists()
    return cache[key]


# --- Checks ----------------------------------------------------------------------------------------

def check_view_session(user, session) -> None:
    if not can_view_session(user, session):
        raise Http404


def visible_sessions(user, qs=None):
    """Queryset form of check_view_session."""
    qs = LiveSession.objects.all() if qs is None else qs
    if not accounts.in_good_standing(user):
        return qs.none()
    removed = [r.object_id for r in accounts.active_restrictions(user)
               if r.kind == "suspension" and r.scope == SESSION]
    qs = qs.exclude(pk__in=removed)
    if _sees_everything(user):
        return qs
    if accounts.is_observer(user):
        return qs.filter(pk__in=accounts.observer_grants(user, SESSION)).exclude(state=LiveSession.State.CLOSED)
    staffed = LiveSession.objects.filter(Q(organisers=user) | Q(moderators=user)).values("pk")
    admitted = Q(audience=LiveSession.Audience.MEMBERS) | Q(pk__in=staffed)
    org_id = accounts.organisation_id(user)
    if org_id is not None:
        admitted |= Q(pk__in=LiveSession.objects.filter(
            audience=LiveSession.Audience.ORGANISATIONS, organisations=org_id).values("pk"))
    return qs.filter(admitted)


def _require_second_factor(user) -> None:
    if not accounts.has_mfa(user):
        raise errors.RoomSecondFactorRequired()


def check_manage_sessions(user) -> None:
    """Create sessions: admins, global moderators, designated organisers (`live.add_livesession`)."""
    accounts.require_good_standing(user)
    if accounts.is_observer(user) or not (accounts.is_global_moderator(user)
                                          or user.has_perm("live.add_livesession")):
        raise PermissionDenied(_("Only administrators and designated organisers can create sessions."))
    _require_second_factor(user)


def check_edit_session(user, session) -> None:
    """Change a session: admins, global moderators, its organisers."""
    check_view_session(user, session)
    if not (accounts.is_global_moderator(user) or is_organiser(user, session)):
        raise PermissionDenied(_("Only the organisers of this session can change it."))
    _require_second_factor(user)


def check_moderate(user, session) -> None:
    check_view_session(user, session)
    if not holds_session_role(user, session):
        raise RoomError(errors.FORBIDDEN, _("Only the moderators of this session can do this."))
    _require_second_factor(user)


def _check_open(session) -> None:
    if session.state != LiveSession.State.OPEN:
        raise RoomError(errors.CLOSED)


def _check_may_speak(user, session) -> None:
    if is_muted(user, session):
        raise RoomError(errors.MUTED)
    if session.read_only and not can_moderate_session(user, session):
        raise RoomError(errors.READ_ONLY)


def check_send(user, session) -> None:
    check_view_session(user, session)
    _check_open(session)
    if not session.chat_enabled:
        raise RoomError(errors.CHAT_OFF)
    if accounts.is_observer(user):
        raise RoomError(errors.OBSERVER)
    _check_may_speak(user, session)


def check_ask(user, session) -> None:
    check_view_session(user, session)
    _check_open(session)
    if not session.questions_enabled:
        raise RoomError(errors.QUESTIONS_OFF)
    _check_may_speak(user, session)


def _check_vote_in(user, session) -> None:
    check_view_session(user, session)
    _check_open(session)
    if not session.questions_enabled:
        raise RoomError(errors.QUESTIONS_OFF)
    _check_may_speak(user, session)


def check_vote(user, question) -> None:
    """Upvote (or take back a vote on) a question the room can see."""
    session = question.session
    _check_vote_in(user, session)
    if question.state not in (Question.State.OPEN, Question.State.ANSWERED):
        raise RoomError(errors.NOT_FOUND)
    if question.merged_into_id is not None:
        raise RoomError(errors.INVALID, _("This question was merged into another one: vote for that one."))


def check_edit_message(user, message) -> None:
    session = message.session
    check_view_session(user, session)
    if message.removed_at is not None or message.hidden_at is not None:
        raise RoomError(errors.NOT_FOUND)
    if message.author_id != getattr(user, "pk", None):
        raise RoomError(errors.NOT_YOURS)
    _check_open(session)
    if is_muted(user, session):
        raise RoomError(errors.MUTED)
    if message.created_at <= edit_window_start():
        minutes = conf.FORUM_LIVE_EDIT_MINUTES
        raise RoomError(errors.EDIT_WINDOW, ngettext(
            "This message can no longer be edited: messages can be edited for %(minutes)d minute after they are sent.",
            "This message can no longer be edited: messages can be edited for %(minutes)d minutes after they are sent.",
            minutes) % {"minutes": minutes})


def edit_window_start():
    """Messages sent before this moment can no longer be edited (FORUM_LIVE_EDIT_MINUTES)."""
    return timezone.now() - timedelta(minutes=conf.FORUM_LIVE_EDIT_MINUTES)


def check_delete_message(user, message) -> None:
    session = message.session
    check_view_session(user, session)
    if message.removed_at is not None:
        raise RoomError(errors.NOT_FOUND)
    if message.author_id == getattr(user, "pk", None):
        _check_open(session)
        return
    if holds_session_role(user, session):
        _require_second_factor(user)
        return
    raise RoomError(errors.NOT_YOURS)


def check_report_message(user, message) -> None:
    """Flag a chat message for the moderators' review (forum.moderation)."""
    check_view_session(user, message.session)
    accounts.require_good_standing(user)
    if message.author_id == getattr(user, "pk", None):
        raise PermissionDenied(_("You cannot flag your own message."))
    if message.removed_at is not None or message.hidden_at is not None:
        raise Http404  # the room no longer shows it (the flag form would show its text)


def check_report_question(user, question) -> None:
    """Flag a question for the moderators' review (a held one only by those who see it)."""
    session = question.session
    check_view_session(user, session)
    accounts.require_good_standing(user)
    if question.author_id == getattr(user, "pk", None):
        raise PermissionDenied(_("You cannot flag your own question."))
    if question.state == Question.State.HIDDEN or (
            question.state == Question.State.HELD and not can_moderate_session(user, session)):
        raise Http404  # the room does not show it


def moderated_session_ids(user) -> list[int]:
    """The sessions `user` is appointed to run (organiser or moderator), whatever their second
    factor: forum.moderation's queue scope (global moderators see every session's items anyway)."""
    if not accounts.is_authenticated(user) or accounts.is_observer(user) or not accounts.in_good_standing(user):
        return []
    cache = accounts._cache(user)
    if "live.moderated" not in cache:
        cache["live.moderated"] = sorted(set(
            LiveSession.objects.filter(Q(organisers=user) | Q(moderators=user)).values_list("pk", flat=True)))
    return cache["live.moderated"]


def allows(check, user, obj) -> bool:
    """A check as a boolean, for views, templates and `you`."""
    try:
        check(user, obj)
    except (PermissionDenied, Http404):
        return False
    return True


def you(user, session) -> dict:
    """What the user may do in the room, as the socket's `hello.you` says it."""
    until = muted_until(user, session)
    return {
        "id": getattr(user, "pk", None),
        "send": allows(check_send, user, session),
        "ask": allows(check_ask, user, session),
        "vote": allows(_check_vote_in, user, session),
        "moderate": can_moderate_session(user, session),
        "muted": is_muted(user, session),
        "muted_until": until.isoformat() if until else None,
        "observer": accounts.is_observer(user),
        "flag": can_view_session(user, session) and accounts.in_good_standing(user),
    }

