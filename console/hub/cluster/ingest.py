"""Ingest node: the hub's device listeners in front of the cluster's input stream.

``python -m console.hub.cluster.ingest --nats nats://127.0.0.1:4222 --stream ECO --site DIR --node NAME
--host H --hj212-port P [--jt808-port P] [--osmand-port P] [--mqtt mqtt://...] [--data DIR]``

The node runs the single hub's listeners (HJ 212 loggers, MQTT sensors, JT/T 808 terminals, OsmAnd
phones) with the site's registry, and every cycle (``--batch-ms``, 20 ms) publishes what they accepted as
one :class:`~console.hub.cluster.wire.IngestBatch` to ``<stream>.in`` with the message id ``<node>:<batch>``.
A device is answered (a logger's data answer, an MQTT PUBACK, a terminal's 0x8001, a phone's 200) only
once JetStream has acknowledged the batch holding what it sent: what a device was answered for is in the
stream, where the leading hub node takes it. A publication that fails (NATS away, no stream) is tried
again with the same message id, waiting longer each time, while the listeners stop reading (TCP pushes
back on the devices); nothing accepted is dropped and nothing is answered for it until it is in.

Several nodes may run behind any TCP load balancer: their names keep their message ids apart. Parts of
split uploads wait in the node's own file (console/hub/cluster/ingest_file.py), so a restart loses no part
that was answered. JT/T 808 auth codes are in that file and in the cluster's bucket ``<stream>_AUTH``
(console/hub/cluster/ingest_codes.py): a terminal authenticates at any node with the code it was given.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import signal
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from console.core.models import Reading, Upload
from console.core.units import Fix, UnitInfo
from console.hub.cluster.ingest_codes import SharedCodes
from console.hub.cluster.ingest_file import NodeFile
from console.hub.cluster.streams import ensure_input_stream, input_stream
from console.hub.cluster.wire import IngestBatch, encode_batch, input_subject, message_id
from console.hub.ingest import HJ212Listener
from console.hub.ingest_parts import SplitParts
from console.hub.metrics import Metrics
from console.hub.mqtt import Broker, MqttIngest, client_id
from console.hub.registry import Registry

if TYPE_CHECKING:
    from nats.aio.client import Client as NATS
    from nats.js import JetStreamContext

    from console.hub.cluster.ingest_units import NodeUnits

log = logging.getLogger("console.hub.cluster.ingest")

MAX_PENDING = 100_000  # readings accepted and not yet published before the listeners stop reading
RETRY_S = (0.1, 5.0)  # first and longest wait before publishing a batch again
PAYLOAD_MARGIN = 4096  # bytes of a NATS message left for headers under the server's max_payload
NODE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@dataclass
class NodeConfig:
    """Settings of one ingest node (see ``python -m console.hub.cluster.ingest --help``)."""

    nats_url: str
    stream: str
    node: str
    data_dir: Path
    host: str = "127.0.0.1"
    hj212_port: int = 0
    jt808_port: int | None = None  # None: no JT/T 808 listener
    osmand_port: int | None = None  # None: no OsmAnd listener
    accept_unknown_units: bool = False
    mqtt_url: str = ""
    mqtt_prefix: str = "eco"
    mqtt_share: str = ""  # shared subscription group of the nodes taking MQTT ("": every node takes all)
    batch_s: float = 0.02
    tz_hours: float = 8.0
    max_segment: int = 9999
    publish_timeout_s: float = 5.0  # a publication without JetStream's acknowledgement this long is retried
    metrics_s: float = 60.0  # a log line of figures this often
    stop_s: float = 10.0  # how long stopping tries to publish what was accepted
    site_key: str = ""


class _GivenUp(Exception):
    """The node is stopping and what is left could not be published in time: it is not answered."""


class IngestNode:
    """The listeners, the cycle that publishes their batches, and the answers that wait on JetStream."""

    def __init__(self, config: NodeConfig, registry: Registry, units: Iterable[UnitInfo] = ()) -> None:
        if not NODE_NAME.fullmatch(config.node):
            raise ValueError(f"node name {config.node!r}: 1 to 64 of letters, digits, '_', '.', '-'")
        self.config = config
        self.metrics = Metrics()
        self.file = NodeFile(config.data_dir / f"ingest-{config.node}.db")
        parts = SplitParts(self.file.keep, self.file.rows("hj212"), max_segment=config.max_segment)
        if parts.taken_up:
            log.info("split uploads: %d stored parts wait for the rest", parts.taken_up)
        self.listener = HJ212Listener(
            registry, self.accept, self.metrics, tz_hours=config.tz_hours, max_segment=config.max_segment,
            parts=parts,
        )  # fmt: skip
        self.mqtt: MqttIngest | None = None
        if config.mqtt_url:
            where = f"ingest:{config.stream}:{config.node}"  # a persistent session of this node's own
            identifier = client_id(config.site_key, where, config.mqtt_prefix)
            self.mqtt = MqttIngest(
                Broker.from_url(config.mqtt_url, config.mqtt_prefix), registry, self.accept, identifier,
                share=config.mqtt_share,
            )  # fmt: skip
        self.units: NodeUnits | None = None
        self.codes = SharedCodes() if config.jt808_port is not None else None
        if config.jt808_port is not None or config.osmand_port is not None:
            from console.hub.cluster.ingest_units import NodeUnits

            self.units = NodeUnits(
                units, self.file, config.accept_unknown_units, lambda: self.backlogged, self.codes
            )
        self.nc: NATS | None = None
        self.js: JetStreamContext | None = None
        self.hj212_port = self.jt808_port = self.osmand_port = 0
        self._readings: list[Reading] = []
        self._uploads: list[Upload] = []
        self._lock = asyncio.Lock()  # one cycle at a time (the loop's, or the last one when stopping)
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._stop_deadline = 0.0
        self.backlogged = False  # a publication is failing: the listeners stop reading
        # figures (readings, and for fixes the same)
        self.accepted = self.published = 0
        self.fixes_published = 0
        self.batches = self.publish_failures = 0
        self.publish_s = 0.0  # time spent publishing, acknowledgements awaited included
        self._last_failure_log = 0.0

    # --- start and stop ------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect to NATS (waiting for it), make the input stream when missing, then open the listeners."""
        self.nc = await _connect(self.config.nats_url, lambda: self._stopping)
        self.js = self.nc.jetstream()
        await ensure_input_stream(self.js, self.config.stream)
        if self.codes is not None and self.units is not None:
            await self.codes.open(self.js, self.config.stream, self.units.tracker.known_codes())
        self.hj212_port = await self.listener.start(self.config.host, self.config.hj212_port)
        if self.units is not None:
            self.jt808_port, self.osmand_port = await self.units.start(
                self.config.host, self.config.jt808_port, self.config.osmand_port
            )
        if self.mqtt is not None:
            await self.mqtt.start()
        self._tasks = [asyncio.create_task(self._cycle_loop()), asyncio.create_task(self._metrics_loop())]
        log.info(
            "ingest node %s: hj212 %d, publishing to %s (stream %s)",
            self.config.node, self.hj212_port, input_subject(self.config.stream),
            input_stream(self.config.stream),
        )  # fmt: skip

    async def stop(self) -> None:
        """Stop reading, publish and answer what was accepted (for up to ``stop_s``), then close."""
        if self._stopping:
            return
        self._stopping, self._stop_deadline = True, time.monotonic() + self.config.stop_s
        if self.mqtt is not None:
            self.mqtt.pause()
        self.listener.pause_all()
        if self.units is not None:
            self.units.pause()
        async with self._lock:
            await self.cycle()
        if self.mqtt is not None:
            await asyncio.sleep(0)  # the PUBACKs queued by the last cycle go out before the connection
            await self.mqtt.close()
        await self.listener.close()
        if self.units is not None:
            await self.units.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.file.commit()
        self.file.close()
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await self.nc.drain()
        self._log_figures()

    # --- the data path -------------------------------------------------------------------------------------

    def accept(self, readings: list[Reading], uploads: list[Upload]) -> bool:
        """What a listener accepted (loop thread), published by the next cycle; True when the listener
        should stop reading from that device until then (a publication is failing, or too much waits)."""
        self._readings += readings
        self._uploads += uploads
        self.accepted += len(readings)
        return self.backlogged or len(self._readings) > MAX_PENDING

    @property
    def pending(self) -> int:
        """Readings and fixes accepted and not yet published."""
        fixes = self.units.pending if self.units is not None else 0
        return len(self._readings) + fixes

    async def _cycle_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.batch_s)
            if self._stopping:
                return
            try:
                async with self._lock:
                    await self.cycle()
            except Exception:  # a bug here must not stop the node's data flow
                log.exception("an ingest cycle failed")

    async def cycle(self) -> None:
        """One cycle: the parts answered in it into the file, what was accepted into the stream, then the
        answers that waited on both; the listeners read again once it is in."""
        readings, self._readings = self._readings, []
        uploads, self._uploads = self._uploads, []
        parts_done = self.listener.parts.take_done()  # their whole uploads are in ``uploads``
        answered = self.listener.end_cycle()
        acks = self.mqtt.end_cycle() if self.mqtt is not None else []
        fixes, unit_cycle = self.units.end_cycle() if self.units is not None else ([], None)
        codes = self.units.take_codes() if self.units is not None else {}
        ok = True
        try:
            await self.file.commit()  # the parts answered in this cycle, the auth codes given in it
            if codes:
                await self._share_codes(codes)
            if readings or uploads or fixes:
                began = time.monotonic()
                limit = (self.nc.max_payload if self.nc is not None else 1 << 20) - PAYLOAD_MARGIN
                for batch, data in self._batches(readings, uploads, fixes, limit):
                    await self._publish(batch, data)
                self.publish_s += time.monotonic() - began
                self.published += len(readings)
                self.fixes_published += len(fixes)
        except _GivenUp:
            ok = False
            lost = (
                "stopping: %d readings and %d fixes not published: not answered, the devices send them again"
            )
            log.warning(lost, len(readings), len(fixes))
        except BaseException:  # the file could not be written, or a bug: nothing of the cycle is answered
            ok = False
            raise
        finally:
            if ok:
                self.file.forget(parts_done)
            if answered is not None:
                self.listener.stored(answered, ok)
            if self.mqtt is not None and acks:
                self.mqtt.stored(acks, ok)
            if self.units is not None and unit_cycle is not None:
                self.units.stored(unit_cycle, ok)
        if not self.backlogged:
            self.listener.resume_all()
            if self.units is not None:
                self.units.resume_all()

    def _batches(
        self, readings: list[Reading], uploads: list[Upload], fixes: list[Fix], limit: int
    ) -> list[tuple[IngestBatch, bytes]]:
        """What a cycle accepted as batches, each encoded in at most ``limit`` bytes (cut in halves until
        it fits; a number given to a batch that was cut is not used again), numbered in their order."""
        batch = IngestBatch(
            node=self.config.node,
            batch=self.file.next_batch(),
            readings=readings,
            uploads=uploads,
            fixes=fixes,
            units=self.units.learnt(fixes) if self.units is not None and fixes else [],
        )
        data = encode_batch(batch)
        if len(data) <= limit or len(readings) + len(uploads) + len(fixes) <= 1:
            return [(batch, data)]
        r, u, f = len(readings) // 2, len(uploads) // 2, len(fixes) // 2
        first = self._batches(readings[:r], uploads[:u], fixes[:f], limit)
        return first + self._batches(readings[r:], uploads[u:], fixes[f:], limit)

    async def _publish(self, batch: IngestBatch, data: bytes) -> None:
        """Publish until JetStream acknowledges (a re-send keeps the message id: stored once); raises
        ``_GivenUp`` when the node is stopping and its time to do so is over."""
        assert self.js is not None
        headers = {"Nats-Msg-Id": message_id(batch)}
        subject, stream = input_subject(self.config.stream), input_stream(self.config.stream)
        wait = RETRY_S[0]
        import nats.errors
        import nats.js.errors

        tries = 0
        while True:
            try:
                await self.js.publish(
                    subject, data, timeout=self.config.publish_timeout_s, stream=stream, headers=dict(headers)
                )
                break
            except (nats.errors.Error, TimeoutError, OSError) as exc:
                tries += 1
                self.publish_failures += 1
                self.backlogged = True
                self._failure(batch, exc)
                if self._stopping and time.monotonic() + wait > self._stop_deadline:
                    raise _GivenUp from None
                await asyncio.sleep(wait)
                wait = min(wait * 2, RETRY_S[1])
                if isinstance(exc, nats.js.errors.NoStreamResponseError):
                    with contextlib.suppress(nats.errors.Error, TimeoutError):
                        await ensure_input_stream(self.js, self.config.stream)  # deleted under us
        self.batches += 1
        if tries:
            log.info("batch %s published after %d failed tries; reading again", message_id(batch), tries)
            self.backlogged = False

    async def _share_codes(self, codes: dict[str, str]) -> None:
        """Put auth codes given in this cycle in the cluster's bucket, trying until it takes them (their
        registrations are answered after); raises ``_GivenUp`` as ``_publish`` does."""
        import nats.errors

        from console.hub.cluster.ingest_codes import CodesUnavailable

        assert self.codes is not None and self.units is not None
        wait, tries = RETRY_S[0], 0
        while True:
            try:
                await self.codes.put(codes)
                break
            except (nats.errors.Error, TimeoutError, OSError, CodesUnavailable) as exc:
                tries += 1
                self.backlogged = True
                now = time.monotonic()
                if now - self._last_failure_log >= 10.0:
                    self._last_failure_log = now
                    log.warning(
                        "%d JT/T 808 auth codes not stored in the cluster's bucket (%s): retrying; their "
                        "registrations wait, reading paused", len(codes), str(exc) or type(exc).__name__,
                    )  # fmt: skip
                if self._stopping and time.monotonic() + wait > self._stop_deadline:
                    raise _GivenUp from None
                await asyncio.sleep(wait)
                wait = min(wait * 2, RETRY_S[1])
        self.units.shared(codes)
        if tries:
            log.info("%d JT/T 808 auth codes stored after %d failed tries; reading again", len(codes), tries)
            self.backlogged = False

    def _failure(self, batch: IngestBatch, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._last_failure_log >= 10.0:
            self._last_failure_log = now
            why = str(exc) or type(exc).__name__
            log.warning(
                "batch %s not acknowledged by JetStream (%s): retrying; reading paused, %d readings pending",
                message_id(batch), why, self.pending + len(batch.readings),
            )  # fmt: skip

    # --- figures -------------------------------------------------------------------------------------------

    async def _metrics_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.metrics_s)
            self._log_figures()

    def _log_figures(self) -> None:
        m = self.metrics
        rejected = sum(m.frames_rejected.values())
        mqtt = f", mqtt {self.mqtt.messages} taken {self.mqtt.rejected} refused" if self.mqtt else ""
        if self.units is not None:
            refused = sum(self.units.frames_rejected.values())
            mqtt += f", unit reports {self.units.tracker.reports} taken {refused} refused"
        log.info(
            "ingest node %s: readings accepted %d, published %d, pending %d; fixes published %d; batches %d, "
            "publish failures %d, publishing took %.1f s; loggers %d, frames %d accepted %d rejected, "
            "answers waiting %d%s",
            self.config.node, self.accepted, self.published, self.pending, self.fixes_published, self.batches,
            self.publish_failures, self.publish_s, m.loggers_connected, m.frames_accepted, rejected,
            m.answers_pending, mqtt,
        )  # fmt: skip


async def _connect(url: str, stopping: Callable[[], bool]) -> NATS:
    """A NATS connection that reconnects by itself; waits (and says so) until the server answers."""
    import nats
    import nats.errors

    async def error(exc: Exception) -> None:
        log.warning("NATS: %s", exc)

    async def disconnected() -> None:
        if not stopping():
            log.warning("NATS: disconnected from %s; reconnecting", url)

    async def reconnected() -> None:
        log.info("NATS: reconnected to %s", url)

    wait = RETRY_S[0]
    while True:
        try:
            return await nats.connect(
                url, name="eco-ingest", max_reconnect_attempts=-1, reconnect_time_wait=1,
                error_cb=error, disconnected_cb=disconnected, reconnected_cb=reconnected,
            )  # fmt: skip
        except (nats.errors.Error, OSError) as exc:
            log.warning("NATS at %s not reachable (%s); trying again", url, exc or type(exc).__name__)
            await asyncio.sleep(wait)
            wait = min(wait * 2, RETRY_S[1])


# --- command line ------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m console.hub.cluster.ingest",
        description="Ingest node of the scale-out hub: takes data loggers (HJ 212), MQTT sensors, JT/T 808 "
        "terminals and OsmAnd phones like the hub does, and publishes what it accepts to the cluster's "
        "NATS JetStream input stream (<stream>.in); devices are answered once JetStream has it. "
        "See docs/deployment.md, 'Ingest nodes'.",
    )
    p.add_argument("--nats", default="nats://127.0.0.1:4222", help="NATS server URL (default %(default)s)")
    p.add_argument("--stream", default="ECO", help="the cluster's stream name: publishes to <STREAM>.in")
    p.add_argument("--site", type=Path, required=True, help="site directory (stations.csv: MN and PW)")
    p.add_argument("--node", required=True, help="this node's name, unique in the cluster (message ids)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--hj212-port", type=int, default=9212, help="HJ 212 TCP port for loggers; 0 = free")
    p.add_argument("--jt808-port", type=int, help="JT/T 808 TCP port for terminals (off unless given)")
    p.add_argument("--osmand-port", type=int, help="OsmAnd HTTP port for phones (off unless given)")
    p.add_argument(
        "--accept-unknown-units", action="store_true", help="take terminals and phones missing from units.csv"
    )
    p.add_argument("--mqtt", metavar="URL", help="take sensors' readings from this broker (mqtt://host:1883)")
    p.add_argument("--mqtt-prefix", default="eco", help="first level(s) of the topics (default eco)")
    p.add_argument(
        "--mqtt-share",
        default="",
        metavar="GROUP",
        help="subscribe as member GROUP of a shared subscription: with several nodes on one broker, give "
        "them all the same group so that each message goes to one node (default: every node takes all)",
    )
    p.add_argument("--data", type=Path, help="where the node keeps its file (default data/ingest-NODE)")
    p.add_argument("--batch-ms", type=float, default=20, help="publish every N ms (default 20)")
    p.add_argument("--strict-length", action="store_true", help="reject data segments over 1,024 bytes")
    p.add_argument("--metrics-every", type=float, default=60, help="log the figures every N s (default 60)")
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING ...")
    return p.parse_args(argv)


def build(args: argparse.Namespace) -> IngestNode:
    """The node of a command line; SystemExit with the reason when the site or a setting is wrong."""
    from console.hub import site as site_module

    if not args.site.is_dir():
        raise SystemExit(f"no site directory at {args.site} (--site: the hub's site, with stations.csv)")
    try:
        site = site_module.load_site(args.site)
    except site_module.SiteError as exc:
        raise SystemExit(f"the site in {args.site} is not valid:\n{exc}") from None
    if not site.stations:
        log.warning("site %s has no stations: every logger will be refused", args.site)
    config = NodeConfig(
        nats_url=args.nats,
        stream=args.stream,
        node=args.node,
        data_dir=args.data if args.data is not None else Path("data") / f"ingest-{args.node}",
        host=args.host,
        hj212_port=args.hj212_port,
        jt808_port=args.jt808_port,
        osmand_port=args.osmand_port,
        accept_unknown_units=args.accept_unknown_units,
        mqtt_url=args.mqtt or "",
        mqtt_prefix=args.mqtt_prefix,
        mqtt_share=args.mqtt_share,
        batch_s=args.batch_ms / 1000,
        tz_hours=site.tz_hours,
        max_segment=1024 if args.strict_length else 9999,
        metrics_s=args.metrics_every,
        site_key=site.key,
    )
    try:
        return IngestNode(config, Registry(site.stations), site.units)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


async def run(args: argparse.Namespace) -> None:
    node = build(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    starting, stopping = asyncio.create_task(node.start()), asyncio.create_task(stop.wait())
    await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():  # asked to stop while waiting for NATS
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
    elif (failed := starting.exception()) is not None:
        stopping.cancel()
        await node.stop()
        if isinstance(failed, OSError):  # a port taken, an address not of this machine
            raise SystemExit(f"the ingest node cannot listen: {failed}")
        raise failed
    else:
        units = f" jt808={node.jt808_port}" if node.jt808_port else ""
        units += f" osmand={node.osmand_port}" if node.osmand_port else ""
        print(f"READY node={args.node} hj212={node.hj212_port}{units}", flush=True)
        await stopping
    log.info("stopping")
    await node.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    form = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=args.log_level.upper(), format=form)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
