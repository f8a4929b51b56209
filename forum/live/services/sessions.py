"""Sessions as the site's pages change them: create, edit, invite and uninvite observers.

Each service takes the acting user, checks `forum.live.permissions` first, validates (a
`ValidationError` keyed by field, translated, nothing saved), saves in one transaction and writes an
audit entry. Observers are let in through `forum.accounts.services.observer_grant(scope="session")`,
which audits and tells the observer's open sockets to re-check; their access ends when the session
closes (`permissions.check_view_session`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.accounts import names
from forum.accounts import permissions as accounts
from forum.accounts import services as account_services
from forum.audit.services import record
from forum.categories import permissions as categories

from .. import events, permissions
from ..models import LiveSession

# The fields a session form sets, in the order the audit entry lists changes.
FIELDS = ("title", "description", "starts_at", "ends_at", "category", "audience", "mode", "off_the_record",
          "questions_held", "title_ar", "title_fr", "title_en", "description_ar", "description_fr",
          "description_en")
TRANSLATIONS = ("ar", "fr", "en")
PEOPLE = ("organisers", "moderators", "organisations")
# What an open room is told at once when it changes (a sequenced `room_state`).
ANNOUNCED = {"mode", "questions_held"}


def _clean_title(title: str | None) -> str:
    text = (title or "").strip()
    if not text:
        raise ValidationError(_("Give the session a title."), code="empty")
    limit = LiveSession._meta.get_field("title").max_length
    if len(text) > limit:
        raise ValidationError(_("The title is %(length)d characters long; the limit is %(limit)d.")
                              % {"length": len(text), "limit": limit}, code="too_long")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValidationError(_("The title contains control characters or line breaks; please remove them."),
                              code="control_chars")
    names.validate_title_text(text)
    return text


def _clean(*, actor, session: LiveSession | None, data: dict) -> dict:
    """The fields of a session, checked together; raises ValidationError {field: [messages]}."""
    errors: dict[str, list] = {}

    def fail(field: str, message) -> None:
        errors.setdefault(field, []).append(message)

    try:
        data["title"] = _clean_title(data.get("title"))
    except ValidationError as e:
        errors.setdefault("title", []).extend(e.messages)
    limit = LiveSession._meta.get_field("description").max_length
    for field in ("description", *(f"description_{code}" for code in TRANSLATIONS)):
        data[field] = (data.get(field) or "").replace("\r\n", "\n").strip()
        if len(data[field]) > limit:
            fail(field, _("The description is %(length)d characters long; the limit is %(limit)d.")
                 % {"length": len(data[field]), "limit": limit})
    for code in TRANSLATIONS:  # a title per language is optional; when given, the title's rules hold
        field = f"title_{code}"
        data[field] = (data.get(field) or "").strip()
        if data[field]:
            try:
                data[field] = _clean_title(data[field])
            except ValidationError as e:
                errors.setdefault(field, []).extend(e.messages)
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is None:
        fail("starts_at", _("Say when the session starts."))
    if ends is None:
        fail("ends_at", _("Say when the session ends."))
    if starts is not None and ends is not None:
        if ends <= starts:
            fail("ends_at", _("The session must end after it starts."))
        elif ends <= timezone.now() and (session is None or session.ends_at != ends):
            fail("ends_at", _("The end you chose is already past."))
    if data.get("audience") not in LiveSession.Audience.values:
        fail("audience", _("Choose who may take part."))
    elif data["audience"] == LiveSession.Audience.ORGANISATIONS and not list(data.get("organisations") or []):
        fail("organisations", _("Choose at least one organisation, or open the session to all members."))
    if data.get("mode") not in LiveSession.Mode.values:
        fail("mode", _("Choose a mode: chat, questions, or both."))
    category = data.get("category")
    if category is not None and not categories.can_view_category(actor, category):
        fail("category", _("You cannot publish in that category."))
    for field in ("organisers", "moderators"):
        people = list(data.get(field) or [])
        data[field] = people
        if any(not p.is_active or p.deleted_at or accounts.is_observer(p) for p in people):
            fail(field, _("Observers and closed accounts cannot organise or moderate a session."))
    data["organisations"] = list(data.get("organisations") or [])
    if session is not None and session.state != LiveSession.State.SCHEDULED \
            and bool(data.get("off_the_record")) != session.off_the_record:
        # People spoke under one rule; changing it afterwards would betray them (or surprise them).
        fail("off_the_record", _("Once a session has started, its off-the-record rule cannot change."))
    if errors:
        raise ValidationError(errors)
    data["off_the_record"] = bool(data.get("off_the_record"))
    data["questions_held"] = bool(data.get("questions_held"))
    return data


def _describe(session: LiveSession) -> dict:
    """What the audit entry keeps of a session (ids, not objects)."""
    out = {}
    for field in FIELDS:
        value = getattr(session, field if field != "category" else "category_id")
        out[field] = value.isoformat() if hasattr(value, "isoformat") else value
    for field in PEOPLE:
        out[field] = sorted(getattr(session, field).values_list("pk", flat=True))
    return out


@transaction.atomic
def session_create(*, actor, title: str, starts_at, ends_at, description: str = "",
                   organisers: Iterable = (), moderators: Iterable = (), category=None,
                   audience: str = LiveSession.Audience.MEMBERS, organisations: Iterable = (),
                   mode: str = LiveSession.Mode.BOTH, off_the_record: bool = False,
                   questions_held: bool = False, **translations: str) -> LiveSession:
    """Schedule a session (state "scheduled"); its creator is one of its organisers. Audited."""
    permissions.check_manage_sessions(actor)
    unknown = set(translations) - set(FIELDS)
    if unknown:
        raise TypeError(f"session_create: unknown fields {sorted(unknown)}")
    data = _clean(actor=actor, session=None, data={**translations,
        "title": title, "description": description, "starts_at": starts_at, "ends_at": ends_at,
        "organisers": organisers, "moderators": moderators, "category": category, "audience": audience,
        "organisations": organisations, "mode": mode, "off_the_record": off_the_record,
        "questions_held": questions_held})
    session = LiveSession.objects.create(created_by=actor, **{f: data[f] for f in FIELDS})
    session.organisers.set({actor, *data["organisers"]})
    session.moderators.set(data["moderators"])
    session.organisations.set(data["organisations"] if data["audience"] == LiveSession.Audience.ORGANISATIONS
                              else [])
    record(actor=actor, verb="live_session.create", target=session, data=_describe(session))
    return session


@transaction.atomic
def session_update(*, actor, session: LiveSession, **changes) -> LiveSession:
    """Change a session that has not closed (its organisers, admins, global moderators). Audited with
    what changed; a change of start time lets the reminder go out again; an open room is sent
    `room_state` (after commit) when its mode or "questions held" changed."""
    permissions.check_edit_session(actor, session)
    session = LiveSession.objects.select_for_update().get(pk=session.pk)
    if session.state == LiveSession.State.CLOSED:
        raise ValidationError(_("This session is closed; it can no longer be changed."), code="closed")
    unknown = set(changes) - set(FIELDS) - set(PEOPLE)
    if unknown:
        raise TypeError(f"session_update: unknown fields {sorted(unknown)}")
    before = _describe(session)
    previous_start = session.starts_at
    could_see = _audience_ids(session)
    current = {**{f: getattr(session, f) for f in FIELDS},
               **{f: list(getattr(session, f).all()) for f in PEOPLE}}
    data = _clean(actor=actor, session=session, data={**current, **changes})
    for field in FIELDS:
        setattr(session, field, data[field])
    if session.starts_at != previous_start and session.state == LiveSession.State.SCHEDULED:
        session.reminder_sent_at = None
    session.save()
    session.organisers.set(data["organisers"])
    session.moderators.set(data["moderators"])
    session.organisations.set(data["organisations"] if data["audience"] == LiveSession.Audience.ORGANISATIONS
                              else [])
    after = _describe(session)
    changed = {field: after[field] for field in after if after[field] != before[field]}
    if changed:
        record(actor=actor, verb="live_session.update", target=session,
               data={"changed": changed, "before": {f: before[f] for f in changed}})
    if session.state == LiveSession.State.OPEN and changed.keys() & ANNOUNCED:
        # Open rooms change their controls at once (a chat pane appears, the "held" note goes).
        from .room import _emit

        _emit(session, kind=events.ROOM_STATE, ref_id=0, build=lambda seq: events.room_state(session, seq=seq))
    if changed.keys() & {"audience", *PEOPLE}:
        # Who may be in the room, or moderate it, changed: their open sockets check again (a member
        # of an organisation no longer chosen is closed out; a new moderator gets the powers).
        staff = set(before["organisers"]) ^ set(after["organisers"]) | set(before["moderators"]) ^ set(
            after["moderators"])
        for user_id in sorted((could_see ^ _audience_ids(session)) | staff):
            account_services.access_changed(user_id=user_id, reason="role")  # a session scope
    return session


def _audience_ids(session: LiveSession) -> set[int]:
    from .. import reminders

    return {user.pk for user in reminders.audience(session)}


def invitable_observers(session: LiveSession):
    """Observer accounts whose access is running, for the organisers' "invite an observer" choice."""
    from django.contrib.auth import get_user_model

    return (get_user_model().objects.filter(role="observer", is_active=True, deleted_at__isnull=True,
                                            access_ends_at__gt=timezone.now())
            .order_by("display_name", "pk"))


def session_observers(session: LiveSession):
    """The observers invited to this session (with or without running access)."""
    from django.contrib.auth import get_user_model

    from forum.accounts.models import ObserverGrant

    granted = ObserverGrant.objects.filter(scope="session", object_id=session.pk).values("user_id")
    return get_user_model().objects.filter(pk__in=granted).order_by("display_name", "pk")


@transaction.atomic
def session_observer_invite(*, actor, session: LiveSession, user):
    """Let one observer into this session until it closes (organisers, admins, global moderators)."""
    permissions.check_edit_session(actor, session)
    if session.state == LiveSession.State.CLOSED:
        raise ValidationError({"observer": _("This session is closed: nobody can be invited any more.")},
                              code="closed")
    if not accounts.is_observer(user) or not accounts.observer_access_active(user) or not user.is_active:
        raise ValidationError({"observer": _("Choose an observer account whose access is running.")},
                              code="not_observer")
    return account_services.observer_grant(actor=actor, user=user, scope="session", object_id=session.pk)


@transaction.atomic
def session_observer_revoke(*, actor, session: LiveSession, user) -> bool:
    """Take an observer's invitation to this session back; their open sockets re-check at once."""
    permissions.check_edit_session(actor, session)
    return account_services.observer_revoke(actor=actor, user=user, scope="session", object_id=session.pk)
