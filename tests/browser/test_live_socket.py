"""static/js/socket.js, the one reconnecting socket every live page uses, in a real Chromium against
daphne: final close codes stop it, 4429 makes it wait longer, a drop reconnects and resumes, and a
background tab or an offline spell is handled (docs/live-protocol.md, "Close codes")."""

import time

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

# Loads the module the pages use and opens a socket with it, recording what the page would see:
# every state change, every event, and every WebSocket made for that address. The tab's visibility
# is made controllable (`window.__visibility`), as a test cannot send a real tab to the background.
HARNESS = """async ({path, resume}) => {
  const { openLiveSocket } = await import("/static/js/socket.js");
  window.__visibility = "visible";
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => window.__visibility });
  window.__sockets = [];
  const Real = window.WebSocket;
  window.WebSocket = class extends Real {
    constructor(url, protocols) {
      super(url, protocols);
      if (new URL(url).pathname === new URL(path, location.href).pathname) window.__sockets.push(this);
    }
  };
  window.__states = [];
  window.__events = [];
  window.__live = openLiveSocket({
    url: path,
    onEvent: (event) => window.__events.push(event),
    onState: (state, info) => window.__states.push({ state, ...info }),
    resumeFrame: resume ? () => ({ type: "ping", data: window.__sockets.length }) : null,
  });
}"""


def _until(page, expression, timeout=5.0):
    """Wait until the expression is true in the page (polled: the strict CSP forbids the eval that
    `page.wait_for_function` needs)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(50)


def _open(page, path, *, resume=False):
    page.evaluate(HARNESS, {"path": path, "resume": resume})


def _states(page):
    return page.evaluate("window.__states.map((s) => [s.state, s.code, s.final])")


def _count(page):
    return page.evaluate("window.__sockets.length")


def test_a_final_close_code_stops_reconnecting(live_server, new_page, make_user):
    page = new_page()
    login(page, email=make_user(email="final@example.org").email)
    _open(page, "/ws/ping/", resume=True)
    _until(page, "window.__events.length === 1")

    # Signing out in another tab of the same session closes the socket with 4401.
    other = page.context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_load_state("networkidle")

    _until(page, "window.__states.some((s) => s.state === 'closed')")
    page.wait_for_timeout(2500)  # longer than any first retry (at most 1 s after an open connection)
    assert _states(page) == [["connecting", None, False], ["connected", None, False], ["closed", 4401, True]]
    assert page.evaluate("window.__events[1].code") == "signed_out"
    assert _count(page) == 1
    page.evaluate("window.__visibility = 'hidden'; document.dispatchEvent(new Event('visibilitychange'))")
    page.evaluate("window.__visibility = 'visible'; document.dispatchEvent(new Event('visibilitychange'))")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    assert _count(page) == 1
    assert page.outside_requests == []


def test_a_drop_reconnects_and_resumes_and_coming_online_retries_at_once(live_server, new_page, make_user):
    page = new_page()
    login(page, email=make_user(email="drop@example.org").email)
    _open(page, "/ws/ping/", resume=True)
    _until(page, "window.__events.length === 1")
    assert page.evaluate("window.__events") == [{"type": "pong", "data": 1}]

    # The connection drops (not a final code): it comes back by itself, and says "resume" again.
    page.evaluate("window.__sockets[0].close(3001)")
    _until(page, "window.__events.length === 2")
    assert page.evaluate("window.__events[1]") == {"type": "pong", "data": 2}
    # (Chromium reports the close it started itself as 1000 or its own code: either way, not final.)
    assert [state[0::2] for state in _states(page)] == [["connecting", False], ["connected", False],
                                                         ["closed", False], ["connecting", False],
                                                         ["connected", False]]

    # Another drop, then the browser says it is online again: no waiting for the timer.
    page.evaluate("window.__sockets[1].close(3001)")
    _until(page, "window.__states.length === 6")
    assert page.evaluate("window.dispatchEvent(new Event('online')), window.__sockets.length") == 3
    _until(page, "window.__events.length === 3")


def test_a_background_tab_reconnects_only_when_shown_again(live_server, new_page, make_user):
    page = new_page()
    login(page, email=make_user(email="hidden@example.org").email)
    _open(page, "/ws/ping/", resume=True)
    _until(page, "window.__events.length === 1")
    page.evaluate("window.__visibility = 'hidden'; window.__sockets[0].close(3001)")
    _until(page, "window.__states.some((s) => s.state === 'closed')")
    page.wait_for_timeout(1500)  # past the first retry (at most 1 s after a connection that had opened)
    assert _count(page) == 1
    shown = "window.__visibility = 'visible'; document.dispatchEvent(new Event('visibilitychange')); " \
            "window.__sockets.length"
    assert page.evaluate(shown) == 2
    _until(page, "window.__events.length === 2")


def test_a_client_cut_off_for_sending_too_fast_waits_longer(live_server, new_page, make_user):
    page = new_page()
    login(page, email=make_user(email="flood@example.org").email)
    _open(page, "/ws/ping/")
    _until(page, "window.__states.some((s) => s.state === 'connected')")
    page.evaluate("for (let i = 0; i < 80; i += 1) window.__live.send({ type: 'ping', data: i })")
    _until(page, "window.__states.some((s) => s.state === 'closed')")
    closed = page.evaluate("window.__states.find((s) => s.state === 'closed')")
    assert closed["code"] == 4429 and closed["final"] is False
    assert 30_000 <= closed["delay"] <= 60_000
    assert any(event.get("code") == "rate_limited" for event in page.evaluate("window.__events"))
    # Coming online does not cut the wait short: the server asked for patience.
    assert page.evaluate("window.dispatchEvent(new Event('online')), window.__sockets.length") == 1


def test_retry_delays_double_to_thirty_seconds_with_jitter(live_server, new_page):
    page = new_page()
    page.goto("/accounts/login/")
    delays = page.evaluate("""async () => {
        const { retryDelay } = await import("/static/js/socket.js");
        const low = () => 0, high = () => 1;
        return [0, 1, 2, 5, 9].map((n) => [retryDelay(n, 1006, low), retryDelay(n, 1006, high)])
            .concat([[retryDelay(0, 4429, low), retryDelay(0, 4429, high)]]);
    }""")
    assert delays == [[500, 1000], [1000, 2000], [2000, 4000], [15000, 30000], [15000, 30000],
                      [30000, 60000]]
