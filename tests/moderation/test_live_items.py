"""Chat messages and questions of live rooms in the one review queue: flagging (who, once, what hides
at once), scope (session moderators, global moderators; not category moderators), actions through
the live services (hide, restore, delete, dismiss, warn, mute in the room), what the room shows and
replays, notices, appeals and the audit log."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from forum.accounts.models import ObserverGrant, Restriction
from forum.audit.models import AuditEntry
from forum.live import events, selectors
from forum.live.models import ChatMessage, Question, RoomEvent
from forum.moderation import permissions, services
from forum.moderation.models import Flag, ReviewItem
from forum.notifications import texts
from forum.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _state():
    return (list(Flag.objects.values_list("pk", flat=True)), list(ReviewItem.objects.values_list("pk", "flaggers")),
            list(ChatMessage.objects.values_list("pk", "hidden_at", "removed_at")),
            list(Question.objects.values_list("pk", "state")),
            list(RoomEvent.objects.values_list("pk", "payload")))


def _shown(session, user) -> list[int]:
    return [m["id"] for m in selectors.history(session=session, user=user)["messages"]]


def _replayed_ids(session, kind=events.MESSAGE) -> list[int]:
    return [p["id"] for p in selectors.replay(session=session, after_seq=0) if p["type"] == kind]


# --- Flagging ------------------------------------------------------------------------------------

def test_a_member_flags_a_chat_message_and_it_enters_the_queue_at_its_session(chat, room, make_user, flag_live):
    flag = flag_live(chat, make_user(role="member"), reason="harassment")
    item = flag.item
    assert (item.kind, item.object_id, item.session_id, item.category_id) == ("message", chat.pk, room.pk, None)
    assert item.author_id == chat.author_id and item.score == 10 + 3
    chat.refresh_from_db()
    assert chat.hidden_at is None


def test_a_member_flags_a_question(question, room, make_user, flag_live):
    item = flag_live(question, make_user(role="member")).item
    assert (item.kind, item.object_id, item.session_id) == ("question", question.pk, room.pk)


def test_an_observer_invited_to_the_room_may_flag_and_one_not_invited_may_not(chat, room, make_user, flag_live):
    invited, stranger = make_user(role="observer"), make_user(role="observer")
    ObserverGrant.objects.create(user=invited, scope="session", object_id=room.pk)
    assert flag_live(chat, invited).reporter == invited
    before = _state()
    with pytest.raises(Http404):
        flag_live(chat, stranger)
    assert _state() == before


def test_flagging_ones_own_message_or_question_is_refused_and_changes_nothing(chat, question, author, flag_live):
    before = _state()
    with pytest.raises(PermissionDenied, match="your own message"):
        flag_live(chat, author)
    with pytest.raises(PermissionDenied, match="your own question"):
        flag_live(question, author)
    assert _state() == before


def test_flagging_twice_is_refused_and_changes_nothing(chat, make_user, flag_live):
    reporter = make_user(role="member")
    flag_live(chat, reporter)
    before = _state()
    with pytest.raises(ValidationError) as caught:
        flag_live(chat, reporter, reason="illegal")
    assert caught.value.code == "twice"
    assert _state() == before


def test_flagging_in_a_room_one_cannot_see_is_a_404(make_session, say, make_user, give_mfa, flag_live):
    from forum.organisations.models import Organisation

    chosen = Organisation.objects.create(name="Chosen")
    closed_room = make_session(audience="organisations", organisations=[chosen])
    admin = give_mfa(make_user(role="admin"))
    msg = say(closed_room, admin)
    before = _state()
    with pytest.raises(Http404):
        flag_live(msg, make_user(role="member"))
    assert _state() == before


@pytest.mark.parametrize("kind, object_id", [("message", 999999), ("question", "x1"), ("poll", 1), ("message", -3)])
def test_a_forged_kind_or_id_is_a_404(make_user, kind, object_id):
    with pytest.raises(Http404):
        services.flag_create(actor=make_user(role="member"), kind=kind, object_id=object_id, reason="spam")
    assert not Flag.objects.exists()


def test_a_removed_message_cannot_be_flagged(chat, room, author, make_user, flag_live):
    from forum.live import services as live

    live.message_delete(actor=author, session=room, message_id=chat.pk)
    with pytest.raises(Http404):
        flag_live(ChatMessage.objects.get(pk=chat.pk), make_user(role="member"))
    assert not Flag.objects.exists()


def test_a_held_question_cannot_be_flagged_by_those_who_do_not_see_it(make_session, ask, author, make_user, flag_live):
    held_room = make_session(questions_held=True)
    question = ask(held_room, author)
    assert question.state == "held"
    with pytest.raises(Http404):
        flag_live(question, make_user(role="member"))
    assert not Flag.objects.exists()


def test_flags_are_allowed_in_an_off_the_record_room(make_session, say, author, make_user, flag_live):
    otr = make_session(off_the_record=True)
    assert flag_live(say(otr, author), make_user(role="member")).item.session_id == otr.pk


def test_endangers_someone_hides_a_message_from_every_screen_at_once(
        chat, room, make_user, flag_live, broadcasts, django_capture_on_commit_callbacks):
    reader = make_user(role="member")
    with django_capture_on_commit_callbacks(execute=True):
        item = flag_live(chat, make_user(role="member"), reason="endangers").item
    chat.refresh_from_db()
    assert chat.hidden_at is not None and chat.hidden_reason == {"pending": True} and item.held
    removed = [f for g, f in broadcasts if g == events.room_group(room.pk) and f["type"] == "message_removed"]
    assert removed == [{"type": "message_removed", "seq": room_seq(room), "id": chat.pk, "by": "moderator"}]
    assert chat.pk not in _shown(room, reader) and chat.pk not in _replayed_ids(room)
    assert "rude" not in str(list(RoomEvent.objects.values_list("payload", flat=True)))
    assert AuditEntry.objects.filter(verb="live.message.hold", actor=None, target_id=str(chat.pk)).exists()
    with pytest.raises(Http404):  # no longer shown: no flag form that would show its text
        flag_live(chat, reader)


def room_seq(room) -> int:
    room.refresh_from_db()
    return room.last_seq


def test_endangers_someone_hides_a_question_at_once(question, room, make_user, flag_live):
    flag_live(question, make_user(role="member"), reason="endangers")
    question.refresh_from_db()
    assert question.state == "hidden" and question.state_before_hidden == "open"
    assert question.pk not in [q["id"] for q in selectors.history(session=room, user=make_user())["questions"]]
    assert question.pk not in _replayed_ids(room, events.QUESTION)


def test_auto_hide_at_the_threshold_of_distinct_flaggers(chat, make_user, flag_live, settings):
    settings.FORUM_MODERATION_AUTO_HIDE_FLAGGERS = 2
    flag_live(chat, make_user(role="member"))
    chat.refresh_from_db()
    assert chat.hidden_at is None
    flag_live(chat, make_user(role="member"))
    chat.refresh_from_db()
    assert chat.hidden_at is not None and ReviewItem.objects.get().held


# --- Scope ---------------------------------------------------------------------------------------

@pytest.fixture
def item(chat, make_user, flag_live):
    return flag_live(chat, make_user(role="member"), reason="harassment").item


def test_a_session_moderator_sees_their_sessions_items_only(item, room, make_session, session_moderator):
    mine = session_moderator(room)
    other = session_moderator(make_session())
    assert list(permissions.visible_items(mine)) == [item]
    assert services.queue_count(mine) == 1
    assert list(permissions.visible_items(other)) == [] and services.queue_count(other) == 0
    # The other session's moderator sees this room (a members' session): a named refusal.
    with pytest.raises(PermissionDenied) as caught:
        permissions.check_act_on_item(other, item)
    assert "outside your moderation scope" in str(caught.value)
    permissions.check_act_on_item(mine, item)


def test_an_organiser_of_the_session_moderates_its_items(item, room, make_user, give_mfa):
    organiser = give_mfa(make_user(role="member"))
    room.organisers.add(organiser)
    assert list(permissions.visible_items(organiser)) == [item]


def test_a_category_moderator_does_not_see_session_items(item, make_user, give_mfa, category):
    moderator = give_mfa(make_user(role="member"))
    category.moderators.add(moderator)
    assert list(permissions.visible_items(moderator)) == []
    with pytest.raises(PermissionDenied):  # they see the room, not as its moderator
        permissions.check_act_on_item(moderator, item)


def test_a_moderator_who_cannot_see_the_room_gets_a_404(make_session, make_organisation, say, flag_live,
                                                         make_user, give_mfa, category):
    org = make_organisation()
    closed = make_session(audience="organisations", organisations=[org])
    speaker, insider = make_user(role="member", organisation=org), make_user(role="member", organisation=org)
    item = flag_live(say(closed, speaker, body="Among ourselves"), insider).item
    moderator = give_mfa(make_user(role="member"))
    category.moderators.add(moderator)
    with pytest.raises(Http404):
        permissions.check_act_on_item(moderator, item)


def test_a_global_moderator_sees_every_sessions_items(item, moderator):
    assert list(permissions.visible_items(moderator)) == [item]


def test_a_session_moderator_without_a_second_factor_cannot_open_the_queue(item, room, session_moderator):
    moderator = session_moderator(room, mfa=False)
    assert list(permissions.visible_items(moderator)) == []
    with pytest.raises(PermissionDenied):
        permissions.check_view_queue(moderator)


def test_session_moderators_are_among_those_told_of_a_new_item(item, room, session_moderator, moderator):
    mine = session_moderator(room)
    assert {mine.pk, moderator.pk} <= {u.pk for u in services.moderators_of(item)}


# --- Actions -------------------------------------------------------------------------------------

def test_hide_removes_it_from_the_room_and_the_author_sees_the_rule(
        item, chat, room, moderator, rule, author, make_user, broadcasts, django_capture_on_commit_callbacks):
    reader = make_user(role="member")
    with django_capture_on_commit_callbacks(execute=True):
        action = services.item_act(actor=moderator, item=item, kind="hide", rule=rule, note="Rephrase.")
    chat.refresh_from_db()
    assert chat.hidden_at is not None
    assert chat.hidden_reason == {"ar": "لا هجمات شخصية", "en": "No personal attacks",
                                  "fr": "Pas d'attaques personnelles", "decision": f"/moderation/decisions/{action.pk}/"}
    frames = [f for g, f in broadcasts if g == events.room_group(room.pk)]
    assert frames[-1]["type"] == "message_removed" and frames[-1]["id"] == chat.pk
    assert chat.pk not in _shown(room, reader) and chat.pk not in _replayed_ids(room)
    page = selectors.history(session=room, user=reader, placeholders=True)["messages"]
    assert page[0]["hidden"]["en"] == "No personal attacks" and page[0]["html"] == ""
    own = selectors.history(session=room, user=author, placeholders=True)["messages"]
    assert "rude" in own[0]["html"] and own[0]["hidden_own"] is True
    assert AuditEntry.objects.filter(verb="live.message.hide", actor=moderator, target_id=str(chat.pk)).exists()
    entry = AuditEntry.objects.get(verb="moderation.hide")
    assert (entry.data["kind"], entry.data["object_id"], entry.data["rule"]) == ("message", chat.pk, rule.pk)
    assert entry.scope == f"session:{room.pk}"  # the session's scope, as the live entry's
    assert AuditEntry.objects.get(verb="live.message.hide").scope == f"session:{room.pk}"
    notice = Notification.objects.get(recipient=author)
    with translation.override("en"):
        assert "live session" in texts.describe(notice) and room.title in texts.describe(notice)
    item.refresh_from_db()
    assert item.state == "actioned"


def test_a_hidden_message_cannot_be_edited_by_its_author(item, chat, room, moderator, rule, author):
    from forum.live import services as live

    services.item_act(actor=moderator, item=item, kind="hide", rule=rule)
    with pytest.raises(PermissionDenied):
        live.message_edit(actor=author, session=room, message_id=chat.pk, body="sneaky")
    chat.refresh_from_db()
    assert chat.source == "A rude chat line"


def test_restore_brings_it_back_with_a_new_room_event(item, chat, room, moderator, rule, make_user):
    services.item_act(actor=moderator, item=item, kind="hide", rule=rule)
    seq = room_seq(room)
    services.item_act(actor=moderator, item=ReviewItem.objects.get(pk=item.pk), kind="restore", rule=rule)
    chat.refresh_from_db()
    assert chat.hidden_at is None and chat.hidden_reason == {}
    last = RoomEvent.objects.filter(session=room).order_by("-seq").first()
    assert (last.seq, last.kind, last.payload["id"], last.payload["seq"]) == (seq + 1, "message", chat.pk, seq + 1)
    assert chat.pk in _shown(room, make_user(role="member"))
    assert chat.pk in _replayed_ids(room)


def test_restore_of_what_is_not_hidden_is_refused(item, moderator, rule):
    before = _state()
    with pytest.raises(ValidationError, match="not hidden"):
        services.item_act(actor=moderator, item=item, kind="restore", rule=rule)
    assert _state() == before


def test_dismiss_shows_a_message_held_pending_review_again(chat, room, make_user, flag_live, moderator, rule):
    item = flag_live(chat, make_user(role="member"), reason="endangers").item
    services.item_act(actor=moderator, item=item, kind="dismiss", rule=rule)
    chat.refresh_from_db()
    item.refresh_from_db()
    assert chat.hidden_at is None and item.state == "dismissed" and not item.held
    assert chat.pk in _shown(room, make_user(role="member"))


def test_delete_removes_it_and_an_overturned_appeal_brings_it_back(
        item, chat, room, moderator, second_moderator, rule, author, make_user):
    action = services.item_act(actor=moderator, item=item, kind="delete", rule=rule)
    chat.refresh_from_db()
    assert chat.removed_at is not None and chat.removed_by == moderator
    appeal = services.appeal_create(actor=author, action=action, statement="It was a quote.")
    with pytest.raises(PermissionDenied, match="another moderator"):
        services.appeal_decide(actor=moderator, appeal=appeal, outcome="overturned")
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome="overturned")
    chat.refresh_from_db()
    assert chat.removed_at is None and chat.pk in _shown(room, make_user(role="member"))
    assert AuditEntry.objects.filter(verb="live.message.restore", actor=second_moderator).exists()


def test_an_overturned_appeal_of_a_hide_restores_the_message(item, chat, room, moderator, second_moderator, rule,
                                                             author):
    action = services.item_act(actor=moderator, item=item, kind="hide", rule=rule)
    appeal = services.appeal_create(actor=author, action=action, statement="Context was missing.")
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome="overturned", note="Fair.")
    chat.refresh_from_db()
    assert chat.hidden_at is None
    assert AuditEntry.objects.filter(verb="appeal.overturned", actor=second_moderator).exists()


def test_mute_from_a_chat_item_mutes_the_author_in_that_room_only(item, room, moderator, rule, author):
    from forum.live import permissions as live_permissions

    action = services.item_act(actor=moderator, item=item, kind="mute", rule=rule, days=2)
    restriction = Restriction.objects.get(pk=action.restriction_id)
    assert (restriction.kind, restriction.scope, restriction.object_id) == ("mute", "session", room.pk)
    from forum.accounts import permissions as accounts

    accounts.forget(author)
    assert live_permissions.is_muted(author, room)


def test_warn_is_audited_and_told(item, moderator, rule, author):
    services.item_act(actor=moderator, item=item, kind="warn", rule=rule)
    assert AuditEntry.objects.filter(verb="user.warn", target_id=str(author.pk)).exists()
    assert Notification.objects.filter(recipient=author).count() == 1


def test_a_session_moderator_hides_and_mutes_in_their_room(item, chat, room, session_moderator, rule, author):
    mine = session_moderator(room)
    services.item_act(actor=mine, item=item, kind="hide", rule=rule)
    chat.refresh_from_db()
    assert chat.hidden_at is not None


def test_a_category_moderator_cannot_act_on_a_chat_item(item, chat, make_user, give_mfa, category, rule):
    moderator = give_mfa(make_user(role="member"))
    category.moderators.add(moderator)
    before = _state()
    with pytest.raises(PermissionDenied):
        services.item_act(actor=moderator, item=item, kind="hide", rule=rule)
    assert _state() == before


def test_an_action_without_a_rule_is_refused_and_changes_nothing(item, moderator):
    before = _state()
    with pytest.raises(ValidationError):
        services.item_act(actor=moderator, item=item, kind="hide", rule=None)
    assert _state() == before


def test_questions_are_hidden_restored_and_deleted_through_the_live_services(
        question, room, make_user, flag_live, moderator, rule, broadcasts, django_capture_on_commit_callbacks):
    item = flag_live(question, make_user(role="member")).item
    with django_capture_on_commit_callbacks(execute=True):
        services.item_act(actor=moderator, item=item, kind="hide", rule=rule)
    question.refresh_from_db()
    assert question.state == "hidden" and question.hidden_reason["en"] == "No personal attacks"
    assert [f["type"] for g, f in broadcasts if g == events.room_group(room.pk)][-1] == "question_removed"
    services.item_act(actor=moderator, item=ReviewItem.objects.get(pk=item.pk), kind="restore", rule=rule)
    question.refresh_from_db()
    assert question.state == "open" and question.pk in _replayed_ids(room, events.QUESTION)
    services.item_act(actor=moderator, item=ReviewItem.objects.get(pk=item.pk), kind="delete", rule=rule)
    question.refresh_from_db()
    assert question.state == "hidden" and question.hidden_reason == {"deleted": True}
    assert AuditEntry.objects.filter(verb="live.question.restore", actor=moderator).exists()


def test_the_transcript_leaves_hidden_messages_out(item, chat, room, say, author, moderator, rule):
    from forum.live.services import transcripts

    say(room, author, body="A kind line")
    from forum.live import services as live

    services.item_act(actor=moderator, item=item, kind="hide", rule=rule)
    room = live.session_close(actor=moderator, session=room)
    text = transcripts.transcript_markdown(actor=moderator, session=room)
    assert "A kind line" in text and "rude" not in text


def test_the_decision_notice_names_the_session_in_the_readers_language(item, room, moderator, rule, author):
    """Issue #10: a notice about a live message keeps the session's titles per language."""
    type(room).objects.filter(pk=room.pk).update(title_ar="جلسة المياه")  # not save(): the room's seq moves
    services.item_act(actor=moderator, item=item, kind="hide", rule=rule)
    notice = Notification.objects.get(recipient=author)
    with translation.override("ar"):
        assert "جلسة المياه" in texts.describe(notice)
    with translation.override("en"):
        assert room.title in texts.describe(notice)
