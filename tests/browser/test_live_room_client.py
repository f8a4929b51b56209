"""The room's script (static/js/live-room.js, live-feed.js, socket.js) in Chromium against a scripted
server: a stand-in WebSocket in the page lets each test say exactly which frames arrive and when, so
the cases a real server rarely produces on cue (an event that overtakes its predecessor, a repeat,
a lost event, `resync`, a send that is never answered) are shown one by one. The real server and
two real participants are in test_live_room.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "http://room.test"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# A stand-in for the browser's WebSocket: frames the page sends land in `__frames`; the test pushes
# the server's frames with `__socket.push({...})` and drops the connection with `__socket.drop()`.
FAKE_SOCKET = """
window.__frames = [];
window.__sockets = [];
window.__refuse = false;
class FakeSocket extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.readyState = 0;
    window.__sockets.push(this);
    window.__socket = this;
    setTimeout(() => {
      if (window.__refuse) { this.readyState = 3; this.dispatchEvent(new CloseEvent("close", {code: 1006})); return; }
      this.readyState = 1;
      this.dispatchEvent(new Event("open"));
    }, 0);
  }
  send(data) { if (this.readyState !== 1) throw new Error("not open"); window.__frames.push(JSON.parse(data)); }
  close(code = 1000) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    setTimeout(() => this.dispatchEvent(new CloseEvent("close", {code})), 0);
  }
  push(frame) { this.dispatchEvent(new MessageEvent("message", {data: JSON.stringify(frame)})); }
  drop(code = 1006) { this.readyState = 3; this.dispatchEvent(new CloseEvent("close", {code})); }
}
FakeSocket.CONNECTING = 0; FakeSocket.OPEN = 1; FakeSocket.CLOSING = 2; FakeSocket.CLOSED = 3;
window.WebSocket = FakeSocket;
"""

ROOM_PAGE = """<!DOCTYPE html>
<html lang="en" dir="ltr"><head><meta charset="utf-8"><title>Room</title>
<link rel="stylesheet" href="/static/css/site.css"><link rel="stylesheet" href="/static/css/live.css">
<link rel="stylesheet" href="/static/css/live-room.css">
<script type="module" src="/static/js/live-room.js"></script></head>
<body><main id="main">
<div id="room" class="live-room" data-live-room data-room-id="7" data-user-id="{user}" data-seq="2" data-state="open"
  data-read-only="false" data-mode="both" data-slow-mode="0" data-off-the-record="false"
  data-socket-url="/ws/rooms/7/" data-history-url="/live/7/history.json">
  <script id="live-you" type="application/json">{"id": {user}, "send": true, "ask": true, "vote": true,
    "moderate": false, "muted_until": null, "observer": false}</script>
  <p class="room-status" data-room-status role="status"></p>
  <div class="room-banners" data-room-banners></div>
  <div class="room-columns room-mode-both">
    <section class="room-chat" id="messages" data-room-chat>
      <ol class="room-messages" data-room-messages aria-live="polite">
        <li class="room-message" id="room-message-1" data-message-id="1" data-seq="1" data-author-id="2">
          <p class="room-message-meta"><span class="room-author">Sara</span></p>
          <div class="room-message-body user-content">first</div></li>
        <li class="room-message" id="room-message-2" data-message-id="2" data-seq="2" data-author-id="3">
          <p class="room-message-meta"><span class="room-author">Omar</span></p>
          <div class="room-message-body user-content">second</div></li>
      </ol>
      <form method="post" action="/live/7/send/" class="room-form room-composer" data-room-composer>
        <label for="id_body">Message</label><textarea name="body" id="id_body" required></textarea>
        <button type="submit">Send</button></form>
    </section>
    <section class="room-qa" id="questions" data-room-qa>
      <ol class="room-questions" data-room-questions aria-live="polite"></ol>
      <p class="muted room-empty" data-empty-note>No questions yet.</p>
      <form method="post" action="/live/7/ask/" class="room-form room-ask" data-room-ask>
        <label for="id_q">Question</label><textarea name="body" id="id_q" required></textarea>
        <button type="submit">Ask</button></form>
    </section>
  </div>
</div>
</main></body></html>"""


def author(user_id=2, name="Sara"):
    return {"id": user_id, "name": name, "organisation": "Wells for All", "observer": False}


def message(seq, message_id=None, *, client_id=None, text=None, user_id=2):
    message_id = message_id or seq
    return {"type": "message", "seq": seq, "id": message_id, "client_id": client_id, "author": author(user_id),
            "html": f"<p>{text or f'message {message_id}'}</p>", "sent_at": "2026-12-02T10:00:00Z", "edited_at": None}


def hello(seq, **you):
    return {"type": "hello", "room": 7, "seq": seq, "presence": {"count": 2},
            "slow_mode": {"seconds": 0, "reason": "", "set_by": None}, "state": "open", "read_only": False,
            "you": {"id": 1, "send": True, "ask": True, "vote": True, "moderate": False, "muted_until": None,
                    "observer": False, **you}}


@pytest.fixture
def room(browser):
    """room(user=1, history=None) -> a Page showing the room, its stand-in socket open."""
    contexts = []

    def make(*, user: int = 1, history: dict | None = None):
        context = browser.new_context(base_url=ORIGIN, locale="en-GB")
        context.set_default_timeout(5_000)
        contexts.append(context)
        page = context.new_page()
        page.add_init_script(FAKE_SOCKET)
        page.outside = []

        def serve(route):
            path = route.request.url.removeprefix(ORIGIN).split("?")[0]
            if path.startswith("/static/"):
                file = ROOT / path.lstrip("/")
                if file.is_file():
                    kind = {".js": "text/javascript", ".css": "text/css", ".woff2": "font/woff2",
                            ".svg": "image/svg+xml"}.get(file.suffix, "application/octet-stream")
                    return route.fulfill(status=200, body=file.read_bytes(), content_type=kind)  # fonts are binary
                return route.fulfill(status=404, body="")
            if path == "/jsi18n/":
                return route.fulfill(status=200, body="window.django = undefined;", content_type="text/javascript")
            if path == "/live/7/history.json":
                page.history_asked = route.request.url
                return route.fulfill(status=200, body=json.dumps(history or {}), content_type="application/json")
            if path == "/room/":
                return route.fulfill(status=200, body=ROOM_PAGE.replace("{user}", str(user)), content_type="text/html")
            page.outside.append(route.request.url)
            return route.fulfill(status=404, body="")

        context.route("**/*", serve)
        page.goto("/room/")
        page.wait_for_function("window.__frames.length > 0")
        return page

    yield make
    for context in contexts:
        context.close()


def frames(page, kind=None):
    sent = page.evaluate("window.__frames")
    return [f for f in sent if kind is None or f["type"] == kind]


def push(page, *events):
    for event in events:
        page.evaluate("(e) => window.__socket.push(e)", event)


def shown_ids(page):
    return page.evaluate("[...document.querySelectorAll('[data-room-messages] [data-message-id]')]"
                         ".map(li => Number(li.dataset.messageId))")


def test_joins_with_the_number_the_page_was_made_at_and_shows_live_after_hello(room):
    page = room()
    assert frames(page) == [{"type": "join", "after_seq": 2}]
    assert page.locator("[data-room-status]").inner_text() == "Connecting…"
    push(page, hello(2))
    assert page.locator("[data-room-status]").inner_text() == "Live"
    assert page.locator("#room").get_attribute("data-live") == "live"
    assert page.outside == []


def test_events_are_shown_in_order_once_whatever_order_they_come_in(room):
    page = room()
    push(page, hello(6), message(4), message(3), message(3), message(2), message(5), message(4), message(6))
    assert shown_ids(page) == [1, 2, 3, 4, 5, 6]
    assert page.locator("text=message 3").count() == 1
    assert frames(page, "join") == [{"type": "join", "after_seq": 2}]  # no gap left: no second join


def test_a_gap_that_does_not_heal_itself_is_asked_for_again_after_a_second(room):
    page = room()
    push(page, hello(2), message(4))
    assert shown_ids(page) == [1, 2]  # 4 waits for 3
    page.wait_for_function("window.__frames.filter(f => f.type === 'join').length === 2", timeout=3000)
    assert frames(page, "join")[-1] == {"type": "join", "after_seq": 2}
    push(page, hello(4), message(3), message(4))
    assert shown_ids(page) == [1, 2, 3, 4]
    assert page.locator(".room-notice").is_hidden()  # a healed gap is not a reconnection


def test_an_idle_client_learns_from_pong_that_it_missed_an_event(room):
    page = room()
    push(page, hello(2), {"type": "pong", "seq": 3})
    page.wait_for_function("window.__frames.filter(f => f.type === 'join').length === 2", timeout=3000)
    push(page, message(3))
    assert shown_ids(page) == [1, 2, 3]


def test_resync_loads_the_history_over_http_then_joins_again_from_it(room):
    history = {"seq": 40, "messages": [message(39, text="from history")], "questions": []}
    page = room(history=history)
    push(page, hello(40), {"type": "resync"})
    page.wait_for_function("window.__frames.filter(f => f.type === 'join').length === 2")
    assert page.history_asked.endswith("/live/7/history.json?after=2")
    assert frames(page, "join")[-1] == {"type": "join", "after_seq": 40}
    assert shown_ids(page) == [1, 2, 39]
    push(page, message(40), message(41))
    assert shown_ids(page) == [1, 2, 39, 41]  # 40 came with the history's number: a repeat


def test_after_a_resync_messages_removed_while_away_disappear_and_edits_show(room):
    edited = {**message(2, text="second, corrected"), "edited_at": "2026-12-02T10:05:00Z"}
    history = {"seq": 40, "messages": [edited, message(39, text="from history")], "questions": [],
               "removed": [1, 38]}  # 38: sent and removed while away, never shown here
    page = room(history=history)
    push(page, hello(40), {"type": "resync"})
    page.wait_for_function("window.__frames.filter(f => f.type === 'join').length === 2")
    assert shown_ids(page) == [2, 39]
    assert page.locator("#room-message-1").count() == 0 and page.locator(".room-removed").count() == 0
    second = page.locator("#room-message-2")
    assert "second, corrected" in second.inner_text() and second.locator(".room-edited").count() == 1


def test_a_room_state_changing_the_mode_and_held_questions_updates_the_room_at_once(room):
    page = room()
    push(page, hello(2))
    assert page.locator("[data-room-chat]").is_visible() and page.locator("[data-room-qa]").is_visible()
    assert page.locator("[data-held-note]").is_hidden()
    push(page, {"type": "room_state", "seq": 3, "state": "open", "read_only": False, "mode": "qa",
                "questions_held": True})
    assert page.locator("[data-room-chat]").is_hidden()
    assert page.locator("[data-held-note]").is_visible()
    push(page, {"type": "room_state", "seq": 4, "state": "open", "read_only": False, "mode": "chat",
                "questions_held": False})
    assert page.locator("[data-room-chat]").is_visible() and page.locator("[data-room-qa]").is_hidden()
    page.fill("[data-room-composer] textarea", "Chat is back")
    page.keyboard.press("Enter")
    assert frames(page, "send")[-1]["body"] == "Chat is back"


def test_a_message_shows_at_once_as_sending_and_once_when_acknowledged(room):
    page = room()
    push(page, hello(2))
    page.fill("[data-room-composer] textarea", "Water first, then schools.")
    page.keyboard.press("Enter")
    sent = frames(page, "send")
    assert len(sent) == 1 and sent[0]["body"] == "Water first, then schools." and UUID.match(sent[0]["client_id"])
    pending = page.locator(".room-pending-item")
    assert pending.count() == 1 and "Sending…" in pending.inner_text()
    assert page.locator("[data-room-composer] textarea").input_value() == ""
    client_id = sent[0]["client_id"]
    push(page, {"type": "ack", "client_id": client_id, "id": 3, "seq": 3})
    push(page, message(3, client_id=client_id, text="Water first, then schools.", user_id=1))
    assert page.locator(".room-pending-item").count() == 0
    assert shown_ids(page) == [1, 2, 3]
    assert page.evaluate("localStorage.length") == 0


def test_an_error_marks_the_message_not_sent_and_retry_sends_the_same_client_id(room):
    page = room()
    push(page, hello(2))
    page.fill("[data-room-composer] textarea", "Too fast")
    page.click("[data-room-composer] [type=submit]")
    client_id = frames(page, "send")[0]["client_id"]
    push(page, {"type": "error", "code": "slow_mode", "message": "Slow mode: wait 20 seconds.",
                "client_id": client_id, "retry_after": 20})
    item = page.locator(".room-pending-item")
    assert "Not sent: Slow mode: wait 20 seconds." in item.inner_text()
    assert page.locator(".room-notice").inner_text() == "Slow mode: wait 20 seconds."
    item.get_by_role("button", name="Retry").click()
    assert [f["client_id"] for f in frames(page, "send")] == [client_id, client_id]
    assert "Sending…" in item.inner_text()


def test_no_ack_in_time_marks_the_message_not_sent(room):
    page = room()
    push(page, hello(2))
    page.evaluate("window.__realSetTimeout = window.setTimeout")
    page.fill("[data-room-composer] textarea", "Into the void")
    page.click("[data-room-composer] [type=submit]")
    page.locator(".room-pending-item", has_text="Not sent").wait_for(timeout=15_000)
    assert page.locator(".room-pending-item").get_by_role("button", name="Retry").count() == 1


def test_written_while_offline_it_waits_survives_a_reload_and_is_sent_on_reconnect(room):
    page = room()
    push(page, hello(2))
    page.evaluate("window.__refuse = true; window.__socket.drop()")
    page.wait_for_function("document.querySelector('[data-room-status]').dataset.state === 'reconnecting'")
    page.fill("[data-room-composer] textarea", "Typed on the bus")
    page.click("[data-room-composer] [type=submit]")
    assert "Waiting for the connection…" in page.locator(".room-pending-item").inner_text()
    assert frames(page, "send") == []

    page.reload()
    page.wait_for_function("window.__frames.length > 0")
    assert "Typed on the bus" in page.locator(".room-pending-item").inner_text()
    push(page, hello(2))
    sent = frames(page, "send")
    assert len(sent) == 1 and sent[0]["body"] == "Typed on the bus"
    push(page, {"type": "ack", "client_id": sent[0]["client_id"], "id": 3, "seq": 3},
         message(3, client_id=sent[0]["client_id"], text="Typed on the bus", user_id=1))
    assert page.locator(".room-pending-item").count() == 0
    assert page.locator("text=Typed on the bus").count() == 1


def test_signed_out_the_unsent_messages_leave_the_device_s_storage(room):
    """A shared computer: after signing out, the next person finds nothing of what was left unsent."""
    page = room()
    push(page, hello(2))
    page.evaluate("window.__refuse = true; window.__socket.drop()")
    page.wait_for_function("document.querySelector('[data-room-status]').dataset.state === 'reconnecting'")
    page.fill("[data-room-composer] textarea", "Names of the families")
    page.click("[data-room-composer] [type=submit]")
    assert page.evaluate("localStorage.length") == 1
    page.evaluate("window.__refuse = false")
    page.wait_for_function("window.__socket.readyState === 1")
    push(page, {"type": "error", "code": "signed_out", "message": "You have been signed out: please sign in again."})
    assert page.evaluate("localStorage.length") == 0
    assert "Names of the families" in page.locator(".room-pending-item").inner_text()  # still on this screen
    page.fill("[data-room-composer] textarea", "Another one")
    page.click("[data-room-composer] [type=submit]")
    assert page.evaluate("localStorage.length") == 0


def test_questions_sort_by_votes_and_by_time_and_show_the_reader_s_vote(room):
    page = room()
    push(page, hello(2))
    for seq, votes in ((3, 1), (4, 5), (5, 2)):
        push(page, {"type": "question", "seq": seq, "id": seq * 10, "author": author(), "html": f"<p>Q{seq}</p>",
                    "votes": votes, "state": "open", "pinned": False, "asked_at": "2026-12-02T10:00:00Z",
                    "merged_into": None})
    order = "[...document.querySelectorAll('[data-room-questions] [data-question-id]')].map(li => li.dataset.questionId)"
    assert page.evaluate(order) == ["40", "50", "30"]
    page.get_by_role("button", name="Newest").click()
    assert page.evaluate(order) == ["50", "40", "30"]
    vote = page.locator("#room-question-30 .room-vote")
    vote.click()
    assert [(f["type"], f["question_id"]) for f in frames(page, "vote")] == [("vote", 30)]
    assert vote.get_attribute("aria-pressed") == "true"
    push(page, {"type": "question_updated", "seq": 6, "id": 30, "votes": 2, "state": "answered", "pinned": False,
                "merged_into": None})
    assert "Answered" in page.locator("#room-question-30").inner_text()
    assert page.locator("#room-question-30 .room-vote-count").inner_text() == "2"


def test_moderators_get_the_controls_and_everyone_the_slow_mode_banner(room):
    page = room()
    push(page, hello(2, moderate=False))
    assert page.locator(".room-moderation").count() == 0
    assert page.get_by_role("button", name="Delete").count() == 0
    moderator = room(user=5)
    push(moderator, hello(2, id=5, moderate=True))
    assert moderator.locator(".room-moderation").count() == 1
    assert moderator.get_by_role("button", name="Mute…").count() == 2
    moderator.select_option(".room-moderation select[name=seconds]", "30")
    moderator.fill(".room-moderation input[name=reason] >> nth=0", "Many people")
    moderator.get_by_role("button", name="Set slow mode").click()
    sent = frames(moderator, "slow_mode")
    assert len(sent) == 1 and UUID.match(sent[0].pop("client_id"))
    assert sent == [{"type": "slow_mode", "seconds": 30, "reason": "Many people"}]
    event = {"type": "slow_mode", "seq": 3, "seconds": 30, "reason": "Many people", "set_by": "Mona"}
    for p in (page, moderator):
        push(p, event)
        banner = p.locator("[data-banner=slow-mode]")
        # Names and reasons are isolated inside the sentence (U+2068 … U+2069).
        assert banner.inner_text() == ("Slow mode: one message every 30 seconds per person. Set by \u2068Mona\u2069. "
                                       "Reason: \u2068Many people\u2069")


def test_removed_and_edited_messages_change_in_place(room):
    page = room()
    push(page, hello(2), message(3), {"type": "message_updated", "seq": 4, "id": 3, "html": "<p>better</p>",
                                      "edited_at": "2026-12-02T10:01:00Z"},
         {"type": "message_removed", "seq": 5, "id": 1, "by": "moderator"})
    assert "better" in page.locator("#room-message-3").inner_text()
    assert "(edited)" in page.locator("#room-message-3").inner_text()
    assert page.locator("#room-message-1 .room-message-body").inner_text() == "A moderator removed this message."


def test_new_messages_are_announced_and_never_take_the_focus_or_the_draft(room):
    page = room()
    push(page, hello(2))
    area = page.locator("[data-room-composer] textarea")
    area.click()
    page.keyboard.type("half a thou")
    push(page, message(3, text="from Sara"), message(4, text="and again"))
    assert page.evaluate("document.activeElement.id") == "id_body"
    assert area.input_value() == "half a thou"
    page.locator("[data-room-announcer] p", has_text="Sara: from Sara — Sara: and again").wait_for()
    # The page's own list is not a live region any more: each message is announced once, by the room.
    assert page.locator("[data-room-messages]").get_attribute("aria-live") is None
    # A replay of many is summed up.
    push(page, *(message(seq) for seq in range(5, 11)))
    page.locator("[data-room-announcer] p", has_text="6 new messages").wait_for()


def test_the_room_works_from_the_keyboard_alone(room):
    page = room()
    push(page, hello(2), {"type": "question", "seq": 3, "id": 30, "author": author(), "html": "<p>Q</p>",
                          "votes": 0, "state": "open", "pinned": False, "asked_at": "2026-12-02T10:00:00Z",
                          "merged_into": None})
    page.locator("[data-room-composer] textarea").focus()
    page.keyboard.type("typed")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("two lines")
    page.keyboard.press("Enter")
    assert frames(page, "send")[0]["body"] == "typed\ntwo lines"
    page.locator("#room-question-30 .room-vote").focus()
    page.keyboard.press("Space")
    assert frames(page, "vote") == [{"type": "vote", "question_id": 30, "client_id": frames(page, "vote")[0]["client_id"]}]
    assert page.evaluate("document.activeElement.classList.contains('room-vote')")
    assert page.locator("#room-question-30 .room-vote").get_attribute("aria-pressed") == "true"


def test_a_refused_vote_is_undone_and_explained(room):
    page = room()
    push(page, hello(2), {"type": "question", "seq": 3, "id": 30, "author": author(), "html": "<p>Q</p>",
                          "votes": 0, "state": "open", "pinned": False, "asked_at": "2026-12-02T10:00:00Z",
                          "merged_into": None})
    page.locator("#room-question-30 .room-vote").click()
    vote = frames(page, "vote")[0]
    push(page, {"type": "error", "code": "closed", "message": "This session is closed.", "client_id": vote["client_id"]})
    assert page.locator("#room-question-30 .room-vote").get_attribute("aria-pressed") == "false"
    assert page.locator(".room-notice").inner_text() == "This session is closed."


def test_rate_limits_are_explained_politely(room):
    page = room()
    push(page, hello(2), {"type": "rate_limited", "retry_after": 3})
    notice = page.locator(".room-notice")
    assert notice.inner_text() == "You are sending too fast. Please wait 3 seconds."
    assert notice.get_attribute("role") == "status" and notice.get_attribute("aria-live") == "polite"


def test_observers_see_why_they_cannot_chat_and_may_still_ask(room):
    page = room()
    push(page, hello(2, observer=True, send=False))
    assert page.locator("[data-room-composer] textarea").is_disabled()
    assert "Observers may ask questions and vote, but not chat." in page.locator("[data-room-composer]").inner_text()
    assert page.locator("[data-room-ask] textarea").is_enabled()


def test_a_moderator_mutes_with_a_reason_and_deletes_after_confirming(room):
    page = room(user=5)
    push(page, hello(2, id=5, moderate=True))
    page.locator("#room-message-1").get_by_role("button", name="Mute…").click()
    form = page.locator("#room-message-1 .room-inline-form")
    assert page.evaluate("document.activeElement.name") == "minutes"
    page.keyboard.press("Control+A")
    page.keyboard.type("15")
    form.get_by_role("button", name="Mute").click()
    assert frames(page, "mute") == []  # a reason is required: said, not sent
    assert form.locator(".room-form-note").inner_text() == "Say why: the reason is recorded."
    assert page.evaluate("document.activeElement.name") == "reason"
    form.locator("input[name=reason]").fill("Insults")
    form.get_by_role("button", name="Mute").click()
    mute = frames(page, "mute")[0]
    assert {k: mute[k] for k in ("user_id", "minutes", "reason")} == {"user_id": 2, "minutes": 15, "reason": "Insults"}
    assert form.count() == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#room-message-2").get_by_role("button", name="Delete").click()
    assert frames(page, "delete")[0]["id"] == 2


def test_a_mute_told_by_the_socket_disables_the_chat_and_says_until_when(room):
    page = room()
    push(page, hello(2))
    assert page.locator("[data-room-composer] textarea").is_enabled()
    push(page, {"type": "you", "you": {"id": 1, "send": False, "ask": False, "vote": True, "moderate": False,
                                       "muted": True, "muted_until": "2099-01-01T10:30:00+00:00", "observer": False}})
    assert page.locator("[data-room-composer] textarea").is_disabled()
    assert "You are muted in this room until" in page.locator("[data-room-composer] .room-form-note").inner_text()
    assert page.locator("[data-banner=muted]").count() == 1


def test_held_questions_wait_for_a_moderator_s_approval(room):
    page = room(user=5)
    push(page, hello(2, id=5, moderate=True))
    push(page, {"type": "question_held", "id": 70, "author": author(), "html": "<p>Held one</p>",
                "asked_at": "2026-12-02T10:00:00Z"})
    held = page.locator(".room-held")
    assert held.is_visible() and "Held one" in held.inner_text()
    held.get_by_role("button", name="Approve").click()
    approve = frames(page, "approve")[0]
    assert approve["question_id"] == 70
    push(page, {"type": "question", "seq": 3, "id": 70, "author": author(), "html": "<p>Held one</p>", "votes": 0,
                "state": "open", "pinned": False, "asked_at": "2026-12-02T10:00:00Z", "merged_into": None})
    assert held.is_hidden()
    assert page.locator("[data-room-questions] #room-question-70").count() == 1


def test_names_and_unsent_text_are_shown_as_text_never_as_markup(room):
    page = room()
    push(page, hello(2))
    evil = {"id": 9, "name": "<img src=x onerror=window.__pwned=1>Bob", "organisation": "<b>Org</b>", "observer": False}
    push(page, {**message(3), "author": evil})
    meta = page.locator("#room-message-3 .room-message-meta")
    assert "<img src=x onerror=window.__pwned=1>Bob" in meta.inner_text() and "<b>Org</b>" in meta.inner_text()
    assert page.locator("#room-message-3 img").count() == 0
    page.evaluate("window.__refuse = true; window.__socket.drop()")
    page.fill("[data-room-composer] textarea", "<img src=x onerror=window.__pwned=2>")
    page.click("[data-room-composer] [type=submit]")
    assert page.locator(".room-pending-item img").count() == 0
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None


def test_a_send_dropped_over_the_frame_budget_is_sent_again_after_the_wait(room):
    page = room()
    push(page, hello(2))
    page.fill("[data-room-composer] textarea", "again please")
    page.click("[data-room-composer] [type=submit]")
    first = frames(page, "send")[0]
    push(page, {"type": "rate_limited", "retry_after": 1})
    page.wait_for_function("window.__frames.filter(f => f.type === 'send').length === 2", timeout=3000)
    assert frames(page, "send")[1]["client_id"] == first["client_id"]


def test_presence_counts_people_and_typing_names_them(room):
    page = room()
    first = {"type": "hello", "room": 7, "seq": 2, "state": "open", "read_only": False,
             "slow_mode": {"seconds": 0, "reason": "", "set_by": None},
             "presence": {"count": 2, "people": [{"id": 1, "name": "Me"}, {"id": 2, "name": "Sara"}]},
             "you": {"id": 1, "send": True, "ask": True, "vote": True, "moderate": False, "muted_until": None}}
    push(page, first)
    assert page.locator(".room-presence-count").inner_text() == "2 people here"
    push(page, {"type": "presence", "count": 3, "joined": [{"id": 3, "name": "Omar", "observer": True}], "left": []})
    assert page.locator(".room-presence-count").inner_text() == "3 people here"
    page.locator(".room-presence summary").click()
    assert page.locator(".room-presence-list li").all_inner_texts() == ["Me", "Omar Observer", "Sara"]
    push(page, {"type": "presence", "count": 2, "joined": [], "left": [{"id": 2, "name": "Sara"}]})
    assert page.locator(".room-presence-list li").count() == 2
    push(page, {"type": "typing", "people": [{"id": 1, "name": "Me"}, {"id": 3, "name": "Omar"}], "count": 2})
    assert page.locator(".room-typing").inner_text() == "\u2068Omar\u2069 is typing…"  # not oneself; isolated
    page.fill("[data-room-composer] textarea", "h")
    assert len(frames(page, "typing")) == 1
    page.fill("[data-room-composer] textarea", "hi")
    assert len(frames(page, "typing")) == 1  # at most one every 3 s


def test_a_long_session_keeps_at_most_500_messages_on_the_page(room):
    page = room()
    push(page, hello(2))
    page.evaluate("""() => { for (let seq = 3; seq <= 602; seq++) window.__socket.push({type: "message", seq, id: seq,
        client_id: null, author: {id: 2, name: "Sara"}, html: `<p>m${seq}</p>`, sent_at: "2026-12-02T10:00:00Z"}); }""")
    ids = shown_ids(page)
    assert len(ids) == 500 and ids[0] == 103 and ids[-1] == 602
