"""The hub: HJ 212 ingest in, sequenced events out over /ws, history over REST, health and metrics.

One asyncio loop does the networking; storage writes run on the StorageWriter's thread and history
queries in the default executor, so neither holds up the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import ssl
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiohttp import WSMsgType, web

from console.core import protocol
from console.core.incidents import AuditEntry, Incident, Role
from console.core.models import Reading, Station, Upload
from console.core.report_figures import DEFAULT_TARGETS
from console.hub.auth import Session, Sessions, User
from console.hub.cluster.node import ClusterNode
from console.hub.cluster.sessions import SharedSessions
from console.hub.cluster.wire import IngestBatch
from console.hub.derive import AqiDeriver
from console.hub.events import EventLog
from console.hub.forecast.live import WarningFeed
from console.hub.forecast.rest import add_forecast_routes
from console.hub.incident_rest import add_incident_routes
from console.hub.incident_store import IncidentStore
from console.hub.incidents import IncidentService
from console.hub.ingest import HJ212Listener
from console.hub.ingest_parts import SplitParts
from console.hub.logtext import printable
from console.hub.metrics import Metrics
from console.hub.mqtt import Broker, MqttIngest, client_id
from console.hub.playback_rest import add_playback_routes
from console.hub.quota import DailyBytes, TokenBuckets
from console.hub.registry import Registry
from console.hub.report import add_report_routes
from console.hub.responsibility import Responsibility
from console.hub.rest import add_rest_routes
from console.hub.rules import RuleEngine
from console.hub.site import Site
from console.hub.status import StatusMonitor
from console.hub.storage import LATE_S, Storage, StorageWriter
from console.hub.tls import TLSError, server_context
from console.hub.units.rest import add_unit_routes
from console.hub.units.service import UNIT_ACTIONS, UnitConfig, UnitService

log = logging.getLogger(__name__)

MAX_EVENT_ITEMS = 5000  # readings per event; bigger batches are cut into several events
MAX_PENDING = 100_000  # readings waiting to be published before the listener stops reading (back-pressure)
# Rows waiting for the database before the listener stops reading, and reads from no logger until the
# backlog is under it again (a database that cannot be written holds every logger up, not only some).
MAX_STORAGE_BACKLOG = 500_000
WARNINGS_SYNC_S = 2.0  # how often a cluster's leader looks for warning steps made at other nodes


@dataclass
class HubConfig:
    """Settings of one hub run (see ``python -m console.hub --help``)."""

    host: str = "127.0.0.1"
    http_port: int = 0
    hj212_port: int = 0
    token: str = "changeme"
    batch_s: float = 0.02  # how long readings wait to be published together
    heartbeat_s: float = 5.0
    replay_window: int = 200_000  # events kept for resuming consoles
    client_queue: int = 20_000  # events buffered per console before it is cut as too slow
    tz_hours: float = 8.0
    max_segment: int = 9999
    site: Site = field(default_factory=Site)  # boundaries, townships, roster the consoles and incidents use
    site_dir: Path | None = None  # the site's directory: its roads and zones are served to consoles
    bench_bypass: bool = False  # benchmarks only: no HJ 212 decoding, no storage (transport ceiling)
    max_loggers: int | None = None  # logger connections in all; None: from the descriptor limit
    max_loggers_per_address: int | None = None  # ... from one source address; None: half of max_loggers
    logger_idle_s: float = 600.0  # a logger connection without a complete frame this long is closed
    max_consoles: int = 1000  # websocket connections in all, before and after hello
    max_consoles_per_address: int = 200  # ... from one source address (a NAT may hide a whole room)
    users: dict[str, User] = field(default_factory=dict)  # who may log in (see console/hub/auth.py)
    token_role: str = "duty"  # the role of the shared token
    escalate_s: float = 5.0  # how often overdue incidents are looked for (wall seconds)
    rules_tick_s: float = 5.0  # how often the alarm rules look at time-based conditions
    attachments_dir: Path | None = None  # where uploaded photos go; None refuses uploads
    forecast_dir: Path | None = None  # the forecast model (console/hub/forecast); None: no local forecast
    reports_per_hour: float = 60.0  # incident reports a user may make, on average (token bucket)
    report_burst: int = 20  # ... and at once, after a quiet time
    attachment_max_bytes: int = 10 * 2**20  # one photo
    attachment_day_bytes: int = 200 * 2**20  # photos one user may upload in a day (rolling 24 h)
    attachments_max_bytes: int = 20 * 2**30  # the whole attachments directory
    login_failures_per_user: int = 5  # failed logins in a row before a user name waits (30 s, doubling)
    login_failures_per_address: int = 20  # ... and before an address does, whatever the names it tries
    tls_cert: Path | None = None  # with tls_key: serve https and wss on http_port (the HJ 212 port stays TCP)
    tls_key: Path | None = None
    clock: Callable[[], float] = time.time  # incident time (deadlines, escalation, audit); tests move it
    jt808_port: int | None = None  # JT/T 808 terminals; None: no listener, 0: a free port
    osmand_port: int | None = None  # OsmAnd (Traccar Client) phones over HTTP; None: none, 0: a free port
    accept_unknown_units: bool = False  # terminals and phones not in units.csv become units on the fly
    mqtt_url: str = ""  # MQTT broker of low-cost sensors (mqtt://host:port); "": none (console/hub/mqtt.py)
    mqtt_prefix: str = "eco"  # their topics: <prefix>/<site>/<station>/up
    unit_idle_s: float = 600.0  # a terminal connection without a complete frame this long is closed
    # annual targets of pollutant means for the reports (µg/m³) until the site data carries them
    report_targets: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    # A hub node of a cluster (console/hub/cluster): NATS URL, stream name and this node's name; "": none.
    # A node opens no device listeners: ingest nodes take the devices' data and publish it to the stream.
    cluster_url: str = ""
    cluster_stream: str = "ECO"
    node: str = ""


class Hub:
    """Composition of the hub's parts; ``start``/``stop`` own their order."""

    def __init__(self, config: HubConfig, storage: Storage, registry: Registry) -> None:
        self.config = config
        self.storage = storage
        self.registry = registry
        self.metrics = Metrics()
        self.writer = StorageWriter(storage)
        self.metrics.storage = self.writer
        self.events = EventLog(config.replay_window)
        self.status = StatusMonitor(registry.stations)
        self.deriver = AqiDeriver({s.id: s for s in registry.stations}, tz_hours=int(config.tz_hours))
        self.latest: dict[tuple[str, str], Reading] = {(r.station, r.factor): r for r in storage.latest()}
        self.status.resume_from(self.latest.values())
        self.listener = HJ212Listener(
            registry,
            self.accept,
            self.metrics,
            tz_hours=config.tz_hours,
            max_segment=config.max_segment,
            bypass=config.bench_bypass,
            max_connections=config.max_loggers,
            max_per_address=config.max_loggers_per_address,
            idle_s=config.logger_idle_s,
            parts=SplitParts(self.writer.submit_part, storage.load_parts(), max_segment=config.max_segment),
        )
        if self.listener.parts.taken_up:
            log.info("split uploads: %d stored parts wait for the rest", self.listener.parts.taken_up)
        failures = (config.login_failures_per_user, config.login_failures_per_address)
        self.sessions = Sessions(config.users, config.token, Role(config.token_role), login_failures=failures)
        if config.cluster_url:  # a login made at another node is in the database
            self.sessions = SharedSessions(
                config.users, config.token, Role(config.token_role), login_failures=failures
            )
        self.responsibility = Responsibility(config.site, registry.stations)
        self.incidents = IncidentService(
            IncidentStore(storage.engine),
            self.responsibility,
            self._publish_incident,
            clock=config.clock,
            tz_hours=config.tz_hours,
        )
        self.sessions.restore(self.incidents.store.load_sessions())
        if isinstance(self.sessions, SharedSessions):
            self.sessions.lookup = self.incidents.store.session
        units = UnitConfig(
            config.host,
            config.jt808_port,
            config.osmand_port,
            config.accept_unknown_units,
            config.unit_idle_s,
        )
        self.units = UnitService(
            config.site.units, storage, self.writer, self.events, self._broadcast, self.incidents,
            self.metrics, units, clock=config.clock,
        )  # fmt: skip
        self.rules = RuleEngine(registry.stations, config.tz_hours)
        self.warnings = WarningFeed(storage.engine, self.events, self._broadcast, config.tz_hours)
        self.warnings.load()  # the open heavy-pollution warnings every snapshot carries
        self.mqtt: MqttIngest | None = None
        if config.mqtt_url:
            where = storage.engine.url.render_as_string(hide_password=True)
            self.mqtt = MqttIngest(
                Broker.from_url(config.mqtt_url, config.mqtt_prefix), registry, self.accept,
                client_id(config.site.key, where, config.mqtt_prefix),
            )  # fmt: skip
            self.metrics.sections.append(self.mqtt.metric_lines)
        self._resume_episodes()
        self.clients: set[ClientSession] = set()
        self._sockets_by_address: Counter[str] = Counter()  # open /ws connections, hello or not
        self._pending: list[Reading] = []  # to publish
        self._pending_rows: list[Reading] = []  # to store reading by reading
        self._pending_uploads: list[Upload] = []  # to store as uploads
        # a cluster leader's input batches in the pending readings: (id, where its readings end)
        self._pending_inputs: list[tuple[str, int]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._snapshot: tuple[tuple[str, int], bytes] | None = None  # (epoch, seq) and its encoded bytes
        self.reports = TokenBuckets(config.reports_per_hour, config.report_burst)
        self.uploads = DailyBytes(config.attachment_day_bytes)  # photo bytes per user
        self.attachments_bytes = _folder_bytes(config.attachments_dir)
        self.http_port = 0
        self.hj212_port = 0
        self.cluster: ClusterNode | None = None
        if config.cluster_url:
            node = config.node or f"{socket.gethostname()}-{os.getpid()}"
            stream, window = config.cluster_stream, config.replay_window
            self.cluster = ClusterNode(self, config.cluster_url, stream, node, window)
            self.metrics.sections.append(self.cluster.metric_lines)

    def _resume_episodes(self) -> None:
        """After a restart the rules take up the episodes of still-open rule incidents: they clear them when
        the condition has gone, instead of leaving them open with no suggestion to close."""
        newest: dict[str, float] = {}
        for r in self.latest.values():
            newest[r.station] = max(newest.get(r.station, 0.0), r.ts)
        resumed = 0
        for incident in self.incidents.open_rule_incidents():
            seen = newest.get(incident.station)
            if seen is not None:
                resumed += self.rules.resume_episode(
                    incident.station, incident.rule, incident.category, incident.severity, seen
                )
        if resumed:
            log.info("rules: took up %d open episodes from before the restart", resumed)

    async def start(self) -> None:
        """Open the HJ 212 listener, then the HTTP server, then the periodic tasks.

        TLSError (before any port opens) when the certificate or key cannot be used."""
        context = _tls_context(self.config)
        if self.cluster is not None:  # devices reach the cluster's ingest nodes, not its hub nodes
            await self.cluster.start()
        else:
            self.hj212_port = await self.listener.start(self.config.host, self.config.hj212_port)
            await self.units.start()
            if self.mqtt is not None:
                await self.mqtt.start()
        app = web.Application()
        app.router.add_get("/ws", self._ws_handler)
        add_rest_routes(app, self)
        add_incident_routes(app, self)
        add_playback_routes(app, self)
        add_report_routes(app, self)
        add_forecast_routes(app, self)
        add_unit_routes(app, self)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.http_port, ssl_context=context)
        await site.start()
        self.http_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        loops = (self._publish_loop(), self._heartbeat_loop(), self._status_loop())
        for coro in (*loops, self._escalation_loop(), self._rules_loop()):
            self._tasks.append(asyncio.create_task(coro))
        if self.cluster is not None:
            self._tasks.append(asyncio.create_task(self._warnings_loop()))
        epoch = self.events.epoch if self.cluster is None else self.cluster.epoch
        log.info("hub epoch %s: http %d, hj212 %d", epoch, self.http_port, self.hj212_port)

    async def stop(self) -> None:
        """Stop reading, store and answer what came, close loggers and consoles, close storage (once)."""
        if self._stopping:
            return
        self._stopping = True
        if self.cluster is not None:  # no more input; what was taken and not acknowledged comes again
            await self.cluster.stop()
        if self.mqtt is not None:  # first: what it took is stored below with the loggers' uploads
            self.mqtt.pause()
        self.listener.pause_all()
        self.units.pause()
        self._publish()
        if not self.config.bench_bypass:  # what was stored is answered before the loggers are cut
            await asyncio.get_running_loop().run_in_executor(None, self.writer.flush, 10.0)
        if self.mqtt is not None:  # after the acknowledgements of what was stored (queued before)
            await asyncio.sleep(0)
            await self.mqtt.close()
        await self.listener.close()
        await self.units.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._publish()
        for client in list(self.clients):
            await client.close()
        if self._runner is not None:
            await self._runner.cleanup()
        await asyncio.get_running_loop().run_in_executor(None, self.writer.close)
        await asyncio.get_running_loop().run_in_executor(None, self.incidents.close)

    # --- the data path -------------------------------------------------------------------------------------

    def accept(self, readings: list[Reading], uploads: list[Upload] | None = None) -> bool:
        """Readings (loop thread), published by the next batch tick. The ingest passes the same as
        ``uploads`` too, to be stored as they are; other readings are stored one by one.

        Returns True when too much is pending: the listener then pauses that logger until the next tick.
        """
        self._pending += readings
        if uploads is None:
            self._pending_rows += readings
        else:
            self._pending_uploads += uploads
        return len(self._pending) > MAX_PENDING or self.writer.queue_depth > MAX_STORAGE_BACKLOG

    async def _publish_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.batch_s)
            try:
                self._publish()
            except Exception:  # a bug here must not stop the hub's data flow
                log.exception("publishing a batch failed")

    def _publish(self) -> None:
        items, self._pending = self._pending, []
        rows, self._pending_rows = self._pending_rows, []
        uploads, self._pending_uploads = self._pending_uploads, []
        inputs, self._pending_inputs = self._pending_inputs, []
        parts_done = self.listener.parts.take_done()  # their stored parts go with the uploads
        answered = self.listener.end_cycle()
        acks = self.mqtt.end_cycle() if self.mqtt is not None else []
        if self.writer.queue_depth > MAX_STORAGE_BACKLOG:
            self.listener.frames_in_cycle = 0  # storage is behind: the paused loggers stay paused
        else:
            self.listener.resume_all()
        done = False
        try:
            self.units.publish()
            if items:
                self._publish_items(items, rows, uploads, parts_done, inputs)
            elif parts_done and not self.config.bench_bypass:
                self.writer.submit_uploads([], parts_done)
            done = True
        finally:  # the uploads were handed to the writer first thing (see _record)
            if inputs:
                self._inputs_when_stored([ident for ident, _ in inputs], bool(items), done)
            if answered is not None:
                self._answer_when_stored(answered)
            if acks:
                self._ack_when_stored(acks)

    def _answer_when_stored(self, cycle: int) -> None:
        """Loggers' answers go once the uploads handed to the writer until now are committed: a logger
        forgets what it was answered for, so an answer before the commit is data lost in a crash."""
        if self.config.bench_bypass:  # nothing is stored
            self.listener.stored(cycle)
            return
        loop, stored = asyncio.get_running_loop(), self.listener.stored

        def committed(ok: bool) -> None:  # on the writer thread: hand over to the loop
            loop.call_soon_threadsafe(stored, cycle, ok)

        self.writer.notify(committed)

    def _inputs_when_stored(self, inputs: list[str], carried: bool, done: bool) -> None:
        """A cluster leader's input batches are acknowledged once what they carried is committed and the
        event carrying them (if any: ``carried``) is in the stream; a failed cycle lets them come again."""
        cluster = self.cluster
        assert cluster is not None
        if not done:
            cluster.stored(inputs, False)
            return
        cluster.carried(inputs, published=not carried)
        loop = asyncio.get_running_loop()

        def committed(ok: bool) -> None:  # on the writer thread: hand over to the loop
            loop.call_soon_threadsafe(cluster.stored, inputs, ok)

        self.writer.notify(committed)

    def _ack_when_stored(self, acks: list[Any]) -> None:
        """MQTT messages are acknowledged once what they carried is committed: the broker keeps a message
        until then, and sends it again to a hub that died before."""
        mqtt = self.mqtt
        assert mqtt is not None
        if self.config.bench_bypass:
            mqtt.stored(acks, True)
            return
        loop = asyncio.get_running_loop()

        def committed(ok: bool) -> None:  # on the writer thread: hand over to the loop
            loop.call_soon_threadsafe(mqtt.stored, acks, ok)

        self.writer.notify(committed)

    def _publish_items(
        self,
        items: list[Reading],
        rows: list[Reading],
        uploads: list[Upload],
        parts_done: list[Any],
        inputs: list[tuple[str, int]] | None = None,
    ) -> None:
        self._record(items, rows, uploads, parts_done)
        self.metrics.readings_total += len(items)
        self.metrics.readings_rate.add(len(items))
        if self.cluster is not None:
            for start, end, carried in _cut_at_inputs(len(items), inputs or []):
                self._broadcast(self.events.readings(items[start:end]), carried)
        else:
            for start in range(0, len(items), MAX_EVENT_ITEMS):
                self._broadcast(self.events.readings(items[start : start + MAX_EVENT_ITEMS]))
        self.metrics.seq = self.events.seq

    def _record(
        self, items: list[Reading], rows: list[Reading], uploads: list[Upload], parts_done: list[Any]
    ) -> None:
        """Derive AQI, store, update the latest values, the status and the lag (extends ``items``).

        ``rows`` and ``uploads`` are ``items`` as they are to be stored: readings one by one, or uploads;
        ``parts_done``: split uploads whose stored parts are deleted in the transaction of these uploads."""
        if not self.config.bench_bypass:  # the benchmark's transport ceiling leaves storage out
            self.writer.submit_uploads(uploads, parts_done)  # first: the loggers' answers wait on these
        derived = self.deriver.feed(items)
        items += derived
        if not self.config.bench_bypass:
            rows += derived
            self.writer.submit(rows)
            clock = self.status.clock  # the network's data time before this batch
            if clock:  # re-sent after an outage: consoles that were away fetch these by arrival
                self._record_late(clock, clock - LATE_S, rows, uploads)
        self._findings(self.rules.feed, items)
        latest = self.latest
        for r in items:
            key = (r.station, r.factor)
            old = latest.get(key)
            if old is None or r.ts >= old.ts:
                latest[key] = r
        self.status.observe(items)
        self.metrics.lag_seconds = max(0.0, time.time() - max(r.ts for r in items))

    def _record_late(self, clock: float, before: float, rows: list[Reading], uploads: list[Upload]) -> None:
        late = [r for r in rows if r.ts < before]
        for station, ts, values in uploads:
            if ts < before:
                late += [Reading(station, factor, ts, *value) for factor, value in values.items()]
        if late:
            self.writer.submit_late(clock, late)

    def _broadcast(self, data: bytes, inputs: tuple[str, ...] = ()) -> None:
        """An event the data path made: to the consoles, or in a cluster to the event stream (the leader's;
        a node that does not lead makes none, and one it made while stepping down goes nowhere)."""
        if self.cluster is not None:
            self.cluster.emit(self.events.seq, data, inputs)
            return
        if self._snapshot is not None and self._snapshot[0][1] != self.events.seq:
            self._snapshot = (
                None  # an event moved seq: the old snapshot's bytes go now, not at the next hello
            )
        self.push(data)

    def push(self, data: bytes) -> None:
        """Encoded bytes to every console."""
        for client in list(self.clients):
            if not client.push(data):
                self.metrics.clients_dropped_slow += 1

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_s)
            self.push(self.events.heartbeat() if self.cluster is None else self.cluster.heartbeat())

    @property
    def position(self) -> tuple[str, int]:
        """(epoch, seq) of the last event this hub sent its consoles."""
        if self.cluster is None:
            return self.events.epoch, self.events.seq
        return self.cluster.state.epoch, self.cluster.state.seq

    @property
    def producing(self) -> bool:
        """Whether this hub makes events: always alone, only while leading in a cluster."""
        return self.cluster is None or self.cluster.leading

    async def _status_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            if not self.producing:
                continue
            for entry in self.status.check():
                self.writer.submit_status(entry.station, entry.status.value, entry.since, entry.reason)
                self._broadcast(self.events.station(entry))
                self._findings(self.rules.status, entry)
            derived = self.deriver.tick(self.status.clock)
            if derived:
                self.accept(derived)

    async def _warnings_loop(self) -> None:
        """A cluster's leader publishes the warning steps made at any node (REST commands at a node that
        does not lead are stored, not published there), as the hourly check does for every step."""
        while True:
            await asyncio.sleep(WARNINGS_SYNC_S)
            if not self.producing:
                continue
            try:
                self.warnings.sync(await asyncio.to_thread(self.warnings.rows))
            except Exception:
                log.exception("reading the warnings failed")

    def _publish_incident(self, incident: Incident, audit: AuditEntry) -> None:
        self._broadcast(self.events.incident(incident, audit))
        self.metrics.seq = self.events.seq

    async def _rules_loop(self) -> None:
        """Time-based rules (offline duration, neighbours, clears) on the network's data clock."""
        while True:
            await asyncio.sleep(self.config.rules_tick_s)
            if self.status.clock > 0 and self.producing:
                self._findings(self.rules.tick, self.status.clock)

    def _findings(self, rule_step: Callable[[Any], list[Any]], arg: Any) -> None:
        """Run one step of the rules and turn its findings into incidents; a rule bug is logged, and the
        readings and states still flow."""
        try:
            findings = rule_step(arg)
        except Exception:
            log.exception("alarm rules failed on %s", type(arg).__name__)
            return
        if findings:
            self.incidents.on_findings(findings)

    async def _escalation_loop(self) -> None:
        housekeeping = time.monotonic() + 3600
        while True:
            await asyncio.sleep(self.config.escalate_s)
            if not self.producing:
                continue
            try:
                if time.monotonic() > housekeeping:
                    housekeeping = time.monotonic() + 3600
                    self.incidents.forget_old()
                for incident in self.incidents.escalate_overdue():
                    log.info(
                        "incident %s escalated to %s (%s)", incident.id, incident.level, incident.responsible
                    )
            except Exception:
                log.exception("escalating overdue incidents failed")

    def snapshot(self) -> bytes:
        """The whole live state as one encoded message, consistent with the current seq.

        Every hello at one sequence number shares the same bytes: encoding it anew for each (with every
        open incident) let a burst of hellos hold one copy per console in memory."""
        key = (self.events.epoch, self.events.seq)
        if self._snapshot is not None and self._snapshot[0] == key:
            return self._snapshot[1]
        self._snapshot = None  # the old bytes go before the new ones are built
        data = self._encode_snapshot()
        self._snapshot = (key, data)
        self.metrics.snapshots_encoded += 1
        return data

    def _encode_snapshot(self) -> bytes:
        return protocol.encode(self.initial_state())

    def initial_state(self) -> protocol.Snapshot:
        """The whole live state as this hub holds it (a cluster node starts from it without a saved one)."""
        return protocol.Snapshot(
            epoch=self.events.epoch,
            seq=self.events.seq,
            stations=self.registry.stations,
            latest=list(self.latest.values()),
            status=self.status.entries(),
            incidents=self.incidents.current(),
            units=self.units.states(),
            warnings=self.warnings.states(),
        )

    # --- a hub node of a cluster (console/hub/cluster/node.py calls these) ---------------------------------

    @property
    def stations(self) -> list[Station]:
        return self.registry.stations

    @property
    def engine(self) -> sa.Engine:
        return self.storage.engine

    async def take_lead(self, epoch: str, seq: int) -> None:
        """Become the cluster's leader: the data path starts again from what the database holds (the
        previous leader's committed work) and the events go on from the stream's last ``seq``. The reads
        run off the loop (the node goes on serving its consoles meanwhile); no command is applied here
        until the node leads, so the incidents may be read again in place."""
        self.step_down()
        latest = await asyncio.to_thread(self.storage.latest)
        unit_states = await asyncio.to_thread(self.storage.unit_states)
        await asyncio.to_thread(self.incidents.reload)
        warnings = WarningFeed(self.storage.engine, self.events, self._broadcast, self.config.tz_hours)
        await asyncio.to_thread(warnings.load)
        self.events.restart(epoch, seq)
        self.latest = {(r.station, r.factor): r for r in latest}
        self.status = StatusMonitor(self.registry.stations)
        self.status.resume_from(self.latest.values())
        stations = {s.id: s for s in self.registry.stations}
        self.deriver = AqiDeriver(stations, tz_hours=int(self.config.tz_hours))
        self.rules = RuleEngine(self.registry.stations, self.config.tz_hours)
        self.units.tracker.restore(unit_states)
        self.warnings = warnings
        self._resume_episodes()

    def step_down(self) -> None:
        """No longer the leader: what was taken and not published is dropped (it comes to the next)."""
        self._pending, self._pending_rows, self._pending_uploads, self._pending_inputs = [], [], [], []

    def accept_input(self, ident: str, batch: IngestBatch) -> None:
        """An ingest node's batch into the data path (the leader's): readings published and stored as they
        came (readings of an upload are stored with their upload), unit reports to the units."""
        covered = {(station, ts) for station, ts, _ in batch.uploads}
        self._pending += batch.readings
        self._pending_rows += [r for r in batch.readings if (r.station, r.ts) not in covered]
        self._pending_uploads += batch.uploads
        self._pending_inputs.append((ident, len(self._pending)))
        self.units.accept_fixes(batch.fixes, batch.units)

    def store_again(self, batch: IngestBatch, done: Callable[[bool], None]) -> None:
        """A batch whose event is already in the stream: stored again (the writes are upserts), not
        published; ``done`` once committed (on the writer's thread)."""
        covered = {(station, ts) for station, ts, _ in batch.uploads}
        self.writer.submit_uploads(batch.uploads, [])
        self.writer.submit([r for r in batch.readings if (r.station, r.ts) not in covered])
        self.writer.notify(done)

    def input_backlogged(self) -> bool:
        """Enough waits for the next cycle (one event's worth), or for the database."""
        return len(self._pending) >= MAX_EVENT_ITEMS or self.writer.queue_depth > MAX_STORAGE_BACKLOG

    def followed(self, message: protocol.HubMessage) -> None:
        """An event from the stream at a node that does not lead: its REST answers from memory (incidents,
        latest values) stay current."""
        if isinstance(message, protocol.IncidentEvent):
            self.incidents.incidents[message.incident.id] = message.incident
        elif isinstance(message, protocol.Readings):
            latest = self.latest
            for r in message.items:
                old = latest.get((r.station, r.factor))
                if old is None or r.ts >= old.ts:
                    latest[(r.station, r.factor)] = r

    # --- consoles ------------------------------------------------------------------------------------------

    async def _ws_handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(
            heartbeat=self.config.heartbeat_s * 2, max_msg_size=protocol.MAX_MESSAGE_BYTES
        )
        await ws.prepare(request)
        address = request.remote or "?"
        if self._over_console_cap(address):
            self.metrics.consoles_refused += 1
            await _send_error(ws, "too_many", "too many console connections; try again later")
            await ws.close()
            return ws
        self._sockets_by_address[address] += 1
        try:
            return await self._serve_socket(ws, request)
        finally:
            self._sockets_by_address[address] -= 1
            if self._sockets_by_address[address] <= 0:
                del self._sockets_by_address[address]

    def _over_console_cap(self, address: str) -> bool:
        """A cap on /ws connections in all and per address (a connection waiting for its hello counts: the
        hello has 10 s, and the websocket heartbeat closes a silent console after two heartbeats)."""
        total = sum(self._sockets_by_address.values())
        return (
            total >= self.config.max_consoles
            or self._sockets_by_address[address] >= self.config.max_consoles_per_address
        )

    async def _serve_socket(self, ws: web.WebSocketResponse, request: web.Request) -> web.WebSocketResponse:
        received = await self._receive_hello(ws)
        if received is None:
            await ws.close()
            return ws
        hello, session = received
        client = ClientSession(ws, self.config.client_queue, printable(hello.client) or request.remote or "?")
        client.token = hello.token
        replay, (epoch, seq) = await self._replay(hello.resume)  # nothing awaits from here on: no event
        welcome = protocol.Welcome(  # comes between the replay and the console's joining
            epoch=epoch,
            seq=seq,
            role=str(session.role),
            heartbeat_s=self.config.heartbeat_s,
            resumed=replay is not None,
        )
        client.push(protocol.encode(welcome))
        for data in replay if replay is not None else [self._snapshot_now()]:
            client.push(data)
        self.clients.add(client)
        self.metrics.consoles_connected = len(self.clients)
        log.info("console %s connected (%s)", client.name, "resumed" if replay is not None else "snapshot")
        try:
            await self._serve(client)
        finally:
            self.clients.discard(client)
            self.metrics.consoles_connected = len(self.clients)
            await client.close()
        return ws

    async def _replay(self, resume: protocol.Resume | None) -> tuple[list[bytes] | None, tuple[str, int]]:
        """The events a resuming console missed (None: it gets a snapshot) and the position they reach."""
        cluster = self.cluster
        if cluster is None:
            replay = self.events.since(resume.epoch, resume.seq) if resume else None
            return replay, (self.events.epoch, self.events.seq)
        replay = await cluster.replay(resume.epoch, resume.seq) if resume else None
        return replay, (cluster.state.epoch, cluster.state.seq)

    def _snapshot_now(self) -> bytes:
        return self.snapshot() if self.cluster is None else self.cluster.state.snapshot()

    async def _receive_hello(self, ws: web.WebSocketResponse) -> tuple[protocol.Hello, Session] | None:
        try:
            msg = await ws.receive(timeout=10)
        except TimeoutError:
            return None
        if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            return None
        try:
            hello = protocol.decode_client(msg.data)
        except protocol.ProtocolError as exc:
            await _send_error(ws, "bad_message", str(exc))
            return None
        if not isinstance(hello, protocol.Hello):
            await _send_error(ws, "hello_expected", "the first message must be hello")
            return None
        if hello.protocol != protocol.PROTOCOL_VERSION:
            await _send_error(ws, "protocol", f"protocol {hello.protocol} unsupported; hub speaks 1")
            return None
        session = self.sessions.resolve(hello.token)
        if session is None:
            log.warning("console refused: wrong token")
            await _send_error(ws, "unauthorized", "wrong token (or an expired login)")
            return None
        return hello, session

    async def _serve(self, client: ClientSession) -> None:
        async for msg in client.ws:
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                continue
            try:
                message = protocol.decode_client(msg.data)
            except protocol.ProtocolError as exc:
                client.push(protocol.encode(protocol.Error(code="bad_message", message=str(exc))))
                continue
            if isinstance(message, protocol.Command):
                client.push(protocol.encode(await self._command(client, message)))
            else:
                error = protocol.Error(code="bad_message", message="hello was already received")
                client.push(protocol.encode(error))

    async def _command(self, client: ClientSession, command: protocol.Command) -> protocol.Ack:
        session: Session | None = self.sessions.resolve(client.token)
        if session is None:
            error = "forbidden: the session has expired; log in again"
            return protocol.Ack(id=command.id, ok=False, error=error, target=command.target)
        if command.action == "report" and self.incidents.answered(command.id) is None:  # resends are free
            wait = self.reports.take(session.user)
            if wait > 0:
                error = (
                    f"too_many: reports are limited to {self.config.reports_per_hour:g} an hour per user; "
                )
                return protocol.Ack(id=command.id, ok=False, error=error + f"retry in {math.ceil(wait)} s")
        if self.cluster is not None and not self.cluster.leading:
            return await self.cluster.forward(session.user, str(session.role), command)
        return await self.apply_command(session.user, str(session.role), command)

    async def apply_command(self, user: str, role: str, command: protocol.Command) -> protocol.Ack:
        """Apply a command here (alone, or as a cluster's leader for a console at any node)."""
        try:
            if command.action in UNIT_ACTIONS:
                return await self.units.command(user, role, command)
            return await self.incidents.run(user, role, command)
        except Exception:  # a bug in one command must not end the console's connection
            log.exception("command %s failed", command.id)
            return protocol.Ack(id=command.id, ok=False, error="internal: the hub could not apply it")


def _cut_at_inputs(count: int, inputs: list[tuple[str, int]]) -> list[tuple[int, int, tuple[str, ...]]]:
    """A cluster leader's readings events of one cycle: (start, end, input ids) slices of its ``count``
    items. Events are cut only between input batches (an event names the batches it carries whole, so a
    batch is in one event or in none) and hold about MAX_EVENT_ITEMS; what follows the last batch (derived
    readings) goes with the last event."""
    events: list[tuple[int, int, tuple[str, ...]]] = []
    start = cut = 0
    carried: list[str] = []
    for ident, end in inputs:
        if carried and end - start > MAX_EVENT_ITEMS:
            events.append((start, cut, tuple(carried)))
            start, carried = cut, []
        carried.append(ident)
        cut = end
    if count > start or carried:
        events.append((start, count, tuple(carried)))
    return events


def _tls_context(config: HubConfig) -> ssl.SSLContext | None:
    """The server's TLS context, None without TLS; TLSError when only one of the pair is given."""
    if config.tls_cert is None and config.tls_key is None:
        return None
    if config.tls_cert is None or config.tls_key is None:
        raise TLSError("TLS needs both --tls-cert and --tls-key")
    return server_context(config.tls_cert, config.tls_key)


def _folder_bytes(folder: Path | None) -> int:
    """Bytes of the files in a folder (0 when there is none)."""
    if folder is None or not folder.is_dir():
        return 0
    return sum(entry.stat().st_size for entry in folder.iterdir() if entry.is_file())


async def _send_error(ws: web.WebSocketResponse, code: str, message: str) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.send_str(protocol.encode(protocol.Error(code=code, message=message)).decode())


class ClientSession:
    """One console: a bounded queue of encoded messages and the task that sends them in order."""

    def __init__(self, ws: web.WebSocketResponse, limit: int, name: str) -> None:
        self.ws = ws
        self.name = name
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(limit)
        self._sender = asyncio.create_task(self._send_loop())
        self.dropped = False
        self.token = ""
        self._closing: asyncio.Future[bool] | None = None

    def push(self, data: bytes) -> bool:
        """Queue a message; False (and the console is cut) when it cannot keep up."""
        if self.dropped:
            return True
        try:
            self._queue.put_nowait(data)
        except asyncio.QueueFull:
            self.dropped = True
            log.warning("console %s cut: %d events behind", self.name, self._queue.qsize())
            self._sender.cancel()
            self._closing = asyncio.ensure_future(self.ws.close(code=1013, message=b"too slow, resume later"))
            return False
        return True

    async def _send_loop(self) -> None:
        ws, queue = self.ws, self._queue
        with contextlib.suppress(ConnectionError, RuntimeError):
            while (data := await queue.get()) is not None:
                await ws.send_frame(data, WSMsgType.TEXT)

    async def close(self) -> None:
        """Send what is queued (for up to 2 s), then close the socket."""
        if not self._sender.done():
            if self._queue.full():
                self._sender.cancel()
            else:
                self._queue.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._sender, 2)
        await self.ws.close()
