"""The live pages over HTTP: the list, the session form, the room without JavaScript, the presenter
view, history.json, the calendar file, observers and the transcript's doors."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forum.accounts.models import ObserverGrant
from forum.audit.models import AuditEntry
from forum.live.models import ChatMessage, LiveSession, Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user, give_mfa):
    return give_mfa(make_user(role="admin"))


def login(client, user):
    client.force_login(user)
    return client


# --- The list -------------------------------------------------------------------------------------

def test_the_list_sends_visitors_to_sign_in(client):
    response = client.get(reverse("live:index"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_the_list_shows_live_upcoming_and_past_sessions_the_member_may_see(client, member, make_session,
                                                                           make_organisation):
    live = make_session(title="Live one")
    upcoming = make_session(title="Soon one", state="scheduled", starts_at=timezone.now() + timedelta(days=1))
    past = make_session(title="Past one", state="closed", starts_at=timezone.now() - timedelta(days=2))
    other = make_session(title="Only for others", audience="organisations", organisations=[make_organisation()])
    body = login(client, member).get(reverse("live:index")).content.decode()
    for s in (live, upcoming, past):
        assert s.title in body
    assert other.title not in body
    assert body.index("Live one") < body.index("Soon one") < body.index("Past one")
    assert reverse("live:calendar", args=[upcoming.pk]) in body
    assert reverse("live:create") not in body  # members may not schedule sessions


def test_the_list_links_a_published_transcript_only_to_those_who_may_read_it(client, member, admin, make_session,
                                                                              make_thread, make_category):
    open_thread = make_thread(category=make_category())
    hidden_thread = make_thread(category=make_category(visibility="restricted"), author=admin)
    readable = make_session(title="Readable", state="closed")
    unreadable = make_session(title="Unreadable", state="closed")
    LiveSession.objects.filter(pk=readable.pk).update(transcript_thread=open_thread)
    LiveSession.objects.filter(pk=unreadable.pk).update(transcript_thread=hidden_thread)
    body = login(client, member).get(reverse("live:index")).content.decode()
    assert open_thread.get_absolute_url() in body
    assert hidden_thread.get_absolute_url() not in body


def test_the_list_shows_how_many_people_each_live_room_holds(client, member, make_session):
    """The counts the sockets' hubs write to the cache (tests/core/test_hub.py); a count, never names,
    so off-the-record rooms have one too; a room nobody is in shows none."""
    from django.core.cache import cache

    from forum.core.hub import presence_count_key
    from forum.live.events import room_group

    busy = make_session(title="Busy room")
    secret = make_session(title="Secret room", off_the_record=True)
    empty = make_session(title="Empty room")
    cache.set(presence_count_key(room_group(busy.pk)), 3)
    cache.set(presence_count_key(room_group(secret.pk)), 1)
    response = login(client, member).get(reverse("live:index"))
    lives = {s.pk: s.participants for s in response.context["lists"].live}
    assert lives == {busy.pk: 3, secret.pk: 1, empty.pk: None}
    body = response.content.decode()
    assert "3 people here" in body and "1 person here" in body
    assert body.count('class="participants"') == 2


def queries(client, url, **params) -> int:
    """How many queries one GET of `url` costs (after a first, warming one)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_for_few_and_many_sessions(client, member, make_session, make_thread):
    login(client, member)

    def add(n):
        for i in range(n):
            make_session(title=f"live {i}")
            make_session(title=f"soon {i}", state="scheduled", starts_at=timezone.now() + timedelta(days=1))
            closed = make_session(title=f"past {i}", state="closed")
            LiveSession.objects.filter(pk=closed.pk).update(transcript_thread=make_thread())

    add(1)
    few = queries(client, reverse("live:index"))
    add(5)
    assert queries(client, reverse("live:index")) == few <= 12  # measured: 12


# --- Create and edit ----------------------------------------------------------------------------------

def _form(**overrides) -> dict:
    start = timezone.localtime(timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    data = {"title": "Water and the city", "description": "A talk", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "audience": "members",
            "mode": "both"}
    data.update(overrides)
    return data


def test_an_admin_schedules_a_session_in_the_site(client, admin, make_user):
    moderator = make_user(role="member")
    response = login(client, admin).post(reverse("live:create"), _form(moderators=[moderator.pk],
                                                                        questions_held="on"))
    session = LiveSession.objects.get(title="Water and the city")
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert session.state == "scheduled" and session.questions_held and not session.off_the_record
    assert list(session.organisers.all()) == [admin] and list(session.moderators.all()) == [moderator]
    assert AuditEntry.objects.filter(verb="live_session.create", target_id=str(session.pk), actor=admin).exists()


def test_the_form_page_is_csrf_protected_and_translated(admin, make_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    page = client.get(reverse("live:create"), HTTP_ACCEPT_LANGUAGE="fr")
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    assert client.post(reverse("live:create"), _form()).status_code == 403
    assert not LiveSession.objects.exists()


@pytest.mark.parametrize(("change", "field", "text"), [
    ({"title": "Evil \u202e title"}, "title", "Titles and names cannot contain invisible"),
    ({"ends_at": "2020-01-01T10:00"}, "ends_at", "The session must end after it starts."),
    ({"audience": "organisations"}, "organisations", "Choose at least one organisation"),
])
def test_bad_input_is_refused_with_the_reason_and_nothing_saved(client, admin, change, field, text):
    response = login(client, admin).post(reverse("live:create"), _form(**change))
    assert response.status_code == 400
    assert text in response.content.decode()
    assert not LiveSession.objects.exists()


def test_the_reason_is_in_the_readers_language(client, make_user, give_mfa):
    login(client, give_mfa(make_user(role="admin", preferred_language="ar")))
    response = client.post(reverse("live:create"), _form(ends_at="2020-01-01T10:00"))
    assert response.status_code == 400
    assert "يجب أن تنتهي الجلسة بعد أن تبدأ" in response.content.decode()


def test_members_may_not_schedule_sessions_but_designated_organisers_may(client, member, make_user, give_mfa):
    assert login(client, member).get(reverse("live:create")).status_code == 403
    assert client.post(reverse("live:create"), _form()).status_code == 403
    from django.contrib.auth.models import Permission

    organiser = give_mfa(make_user(role="member"))
    organiser.user_permissions.add(Permission.objects.get(codename="add_livesession"))
    login(client, organiser)
    assert client.post(reverse("live:create"), _form(title="By an organiser")).status_code == 302
    assert LiveSession.objects.get(title="By an organiser").organisers.filter(pk=organiser.pk).exists()


def test_an_organiser_edits_the_session_and_the_change_is_audited(client, make_session, make_user, give_mfa):
    organiser = give_mfa(make_user(role="member"))
    session = make_session(state="scheduled", organisers=[organiser],
                           starts_at=timezone.now() + timedelta(days=1))
    page = login(client, organiser).get(reverse("live:edit", args=[session.pk]))
    assert page.status_code == 200 and session.title in page.content.decode()
    response = client.post(reverse("live:edit", args=[session.pk]),
                           _form(title="Renamed", organisers=[organiser.pk], mode="qa"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.title == "Renamed" and session.mode == "qa"
    entry = AuditEntry.objects.get(verb="live_session.update", target_id=str(session.pk))
    assert entry.data["changed"]["title"] == "Renamed" and entry.data["before"]["mode"] == "both"


def test_a_member_may_not_edit_a_session(client, member, make_session):
    session = make_session(state="scheduled", starts_at=timezone.now() + timedelta(days=1))
    assert login(client, member).post(reverse("live:edit", args=[session.pk]), _form()).status_code == 403
    assert LiveSession.objects.get(pk=session.pk).title == session.title


# --- The room ---------------------------------------------------------------------------------------

def test_the_room_reads_without_javascript(client, member, make_session, make_user, say, ask):
    session = make_session(title="Room with history")
    author = make_user(role="member", display_name="سارة")
    say(session, author, "مرحبا **everyone**")
    ask(session, author, "What comes first?")
    body = login(client, member).get(session.get_absolute_url()).content.decode()
    assert "<noscript>" in body and "Live updates need JavaScript" in body
    assert 'aria-live="polite"' in body
    assert f'data-socket-url="/ws/rooms/{session.pk}/"' in body
    assert "مرحبا <strong>everyone</strong>" in body and "What comes first?" in body
    assert 'class="room-message-body user-content" dir="auto"' in body
    assert 'class="room-author" dir="auto">سارة' in body
    assert "data-live-room" in body and "data-room-messages" in body and "data-room-composer" in body
    assert f'action="{reverse("live:send", args=[session.pk])}"' in body
    assert f'action="{reverse("live:ask", args=[session.pk])}"' in body
    assert f'data-seq="{LiveSession.objects.get(pk=session.pk).last_seq}"' in body


def test_the_room_is_not_found_for_those_who_may_not_see_it(client, member, make_session, make_organisation):
    hidden = make_session(audience="organisations", organisations=[make_organisation()])
    assert login(client, member).get(hidden.get_absolute_url()).status_code == 404
    assert client.get(reverse("live:history", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("live:present", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("live:calendar", args=[hidden.pk])).status_code == 404


def test_a_message_sent_without_javascript_is_stored_once(client, member, make_session):
    session = make_session()
    login(client, member)
    data = {"body": "Hello *room*", "client_id": str(uuid.uuid4())}
    response = client.post(reverse("live:send", args=[session.pk]), data)
    assert response.status_code == 302 and response["Location"].endswith("#messages")
    client.post(reverse("live:send", args=[session.pk]), data)  # the same form sent twice
    message = ChatMessage.objects.get(session=session)
    assert message.author == member and message.html == "Hello <em>room</em>"
    assert "Hello <em>room</em>" in client.get(session.get_absolute_url()).content.decode()


def test_a_refused_message_shows_the_reason_and_stores_nothing(client, member, make_session):
    session = make_session(state="closed")
    response = login(client, member).post(reverse("live:send", args=[session.pk]),
                                          {"body": "Too late", "client_id": str(uuid.uuid4())})
    assert response.status_code == 403 and "This session is not open." in response.content.decode()
    empty = client.post(reverse("live:send", args=[make_session().pk]), {"body": "   ",
                                                                          "client_id": str(uuid.uuid4())})
    assert empty.status_code == 400
    assert not ChatMessage.objects.exists()


def test_observers_ask_without_javascript_but_may_not_chat(client, make_user, make_session):
    session = make_session()
    observer = make_user(role="observer")
    ObserverGrant.objects.create(user=observer, scope="session", object_id=session.pk)
    login(client, observer)
    page = client.get(session.get_absolute_url()).content.decode()
    assert reverse("live:ask", args=[session.pk]) in page and reverse("live:send", args=[session.pk]) not in page
    asked = client.post(reverse("live:ask", args=[session.pk]), {"body": "From an envoy?",
                                                                 "client_id": str(uuid.uuid4())})
    assert asked.status_code == 302 and Question.objects.get(session=session).author == observer
    sent = client.post(reverse("live:send", args=[session.pk]), {"body": "Hi", "client_id": str(uuid.uuid4())})
    assert sent.status_code == 403 and not ChatMessage.objects.exists()


def test_a_vote_without_javascript_counts_once_and_can_be_taken_back(client, member, make_user, make_session, ask):
    session = make_session()
    question = ask(session, make_user(role="member"))
    url = reverse("live:vote", args=[session.pk, question.pk])
    login(client, member)
    assert client.post(url).status_code == 302
    client.post(url)
    question.refresh_from_db()
    assert question.votes == 1
    client.post(url, {"undo": "1"})
    question.refresh_from_db()
    assert question.votes == 0


def test_the_room_page_costs_the_same_queries_at_two_sizes(client, member, make_user, make_organisation,
                                                           make_session, say, ask):
    session = make_session()

    def add(n):
        for _ in range(n):
            author = make_user(role="member", organisation=make_organisation())
            say(session, author)
            ask(session, author)

    login(client, member)
    add(2)
    few = queries(client, session.get_absolute_url())
    add(10)
    assert queries(client, session.get_absolute_url()) == few <= 12  # measured: 12


def test_moderators_open_and_close_the_room_without_javascript(client, make_session, session_moderator):
    session = make_session(state="scheduled")
    moderator = session_moderator(session)
    login(client, moderator)
    assert client.post(reverse("live:state", args=[session.pk]), {"state": "open"}).status_code == 302
    assert LiveSession.objects.get(pk=session.pk).state == "open"
    client.post(reverse("live:state", args=[session.pk]), {"state": "close"})
    assert LiveSession.objects.get(pk=session.pk).state == "closed"


def test_members_may_not_close_the_room(client, member, make_session):
    session = make_session()
    assert login(client, member).post(reverse("live:state", args=[session.pk]), {"state": "close"}).status_code \
        == 403
    assert LiveSession.objects.get(pk=session.pk).state == "open"


# --- history.json -------------------------------------------------------------------------------------

def test_history_json_gives_the_room_after_a_sequence_number(client, member, make_session, say, ask):
    session = make_session()
    first = say(session, member, "one")
    say(session, member, "two")
    ask(session, member, "why?")
    login(client, member)
    data = client.get(reverse("live:history", args=[session.pk])).json()
    assert data["seq"] == 3 and data["complete"] and [m["html"] for m in data["messages"]] == ["one", "two"]
    assert data["questions"][0]["html"] == "why?" and data["state"] == "open"
    after = client.get(reverse("live:history", args=[session.pk]), {"after": first.seq}).json()
    assert [m["html"] for m in after["messages"]] == ["two"] and after["complete"]


def test_history_json_names_the_messages_removed_after_a_sequence_number(client, member, make_user, make_session,
                                                                          say, session_moderator):
    from forum.live import services

    session = make_session()
    moderator = session_moderator(session)
    old = say(session, member, "old")  # seq 1
    kept = say(session, member, "kept")  # seq 2
    services.message_delete(actor=member, session=session, message_id=old.pk)  # seq 3, before "after"
    gone = say(session, make_user(), "gone")  # seq 4
    edited = say(session, member, "first words")  # seq 5
    services.message_delete(actor=moderator, session=session, message_id=gone.pk, reason="spam")  # seq 6
    services.message_delete(actor=member, session=session, message_id=kept.pk)  # seq 7
    services.message_edit(actor=member, session=session, message_id=edited.pk, body="second words")  # seq 8
    login(client, member)
    data = client.get(reverse("live:history", args=[session.pk]), {"after": 5}).json()
    assert data["removed"] == [gone.pk, kept.pk]
    assert client.get(reverse("live:history", args=[session.pk]), {"after": 2}).json()["removed"] == [
        old.pk, gone.pk, kept.pk]
    # What was edited while away comes with its new text.
    shown = {m["id"]: m for m in client.get(reverse("live:history", args=[session.pk])).json()["messages"]}
    assert shown[edited.pk]["html"] == "second words" and shown[edited.pk]["edited_at"]
    assert client.get(reverse("live:history", args=[session.pk])).json()["removed"] == []


def test_history_json_is_for_members_only_and_refuses_a_bad_after(client, member, make_session):
    session = make_session()
    assert client.get(reverse("live:history", args=[session.pk])).status_code == 404  # visitors
    login(client, member)
    bad = client.get(reverse("live:history", args=[session.pk]), {"after": "x"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid"
    assert client.get(reverse("live:history", args=[session.pk]), {"after": "-1"}).status_code == 400


def test_history_json_costs_the_same_queries_at_two_sizes(client, member, make_user, make_organisation,
                                                          make_session, say, ask):
    session = make_session()

    def add(n):
        for _ in range(n):
            author = make_user(role="member", organisation=make_organisation())
            say(session, author)
            ask(session, author)

    login(client, member)
    add(2)
    few = queries(client, reverse("live:history", args=[session.pk]))
    add(13)
    assert queries(client, reverse("live:history", args=[session.pk])) == few <= 11  # measured: 11
    assert queries(client, reverse("live:history", args=[session.pk]), after=3) == few + 1  # + the removals


# --- Presenter -------------------------------------------------------------------------------------

def test_the_presenter_shows_the_pinned_question_else_the_most_voted(client, member, make_user, make_session,
                                                                      ask, session_moderator):
    from forum.live import services

    session = make_session()
    low, high = ask(session, member, "Low question"), ask(session, member, "High question")
    services.question_vote(actor=make_user(role="member"), session=session, question_id=high.pk)
    login(client, member)
    body = client.get(reverse("live:present", args=[session.pk])).content.decode()
    assert body.index("High question") < body.index("Low question")
    assert "Most voted question" in body and 'class="presenter-question user-content" dir="auto"' in body
    services.question_pin(actor=session_moderator(session), session=session, question_id=low.pk)
    body = client.get(reverse("live:present", args=[session.pk])).content.decode()
    assert "Current question" in body and body.index("Low question") < body.index("High question")


# --- Calendar ---------------------------------------------------------------------------------------

def test_the_calendar_file_is_an_icalendar_event_in_utc(client, member, make_session):
    session = make_session(title="Water; rights, and more", state="scheduled",
                           starts_at=timezone.now() + timedelta(days=1))
    response = login(client, member).get(reverse("live:calendar", args=[session.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    from tests.live.test_calendar import parse_ics

    event = parse_ics(response.content)["VEVENT"][0]
    assert event["SUMMARY"] == "Water; rights, and more"
    assert event["DTSTART"] == session.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert event["URL"].endswith(session.get_absolute_url())


# --- Observers -------------------------------------------------------------------------------------

def test_an_organiser_invites_an_observer_who_then_sees_the_session_until_it_closes(
        client, make_user, make_session, give_mfa):
    organiser = give_mfa(make_user(role="member"))
    session = make_session(organisers=[organiser])
    observer = make_user(role="observer", display_name="Envoy")
    login(client, organiser)
    page = client.get(session.get_absolute_url()).content.decode()
    assert 'id="observers"' in page and "Envoy" in page
    response = client.post(reverse("live:observer_invite", args=[session.pk]), {"observer": observer.pk})
    assert response.status_code == 302
    assert ObserverGrant.objects.filter(user=observer, scope="session", object_id=session.pk).exists()
    assert AuditEntry.objects.filter(verb="observer_grant.create", actor=organiser).exists()
    login(client, observer)
    assert client.get(session.get_absolute_url()).status_code == 200
    LiveSession.objects.filter(pk=session.pk).update(state="closed")
    assert client.get(session.get_absolute_url()).status_code == 404
    LiveSession.objects.filter(pk=session.pk).update(state="open")
    login(client, organiser)
    revoke = client.post(reverse("live:observer_revoke", args=[session.pk, observer.pk]))
    assert revoke.status_code == 302 and not ObserverGrant.objects.filter(user=observer).exists()


def test_only_observer_accounts_can_be_invited(client, make_user, make_session, give_mfa, member):
    organiser = give_mfa(make_user(role="member"))
    session = make_session(organisers=[organiser])
    response = login(client, organiser).post(reverse("live:observer_invite", args=[session.pk]),
                                             {"observer": member.pk})
    assert response.status_code == 400 and not ObserverGrant.objects.exists()


def test_members_may_not_invite_observers(client, member, make_user, make_session):
    session = make_session()
    observer = make_user(role="observer")
    response = login(client, member).post(reverse("live:observer_invite", args=[session.pk]),
                                          {"observer": observer.pk})
    assert response.status_code == 403 and not ObserverGrant.objects.exists()


def test_the_room_page_data_you_is_json(client, member, make_session):
    session = make_session()
    body = login(client, member).get(session.get_absolute_url()).content.decode()
    start = body.index('<script id="live-you" type="application/json">') + len(
        '<script id="live-you" type="application/json">')
    you = json.loads(body[start:body.index("</script>", start)])
    assert you["send"] and you["ask"] and not you["moderate"] and you["id"] == member.pk


def test_an_organiser_without_a_second_factor_is_shown_the_way_to_enrol(client, make_user):
    from django.contrib.auth.models import Permission

    organiser = make_user(role="member")
    organiser.user_permissions.add(Permission.objects.get(codename="add_livesession"))
    login(client, organiser)
    assert reverse("live:create") in client.get(reverse("live:index")).content.decode()
    page = client.get(reverse("live:create"))
    assert page.status_code == 403 and "Set up two-factor authentication" in page.content.decode()
    assert client.post(reverse("live:create"), _form()).status_code == 403
    assert not LiveSession.objects.exists()


def test_a_description_mixing_latin_and_arabic_lines_gives_each_line_its_direction(client, member, make_session):
    session = make_session(title="Bilingual")
    LiveSession.objects.filter(pk=session.pk).update(
        description="Water and the city\nالماء والمدينة\n\nSecond <i>part</i>")
    for url in (session.get_absolute_url(), reverse("live:index")):
        body = login(client, member).get(url).content.decode()
        assert '<span class="text-line" dir="auto">Water and the city</span>' in body
        assert '<span class="text-line" dir="auto">الماء والمدينة</span>' in body
        assert '<p dir="auto">Second &lt;i&gt;part&lt;/i&gt;</p>' in body


# --- Editing one's own message ------------------------------------------------------------------------

def test_an_author_edits_a_message_without_javascript(client, member, make_session, say, make_user):
    session = make_session()
    mine = say(session, member, "Helo **all**")
    theirs = say(session, make_user(), "Not yours")
    login(client, member)
    room = client.get(session.get_absolute_url()).content.decode()
    edit_url = reverse("live:message_edit", args=[session.pk, mine.pk])
    assert edit_url in room and reverse("live:message_edit", args=[session.pk, theirs.pk]) not in room
    form = client.get(edit_url)
    assert form.status_code == 200 and "Helo **all**</textarea>" in form.content.decode()
    response = client.post(edit_url, {"body": "Hello **all**"})
    assert response.status_code == 302 and response["Location"].endswith(f"#room-message-{mine.pk}")
    mine.refresh_from_db()
    assert mine.html == "Hello <strong>all</strong>" and mine.edited_at is not None
    assert "(edited)" in client.get(session.get_absolute_url()).content.decode()


def test_the_room_script_asks_for_the_source_as_json(client, member, make_session, say, make_user):
    session = make_session()
    mine = say(session, member, "مرحبا *بالجميع*")
    theirs = say(session, make_user(), "Not yours")
    login(client, member)
    asked = client.get(reverse("live:message_edit", args=[session.pk, mine.pk]), HTTP_ACCEPT="application/json")
    assert asked.json() == {"id": mine.pk, "source": "مرحبا *بالجميع*"}
    refused = client.get(reverse("live:message_edit", args=[session.pk, theirs.pk]), HTTP_ACCEPT="application/json")
    assert refused.status_code == 403 and refused.json()["error"] == "not_yours" and refused.json()["message"]


def test_editing_refuses_others_late_empty_and_foreign_messages_and_changes_nothing(client, member, make_session, say,
                                                                                  make_user, settings):
    from forum.live.models import ChatMessage

    settings.FORUM_LIVE_EDIT_MINUTES = 15
    session, elsewhere = make_session(), make_session()
    mine = say(session, member, "Original")
    theirs = say(session, make_user(), "Theirs")
    foreign = say(elsewhere, member, "In the other room")
    login(client, member)
    url = reverse("live:message_edit", args=[session.pk, mine.pk])
    empty = client.post(url, {"body": "   "})
    assert empty.status_code == 400 and "Write something first." in empty.content.decode()
    assert client.post(reverse("live:message_edit", args=[session.pk, theirs.pk]), {"body": "x"}).status_code == 403
    assert client.post(reverse("live:message_edit", args=[session.pk, foreign.pk]), {"body": "x"}).status_code == 404
    ChatMessage.objects.filter(pk=mine.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    late = client.post(url, {"body": "Too late"})
    assert late.status_code == 403 and "15 minutes" in late.content.decode()
    assert url not in client.get(session.get_absolute_url()).content.decode()  # no Edit link any more
    client.logout()
    assert client.post(url, {"body": "x"}).status_code == 302  # to sign in
    assert {m.pk: m.source for m in ChatMessage.objects.all()} == {
        mine.pk: "Original", theirs.pk: "Theirs", foreign.pk: "In the other room"}
