"""The daphne we run: daphne's own command line, with over-long requests answered instead of dropped
and WebSocket clients that do not read cut off before they cost memory.

    python -m forum.core.server [daphne's options] config.asgi:application

Twisted, under daphne, reads a request line of at most 16 KB (`LineReceiver.MAX_LENGTH`) and hangs
up without a word on a longer one; and it answers a bare 400 once the request line and headers
together pass 16 KB, so a 15 KB address with ordinary headers never reaches the site. Here:

- a request line over `MAX_REQUEST_LINE` (16 KB) gets `414 URI Too Long`, a header line over it
  `431 Request Header Fields Too Large`, each with a short page in every site language (the
  request's language is not known yet: its headers were not read);
- the request line and headers together may take `MAX_HEADER_BYTES` (64 KB), so an address
  between `FORUM_MAX_URL_CHARS` (8 KB) and 16 KB reaches Django, where
  `forum.core.middleware.URLTooLongMiddleware` answers 414 with the page in the reader's language.

nginx in front (deploy/nginx-*.conf.template) answers 414 itself above 16 KB (`large_client_header_buffers`).

Slow readers: daphne writes every frame a consumer sends straight to the connection; what the
client does not read waits in twisted's buffer for that connection, without bound. A client that
never reads (a frozen tab, a phone in a tunnel, a hostile script) would make the process grow with
every event of its room. So after each frame, a connection holding more than
`FORUM_WS_SEND_BUFFER_MAX_BYTES` (1 MiB) not yet taken by the network is dropped (TCP abort, the
client sees 1006): the client reconnects and resumes from its last `seq`. The room never waits for
it: writing a frame never blocks, so the others are served as before.

The write fast path (`forum.core.fastsend`): each WebSocket's scope carries its connection
(`fastsend.PROTOCOL_KEY`), so the room's hub can write an event's frame, encoded and framed once, to
every socket without the ASGI send chain (`BoundedWebSocketProtocol.send_prepared`: same bytes, same
order, same unread-bytes bound, nothing after close). When nothing waits in twisted's buffer the
frame goes to the socket at once (`write_through`), rather than on the loop's next turn.

Overload is not a refusal: a WebSocket handshake the application has not accepted (or refused)
within `--websocket_connect_timeout` seconds (here 20 by default, daphne's command line says 5)
was answered by daphne `403 Access denied`, or its TCP connection dropped without an answer by
autobahn's handshake timer, whichever came first. Both happened when a thousand clients came back
at once and their connect checks queued for the database (issue #8, "drop-all"); a 403 reads as
"forbidden" to a client and to whoever reads the logs. Here such a handshake is answered
`503 Service Unavailable` with `Retry-After` (counted in `madaniya_ws_handshake_timeouts_total`),
and autobahn's timer is set a few seconds later so that the answer is sent. A refusal by the
application (origin, not signed in, no access) is still 403.

The listen backlog (how many connections the kernel holds until the process accepts them) is
`--backlog` (1024; twisted's default is 50, which a reconnect storm overflows: clients then wait
for SYN retransmissions). The kernel caps it at `net.core.somaxconn`.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path

from autobahn.websocket.types import ConnectionDeny
from daphne import server as daphne_server
from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from twisted.internet import tcp

from forum.core import fastsend

logger = logging.getLogger(__name__)

MAX_REQUEST_LINE = 16384
MAX_HEADER_BYTES = 65536

_STATUS = {414: b"URI Too Long", 431: b"Request Header Fields Too Large"}

HANDSHAKE_SECONDS = 20  # our default for --websocket_connect_timeout (daphne's command line: 5)
HANDSHAKE_TIMER_MARGIN = 3  # autobahn's drop comes this much later (daphne checks every 2 s)
LISTEN_BACKLOG = 1024
RETRY_AFTER_SECONDS = 5


def refusal(status: int) -> bytes:
    """The whole HTTP response for an over-long request line (414) or header line (431)."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.html import escape
    from django.utils.translation import gettext

    paragraphs = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            text = (gettext("The address of this request is too long. Go back and follow a link instead.")
                    if status == 414 else gettext("This request carries too much header data."))
            direction = "rtl" if translation.get_language_bidi() else "ltr"
        paragraphs.append(f'<p lang="{code}" dir="{direction}">{escape(text)}</p>')
    body = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>" + str(status)
            + "</title></head><body>" + "".join(paragraphs) + "</body></html>").encode()
    head = (b"HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n" % (status, _STATUS[status], len(body)))
    return head + body


def limit_channel(channel) -> None:
    """Give one twisted HTTPChannel our limits and answers (see the module docstring)."""
    channel.MAX_LENGTH = MAX_REQUEST_LINE
    channel.totalHeadersSize = MAX_HEADER_BYTES

    def line_length_exceeded(line):
        # Only the request line comes before the first header; twisted keeps that as a private flag.
        first = getattr(channel, "_HTTPChannel__first_line", 1)
        channel.transport.write(refusal(414 if first else 431))
        channel.transport.loseConnection()

    channel.lineLengthExceeded = line_length_exceeded


class LimitedHTTPFactory(HTTPFactory):
    """daphne's HTTP factory, whose channels answer over-long requests (`limit_channel`)."""

    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        # Twisted wraps the HTTP/1.1 channel in a protocol that can switch to HTTP/2.
        limit_channel(getattr(protocol, "_channel", protocol))
        return protocol


def buffered_bytes(transport) -> int:
    """Bytes written to a twisted connection and not yet handed to the kernel (0 when unknown)."""
    while transport is not None and not hasattr(transport, "dataBuffer"):
        transport = getattr(transport, "transport", None)  # TLS wraps the TCP transport
    if transport is None:
        return 0
    # twisted.internet.abstract.FileDescriptor: the buffer, what of it was sent, what waits to join it.
    return len(transport.dataBuffer) - getattr(transport, "offset", 0) + getattr(transport, "_tempDataLen", 0)


def write_through(transport, data: bytes) -> None:
    """Write `data` to a twisted TCP connection, as `transport.write` does, but when nothing waits in
    twisted's buffer, straight to the socket: what twisted's `doWrite` would do on the loop's next
    turn, without registering for writability and back (two `epoll_ctl` calls and a loop callback per
    frame). What the kernel does not take, or everything when something waits (order) or the
    connection is TLS or closing, goes through `transport.write` (which also pauses the connection's
    producer, daphne's HTTP channel, when its buffer fills: an empty buffer needs no pause)."""
    if (not isinstance(transport, tcp.Connection) or transport.TLS or not transport.connected
            or transport.disconnecting or transport._writeDisconnected
            or len(transport.dataBuffer) - transport.offset + transport._tempDataLen):
        transport.write(data)
        return
    sent = transport.writeSomeData(data)
    if not isinstance(sent, int):
        transport.write(data)  # the connection is lost: twisted's next write attempt finds out and closes it
    elif sent < len(data):
        transport.write(data[sent:])


def send_buffer_limit() -> int:
    from forum.core import conf

    return int(conf.FORUM_WS_SEND_BUFFER_MAX_BYTES)


class BoundedWebSocketProtocol(WebSocketProtocol):
    """daphne's WebSocket protocol, dropping a connection whose client stopped reading."""

    unread_limit: int | None = None

    def serverSend(self, content, binary=False):
        if self.state not in (self.STATE_OPEN, self.STATE_CONNECTING):
            return  # dropped or closing: frames still on their way for it are discarded
        super().serverSend(content, binary)
        self.drop_if_backed_up()

    def send_prepared(self, frame: fastsend.Frame) -> bool:
        """The fast path (`forum.core.fastsend`): write a text frame built once for every socket.
        False when the socket is not accepted yet (the ASGI `send` accepts it first); otherwise the
        frame is written, or discarded when the socket is closing or closed, as `serverSend` does.

        The prebuilt bytes go out as they are only when autobahn would have written the same bytes
        at once: no extension (permessage-deflate) negotiated, server frames not masked, no automatic
        fragmentation, nothing waiting in autobahn's own send queue, frame logging off. Otherwise
        autobahn frames the payload (still encoded once)."""
        state = self.state
        if state != self.STATE_OPEN:
            return state != self.STATE_CONNECTING
        payload = frame.payload
        if (self._perMessageCompress is None and not self.send_queue and not self.maskServerFrames
                and not self.logFrames and not self.autoFragmentSize
                and not 0 < self.maxMessagePayloadSize < len(payload)):
            write_through(self.transport, frame.wire)
        else:
            self.sendMessage(payload, False)  # over the size limit: raises, as the ASGI send would
        self.drop_if_backed_up()
        return True

    def drop_if_backed_up(self) -> None:
        if self.unread_limit is None:
            self.unread_limit = send_buffer_limit()  # read once per connection, not per frame
        pending = buffered_bytes(self.transport)
        if pending > self.unread_limit:
            logger.info("dropping WebSocket %s: %d bytes unread", self.client_addr, pending)
            from forum.core import metrics  # imported late: this module starts before Django is set up

            metrics.SOCKETS_DROPPED.inc()
            self.dropConnection(abort=True)

    def check_timeouts(self):
        """daphne's, except that a handshake not answered in time is told to come back (503), not
        refused (daphne's `serverReject`: 403)."""
        timeout = self.server.websocket_connect_timeout
        if self.state == self.STATE_CONNECTING and timeout >= 0 and self.duration() > timeout \
                and hasattr(self, "handshake_deferred"):
            self.serverOverloaded()
            return
        super().check_timeouts()

    def serverOverloaded(self):
        logger.warning("WebSocket %s: handshake not answered within %s s; 503", self.client_addr,
                    self.server.websocket_connect_timeout)
        from forum.core import metrics

        metrics.HANDSHAKE_TIMEOUTS.inc()
        self.handshake_deferred.errback(ConnectionDeny(code=503, reason="Service Unavailable"))
        del self.handshake_deferred
        self.server.protocol_disconnected(self)

    def failHandshake(self, reason, code=400, responseHeaders=None):
        if code == 503:
            responseHeaders = [*(responseHeaders or []), ("Retry-After", str(RETRY_AFTER_SECONDS))]
        super().failHandshake(reason, code, responseHeaders)


class BoundedWebSocketFactory(WebSocketFactory):
    protocol = BoundedWebSocketProtocol


def with_backlog(description: str, backlog: int) -> str:
    """A twisted endpoint description (daphne's `tcp:port=...`, `unix:...`) with a listen backlog."""
    kind = description.split(":", 1)[0]
    if kind in ("tcp", "unix") and ":backlog=" not in description:
        return f"{description}:backlog={int(backlog)}"
    return description


class Server(daphne_server.Server):
    def __init__(self, *args, backlog: int = LISTEN_BACKLOG, **kwargs):
        super().__init__(*args, **kwargs)
        self.endpoints = [with_backlog(endpoint, backlog) for endpoint in self.endpoints]
        if self.websocket_connect_timeout >= 0:
            # autobahn drops an unanswered handshake without a word: let ours (503) come first.
            self.websocket_handshake_timeout = self.websocket_connect_timeout + HANDSHAKE_TIMER_MARGIN

    def create_application(self, protocol, scope):
        """daphne's; a WebSocket's scope also carries its connection, for `forum.core.fastsend`."""
        if isinstance(protocol, BoundedWebSocketProtocol):
            scope[fastsend.PROTOCOL_KEY] = protocol
        return super().create_application(protocol, scope)

    def listen_success(self, port):
        """Once listening, print the file named by DEMO_BANNER_FILE (`make run`: the demo logins), so
        it is the last thing on the screen rather than scrolled away by the start-up lines."""
        super().listen_success(port)
        path = os.environ.get("DEMO_BANNER_FILE", "")
        if path and not getattr(self, "banner_shown", False):
            self.banner_shown = True
            try:
                banner = Path(path).read_text(encoding="utf-8")
            except OSError as error:
                logger.warning("DEMO_BANNER_FILE %s: %s", path, error)
                return
            sys.stdout.write("\n" + banner)
            sys.stdout.flush()

    def run(self):
        # daphne.server.Server.run builds its factories from these module-level names: ours instead.
        daphne_server.HTTPFactory = LimitedHTTPFactory
        daphne_server.WebSocketFactory = BoundedWebSocketFactory
        super().run()


class ForumCommandLine(CommandLineInterface):
    server_class = Server

    def __init__(self):
        super().__init__()
        self.parser.set_defaults(websocket_connect_timeout=HANDSHAKE_SECONDS)
        self.parser.add_argument("--backlog", type=int, default=LISTEN_BACKLOG,
                                 help="Connections the kernel may hold until they are accepted")

    def run(self, args):
        known, _rest = self.parser.parse_known_args(args)
        self.server_class = functools.partial(Server, backlog=known.backlog)
        super().run(args)


if __name__ == "__main__":
    ForumCommandLine.entrypoint()
