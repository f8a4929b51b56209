"""Live rooms' chat messages and questions over HTTP (no JavaScript): the flag links on the room page,
the flag form and its refusals, a hidden message's place as readers and its author see it, and the
review queue with a room's items (place, link, filter, constant query count)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from forum.moderation import services
from forum.moderation.models import Flag, ReviewItem

pytestmark = pytest.mark.django_db


def _flag_url(kind, obj):
    return reverse("moderation:flag", kwargs={"kind": kind, "item_id": obj.pk})


def test_the_room_page_offers_a_flag_link_on_others_messages_and_questions_only(client, room, chat, question,
                                                                                author, make_user):
    client.force_login(make_user(role="member"))
    page = client.get(room.get_absolute_url()).content.decode()
    assert _flag_url("message", chat) in page and _flag_url("question", question) in page
    assert 'data-flag-url="/moderation/flag/kind/0/"' in page  # the live client's flag control
    client.force_login(author)
    page = client.get(room.get_absolute_url()).content.decode()
    assert _flag_url("message", chat) not in page and _flag_url("question", question) not in page


def test_a_message_is_flagged_without_javascript_and_the_flagger_comes_back_to_it(client, room, chat, make_user):
    reader = make_user(role="member")
    client.force_login(reader)
    form = client.get(_flag_url("message", chat)).content.decode()
    assert 'name="reason"' in form and "Flag a chat message" in form and room.title in form
    response = client.post(_flag_url("message", chat), {"reason": "harassment"})
    assert response.status_code == 302
    assert response["Location"] == f"{room.get_absolute_url()}#room-message-{chat.pk}"
    assert Flag.objects.get().item.kind == "message"
    again = client.post(_flag_url("message", chat), {"reason": "spam"})
    assert again.status_code == 400 and "already flagged" in again.content.decode()
    assert Flag.objects.count() == 1


def test_flagging_ones_own_question_over_http_is_refused_in_arabic(client, question, author):
    client.force_login(author)
    response = client.post(_flag_url("question", question), {"reason": "spam"}, HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 403
    with translation.override("ar"):
        assert translation.gettext("You cannot flag your own question.") in response.content.decode()
    assert not Flag.objects.exists()


@pytest.mark.parametrize("kind, item_id", [("message", 987654), ("chat", 1), ("question", 0)])
def test_a_forged_address_is_a_404(client, make_user, kind, item_id):
    client.force_login(make_user(role="member"))
    assert client.post(f"/moderation/flag/{kind}/{item_id}/", {"reason": "spam"}).status_code == 404
    assert not Flag.objects.exists()


@pytest.fixture
def hidden(chat, make_user, flag_live, moderator, rule):
    item = flag_live(chat, make_user(role="member"), reason="harassment").item
    return services.item_act(actor=moderator, item=item, kind="hide", rule=rule)


def test_readers_see_the_rule_in_the_hidden_messages_place_in_their_language(client, room, chat, hidden, make_user):
    client.force_login(make_user(role="member"))
    page = client.get(room.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "A rude chat line" not in page
    assert "Pas d&#x27;attaques personnelles" in page or "Pas d'attaques personnelles" in page
    page = client.get(room.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "لا هجمات شخصية" in page and "A rude chat line" not in page
    assert _flag_url("message", chat) not in page  # nothing to flag in a placeholder


def test_the_author_sees_their_text_the_rule_and_the_way_to_appeal(client, room, hidden, author):
    client.force_login(author)
    page = client.get(room.get_absolute_url()).content.decode()
    assert "A rude chat line" in page and "لا هجمات شخصية" in page  # the author reads Arabic
    assert reverse("moderation:action", kwargs={"action_id": hidden.pk}) in page
    decision = client.get(reverse("moderation:action", kwargs={"action_id": hidden.pk})).content.decode()
    assert 'name="statement"' in decision


def test_a_message_held_pending_review_says_so(client, room, chat, make_user, flag_live):
    flag_live(chat, make_user(role="member"), reason="endangers")
    client.force_login(make_user(role="member"))
    page = client.get(room.get_absolute_url()).content.decode()
    assert "hidden while moderators review" in page and "A rude chat line" not in page


def test_the_history_for_the_live_client_leaves_a_hidden_message_out(client, room, chat, hidden, author):
    client.force_login(author)
    data = client.get(reverse("live:history", args=[room.pk])).json()
    assert chat.pk not in [m["id"] for m in data["messages"]]


def test_the_queue_shows_a_chat_item_with_its_room_and_a_link_to_it(client, room, chat, make_user, flag_live,
                                                                    session_moderator):
    flag_live(chat, make_user(role="member"))
    client.force_login(session_moderator(room))
    page = client.get(reverse("moderation:queue")).content.decode()
    assert f"Chat message #{chat.pk}<" in page and "A rude chat line" in page
    assert f'href="{room.get_absolute_url()}#room-message-{chat.pk}"' in page and room.title in page
    assert f'<option value="{room.pk}"' in page  # the place filter offers the session


def test_the_queue_filters_by_session(client, make_session, say, author, make_user, flag_live, moderator):
    one, two = make_session(title="Room one"), make_session(title="Room two")
    first, second = say(one, author), say(two, author)
    for msg in (first, second):
        flag_live(msg, make_user(role="member"))
    client.force_login(moderator)
    page = client.get(reverse("moderation:queue"), {"session": str(one.pk)}).content.decode()
    assert f"Chat message #{first.pk}<" in page and f"Chat message #{second.pk}<" not in page


def test_a_hostile_room_title_is_escaped_in_the_queue(client, make_session, say, author, make_user, flag_live,
                                                      moderator):
    room = make_session(title='<script>alert("x")</script>')
    flag_live(say(room, author), make_user(role="member"))
    client.force_login(moderator)
    page = client.get(reverse("moderation:queue")).content.decode()
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;" in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_queue_costs_the_same_queries_for_2_and_8_live_items(client, room, say, ask, author, make_user,
                                                                 flag_live, moderator):
    def flag_some(n):
        for i in range(n):
            flag_live(say(room, author) if i % 2 else ask(room, author), make_user(role="member"))

    client.force_login(moderator)
    flag_some(2)
    small = _queries(client, reverse("moderation:queue"))
    flag_some(6)
    assert _queries(client, reverse("moderation:queue")) == small
    assert ReviewItem.objects.count() == 8


def test_a_moderator_hides_a_chat_item_over_http(client, room, chat, make_user, flag_live, moderator, rule):
    item = flag_live(chat, make_user(role="member")).item
    client.force_login(moderator)
    page = client.get(reverse("moderation:item", kwargs={"item_id": item.pk})).content.decode()
    assert "A rude chat line" in page and room.title in page
    response = client.post(reverse("moderation:act", kwargs={"item_id": item.pk}), {"kind": "hide", "rule": rule.pk})
    assert response.status_code == 302
    chat.refresh_from_db()
    assert chat.hidden_at is not None


def test_the_flagger_cannot_reread_a_chat_message_or_question_hidden_since(client, chat, question, make_user,
                                                                           flag_live, moderator, rule):
    from forum.moderation import services
    from forum.moderation.models import Flag

    reader = make_user(role="member")
    for kind, obj in (("message", chat), ("question", question)):
        flag = flag_live(obj, reader)
        services.item_act(actor=moderator, item=flag.item, kind="hide", rule=rule)
    client.force_login(reader)
    for kind, obj, text in (("message", chat, "A rude chat line"), ("question", question, "A rude question?")):
        response = client.get(_flag_url(kind, obj))
        assert response.status_code == 403 and text not in response.content.decode()
        assert "no longer shown" in response.content.decode()
    assert Flag.objects.count() == 2
