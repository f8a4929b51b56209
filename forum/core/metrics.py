"""What an operator watches, in Prometheus' format at `/metrics` (django-prometheus exports it and
adds its own request, response and latency metrics through its two middlewares).

Each daphne process has its own figures (Prometheus scrapes every replica: `web:8000/metrics`):

- `madaniya_open_sockets{kind}`: WebSockets open in this process, by route (rooms, threads, …),
  counted by `CountSockets` around the whole WebSocket stack;
- `madaniya_fanout_seconds`: time the hub took to hand one event to every subscribed socket of this
  process (the fan-out lag a reader sees beyond the channel layer);
- `madaniya_ws_dropped_total`: connections dropped because the client stopped reading
  (forum/core/server.py); `madaniya_resyncs_total{kind}`: sockets told to resync from history;
- `madaniya_events_dropped_total{kind,reason}`: live events that did not reach a group's members:
  `layer_full` (channels-redis left them out of members' full channels; it logs that at INFO, which
  `DroppedEvents` counts and raises to WARNING), `broadcast_failed` (a `group_send` that raised,
  logged by the sender); clients heal a lost numbered event by its gap;
- figures read from the database at each scrape, declared by the apps in their `metrics.py`
  (`@metrics.probe(...)`, found at start-up like `jobs.py`): the e-mail outbox, job failures, the
  moderation queue.

The endpoint answers 404 to anyone but the addresses of `FORUM_METRICS_ALLOWED_IPS` and holders of
`FORUM_METRICS_TOKEN` (`Authorization: Bearer …`); nginx never serves it.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

from forum.core import conf

logger = logging.getLogger(__name__)

OPEN_SOCKETS = Gauge("madaniya_open_sockets", "WebSockets open in this process, by route", ["kind"])
FANOUT_SECONDS = Histogram(
    "madaniya_fanout_seconds", "Seconds to hand one event to every subscribed socket of this process",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
SOCKETS_DROPPED = Counter("madaniya_ws_dropped", "WebSocket connections dropped because the client stopped reading")
HANDSHAKE_TIMEOUTS = Counter(
    "madaniya_ws_handshake_timeouts", "WebSocket handshakes not answered in time (overload): answered 503")
RESYNCS = Counter("madaniya_resyncs", "Sockets told to resync from history (too far behind)", ["kind"])
# What the hub's reordering of sequenced events did (forum/core/hub.py), a closed label set:
# held (waited for an earlier number), gave_up (the missing number never came: delivered with a gap),
# duplicate (a number already delivered: dropped), late (came after its turn was given up or before
# the hub's first number: passed on).
HUB_REORDER_OUTCOMES = ("held", "gave_up", "duplicate", "late")
HUB_REORDER = Counter("madaniya_hub_reorder", "Sequenced events the hub held, gave up waiting for, dropped or passed on late",
                      ["outcome"])
for _outcome in HUB_REORDER_OUTCOMES:
    HUB_REORDER.labels(_outcome)
# Messages the channel layer refused because a channel was full (`ChannelFull`), by who sent them,
# a closed label set: broadcast (a service's `realtime.broadcast`), hub (the hub's own sends and
# `send_in_order`), socket (a socket's own timer), group (members of a channels-redis group send
# that were over capacity: channels-redis only logs those; `forum.core.hub` counts the log records).
CHANNEL_FULL_SOURCES = ("broadcast", "hub", "socket", "group")
CHANNEL_FULL = Counter("madaniya_channel_full", "Channel layer messages refused because a channel was full",
                       ["where"])
for _where in CHANNEL_FULL_SOURCES:
    CHANNEL_FULL.labels(_where)

# Live events that did not reach a group's members (overload is never a quiet drop). Closed labels:
# the group's kind (from its name, `event_kind`) and why.
EVENT_KINDS = ("threads", "categories", "rooms", "users", "other")
DROP_REASONS = ("layer_full", "broadcast_failed")
EVENTS_DROPPED = Counter("madaniya_events_dropped", "Live events that did not reach a group's members, by group kind",
                         ["kind", "reason"])
for _kind in EVENT_KINDS:
    for _reason in DROP_REASONS:
        EVENTS_DROPPED.labels(_kind, _reason)


def event_kind(group: str) -> str:
    """The kind of a group, from the name its app's `events.py` built."""
    for prefix, kind in (("discussions.thread.", "threads"), ("discussions.category.", "categories"),
                         ("live.room.", "rooms"), ("user.", "users")):
        if str(group).startswith(prefix):
            return kind
    return "other"


# What the loggers of the senders say when an event is dropped (the messages are theirs: pinned by tests).
_LAYER_FULL = "%s of %s channels over capacity in group %s"  # channels_redis.core, at INFO
_BROADCAST_FAILED = "broadcast to %s failed"  # forum.core.realtime, forum.notifications.live


class DroppedEvents(logging.Filter):
    """A filter on the loggers of the channel layer and of the senders (settings.LOGGING): counts
    every dropped live event in `madaniya_events_dropped_total` and makes the layer's note of it a
    WARNING (channels-redis says it at INFO). Other records pass unchanged, except the layer's own
    below the root level (its logger is opened to INFO only for this note)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if getattr(record, "madaniya_counted", False):  # logging configured twice: two filters
            return True
        if record.msg in (_LAYER_FULL, _BROADCAST_FAILED):
            record.madaniya_counted = True
        if record.msg == _LAYER_FULL and len(args) == 3:
            EVENTS_DROPPED.labels(event_kind(args[2]), "layer_full").inc(int(args[0]))
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
            return True
        if record.msg == _BROADCAST_FAILED and len(args) == 1:
            EVENTS_DROPPED.labels(event_kind(args[0]), "broadcast_failed").inc()
            return True
        return not (record.name.startswith("channels_redis") and record.levelno < logging.getLogger().level)


# Routes are a closed list, so a client cannot grow the label set.
SOCKET_KINDS = frozenset({"rooms", "threads", "categories", "notifications", "ping"})


def socket_kind(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    kind = parts[1] if len(parts) > 1 and parts[0] == "ws" else ""
    return kind if kind in SOCKET_KINDS else "other"


class CountSockets:
    """ASGI middleware: `madaniya_open_sockets` goes up when a WebSocket is accepted and down when its
    application returns (the socket closed, whoever closed it)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        gauge = OPEN_SOCKETS.labels(socket_kind(scope.get("path", "")))
        accepted = False

        async def counting_send(message):
            nonlocal accepted
            if message.get("type") == "websocket.accept" and not accepted:
                accepted = True
                gauge.inc()
            return await send(message)

        try:
            return await self.app(scope, receive, counting_send)
        finally:
            if accepted:
                gauge.dec()


# --- figures read at each scrape ------------------------------------------------------------------

@dataclass(frozen=True)
class Probe:
    name: str
    doc: str
    read: Callable[[], float | dict[str, float]]
    label: str = ""


_probes: dict[str, Probe] = {}


def probe(*, name: str, doc: str, label: str = ""):
    """Declare a gauge read at each scrape: the function returns a number, or {label value: number}
    when `label` is given. Declared once, at import (module-level registry, filled at start-up)."""

    def register(read):
        if name in _probes:
            raise ValueError(f"metric {name} already declared")
        _probes[name] = Probe(name=name, doc=doc, read=read, label=label)
        return read

    return register


class _ProbeCollector:
    def describe(self):
        # Asked by the registry when the collector is added (at start-up): answering here keeps it
        # from calling collect(), which reads the database, before the apps are ready.
        return []

    def collect(self):
        for declared in _probes.values():
            try:
                value = declared.read()
            except Exception:  # noqa: BLE001 - one failing probe must not hide the others
                logger.exception("metrics: probe %s failed", declared.name)
                continue
            if declared.label:
                family = GaugeMetricFamily(declared.name, declared.doc, labels=[declared.label])
                for key, number in sorted(value.items()):
                    family.add_metric([str(key)], float(number))
            else:
                family = GaugeMetricFamily(declared.name, declared.doc, value=float(value))
            yield family


_collector = _ProbeCollector()
_registered = False


def register() -> None:
    """Find the apps' `metrics.py` and add the probes to the registry (once per process)."""
    global _registered
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("metrics")
    if not _registered:
        REGISTRY.register(_collector)
        _registered = True


@probe(name="madaniya_jobs_failed", doc="Periodic jobs whose last run failed (forum/core/jobs.py)")
def _jobs_failed() -> float:
    from .models import ScheduledJobRun

    return ScheduledJobRun.objects.filter(failed=True).count()


# --- the endpoint ---------------------------------------------------------------------------------

def _allowed_networks():
    networks = []
    for part in conf.FORUM_METRICS_ALLOWED_IPS.split(","):
        part = part.strip()
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                logger.warning("FORUM_METRICS_ALLOWED_IPS: %r is not an address or network", part)
    return networks


def may_read(request) -> bool:
    token = conf.FORUM_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _allowed_networks())


def metrics_view(request):
    """Prometheus' text format, for the internal network or the token; 404 to everyone else (the
    endpoint does not admit it exists)."""
    if not may_read(request):
        raise Http404
    from django_prometheus.exports import ExportToDjangoView

    return ExportToDjangoView(request)
