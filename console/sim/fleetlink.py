"""The simulated fleet on the wire: JT/T 808 terminals over TCP and OsmAnd phones over HTTP.

Each JT/T 808 unit holds its own TCP connection: it registers (0x0100) once and keeps the auth code from
the hub's 0x8100, authenticates (0x0102) on every connection, then sends 0x0200 locations and 0x0002
heartbeats. Out of coverage it loses its connection and stores its fixes; back in coverage it reconnects,
authenticates with the kept code and uploads the stored fixes as 0x0704 back-fill batches, oldest first.
Phones send Traccar Client's query form (POST, speed in knots) or its JSON form (speed in m/s); out of
coverage they buffer and then send the buffered fixes late, oldest first, each with its own time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp

from console.core import jt808
from console.core.units import UnitSource
from console.sim.fleet import Fleet, SimUnit
from console.sim.simulator import SimClock

log = logging.getLogger(__name__)

KNOT_KMH = 1.852
HEARTBEAT_S = 30.0  # data seconds between heartbeats on a JT/T 808 connection
MIN_WALL_INTERVAL_S = 1.0  # faster than life, no unit reports more often than this (wall time)
BACKFILL_BATCH = 20  # locations in one 0x0704 frame (well inside the 1,023-byte body)
REPLY_TIMEOUT_S = 10.0
MAX_HELD = 2000  # reports a device keeps while it cannot send (about three hours at 5 s)
RETRY_S = 30.0  # wall seconds before a unit the hub refused or could not be reached tries again

Report = tuple[float, float, float, float, float, bool]  # ts, lon, lat, speed km/h, heading, sos


class FleetLink:
    """Runs every unit of a fleet against the hub's unit ports (None: that protocol is off)."""

    def __init__(
        self, fleet: Fleet, clock: SimClock, host: str, jt808_port: int | None, osmand_port: int | None
    ) -> None:
        self.fleet, self.clock, self.host = fleet, clock, host
        self.jt808_port, self.osmand_port = jt808_port, osmand_port
        self.counts = {
            "locations": 0,
            "backfilled": 0,
            "heartbeats": 0,
            "replies": 0,
            "refused": 0,
            "osmand": 0,
            "osmand_late": 0,
            "osmand_failed": 0,
        }
        self._tasks: list[asyncio.Task[None]] = []
        self._units: list[_Unit] = []
        self._http: aiohttp.ClientSession | None = None
        self._warned: set[str] = set()

    async def start(self) -> None:
        units = self.fleet.units
        on = [u for u in units if self._port_of(u) is not None]
        off = {u.info.source.value for u in units if self._port_of(u) is None}
        if off:
            log.info("the fleet's %s units are off: the hub has no port for them", " and ".join(sorted(off)))
        if self.osmand_port is not None:
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
        for unit in on:
            runner = Terminal(self, unit) if unit.info.source is UnitSource.JT808 else Phone(self, unit)
            self._units.append(runner)
            task = asyncio.create_task(runner.run(), name=unit.info.id)
            task.add_done_callback(_report_failure)
            self._tasks.append(task)
        log.info("fleet: %d of %d units reporting", len(on), len(units))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for runner in self._units:
            await runner.close()
        if self._http is not None:
            await self._http.close()

    def _port_of(self, unit: SimUnit) -> int | None:
        return self.jt808_port if unit.info.source is UnitSource.JT808 else self.osmand_port

    def warn_once(self, key: str, message: str, *args: object) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message, *args)

    def interval(self, unit: SimUnit) -> float:
        """Data seconds between a unit's reports (wall time at least MIN_WALL_INTERVAL_S)."""
        return max(unit.interval_s, MIN_WALL_INTERVAL_S * self.clock.accel)

    def report(self, unit: SimUnit, t: float) -> Report:
        lon, lat, kmh, heading = self.fleet.position(unit.index, t)
        return t, lon, lat, kmh, heading, self.fleet.sos(unit.index, t)


class _Unit:
    """A unit's reporting loop: one report per interval, held while out of coverage, sent late after."""

    def __init__(self, link: FleetLink, unit: SimUnit) -> None:
        self.link, self.unit = link, unit
        self.held: list[Report] = []

    async def run(self) -> None:
        link, unit, fleet = self.link, self.unit, self.link.fleet
        step = link.interval(unit)
        t = fleet.start + (unit.index * 0.618 % 1.0) * step  # each unit its own moment in the interval
        while True:
            await asyncio.sleep(max(0.0, link.clock.wall_at(t) - time.time()))
            if fleet.silent(unit.index, t):
                await self.close()
                return
            report = link.report(unit, t)
            if fleet.outage(unit.index, t) is not None:
                self.hold(report)
                await self.close()
            else:
                try:
                    await self.send(report)
                except (OSError, TimeoutError, aiohttp.ClientError) as exc:
                    self.hold(report)  # not delivered: kept for later, like any device would
                    link.warn_once(
                        f"send-{unit.info.source}", "fleet: %s cannot reach the hub: %s", unit.info.id, exc
                    )
                    await self.close()
            t += step
            if link.clock.now() - t > 10 * step:  # fell far behind (machine busy): skip ahead
                t = link.clock.now()

    def hold(self, report: Report) -> None:
        """Keep a report for later; a device's memory is finite, so the oldest go first."""
        self.held.append(report)
        del self.held[:-MAX_HELD]

    async def send(self, report: Report) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        pass


class Terminal(_Unit):
    """A JT/T 808 vehicle terminal (2013 or 2019 edition) on its own TCP connection."""

    def __init__(self, link: FleetLink, unit: SimUnit) -> None:
        super().__init__(link, unit)
        digits = unit.info.device
        self.phone = digits.zfill(20 if unit.edition == 2019 else 12)
        self.auth_code = ""
        self.serial = 0
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.replies: asyncio.Queue[jt808.Message] | None = None
        self._reading: asyncio.Task[None] | None = None
        self._beat = 0.0
        self._refused_until = 0.0

    def header(self, msg_id: int) -> jt808.Header:
        self.serial = (self.serial + 1) & 0xFFFF
        edition = self.unit.edition
        return jt808.Header(msg_id, self.phone, self.serial, edition, 1 if edition == 2019 else None)

    async def send(self, report: Report) -> None:
        if not await self.connected():
            raise ConnectionError("not authenticated")
        writer = self.writer
        assert writer is not None
        if self.held:
            for start in range(0, len(self.held), BACKFILL_BATCH):
                chunk = self.held[start : start + BACKFILL_BATCH]
                batch = jt808.Batch("back-fill", tuple(_location(r) for r in chunk))
                writer.write(jt808.encode_frame(self.header(jt808.BATCH), jt808.batch_body(batch)))
                self.link.counts["backfilled"] += len(chunk)
            self.held.clear()
        writer.write(jt808.encode_frame(self.header(jt808.LOCATION), jt808.location_body(_location(report))))
        self.link.counts["locations"] += 1
        if report[0] - self._beat >= HEARTBEAT_S:
            writer.write(jt808.encode_frame(self.header(jt808.HEARTBEAT), b""))
            self.link.counts["heartbeats"] += 1
            self._beat = report[0]
        await writer.drain()

    async def connected(self) -> bool:
        """Connected and authenticated (registering first when there is no auth code yet)."""
        if self.writer is not None and not self.writer.is_closing():
            return True
        if time.monotonic() < self._refused_until:
            return False
        link = self.link
        assert link.jt808_port is not None
        self.reader, self.writer = await asyncio.open_connection(link.host, link.jt808_port)
        self.replies = asyncio.Queue()
        self._reading = asyncio.create_task(self._read())
        if not self.auth_code and not await self._register():
            await self.close()
            self._refused_until = time.monotonic() + RETRY_S
            return False
        if not await self._authenticate():
            self.auth_code = ""  # the hub forgot it: register again next time
            await self.close()
            return False
        self._beat = 0.0  # a heartbeat with the first report
        return True

    async def _register(self) -> bool:
        unit = self.unit
        body = jt808.Registration(11, 119, "ECOSM", "EC-808", f"T{unit.index:06d}", 1, f"京A{unit.index:05d}")
        reply = await self._ask(jt808.REGISTRATION, jt808.registration_body(body, unit.edition))
        if not isinstance(reply, jt808.RegisterReply) or reply.result != 0:
            result = getattr(reply, "result", None)
            self.link.counts["refused"] += 1
            self.link.warn_once(
                "register", "fleet: the hub refused the registration of %s (result %s)", unit.info.id, result
            )
            return False
        self.auth_code = reply.auth_code
        return True

    async def _authenticate(self) -> bool:
        auth = jt808.Authentication(self.auth_code, f"86{self.unit.index:013d}", "SIM 1.0")
        reply = await self._ask(jt808.AUTHENTICATION, jt808.authentication_body(auth, self.unit.edition))
        return isinstance(reply, jt808.GeneralReply) and reply.result == 0

    async def _ask(self, msg_id: int, body: bytes) -> jt808.Body | None:
        """Send a message and wait for the hub's answer to it (None on timeout or a lost connection)."""
        assert self.writer is not None and self.replies is not None
        header = self.header(msg_id)
        self.writer.write(jt808.encode_frame(header, body))
        await self.writer.drain()
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await asyncio.wait_for(self.replies.get(), left)
            except TimeoutError:
                return None
            answered = message.body
            if (
                isinstance(answered, jt808.RegisterReply | jt808.GeneralReply)
                and answered.serial == header.serial
            ):
                return answered
        return None

    async def _read(self) -> None:
        """The hub's answers on this connection; those to a registration or an authentication go to
        ``_ask``, the others are counted. The hub closing the connection closes ours."""
        splitter = jt808.FrameSplitter()
        reader, writer, replies = self.reader, self.writer, self.replies
        assert reader is not None and writer is not None and replies is not None
        try:
            while data := await reader.read(4096):
                for frame in splitter.feed(data):
                    try:
                        message = jt808.decode(frame)
                    except jt808.FrameError:
                        continue
                    self.link.counts["replies"] += 1
                    body = message.body
                    if isinstance(body, jt808.RegisterReply) or (
                        isinstance(body, jt808.GeneralReply) and body.msg_id == jt808.AUTHENTICATION
                    ):
                        replies.put_nowait(message)
        except (OSError, asyncio.IncompleteReadError):
            pass
        writer.close()

    async def close(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class Phone(_Unit):
    """A phone running an OsmAnd-protocol client (Traccar Client)."""

    async def send(self, report: Report) -> None:
        while self.held:  # oldest first; one that fails stays, with those after it
            await self._post(self.held[0])
            del self.held[0]
            self.link.counts["osmand_late"] += 1
        await self._post(report)
        self.link.counts["osmand"] += 1

    async def _post(self, report: Report) -> None:
        link, unit = self.link, self.unit
        assert link._http is not None
        url = f"http://{link.host}:{link.osmand_port}/"
        ts, lon, lat, kmh, heading, _ = report
        batt = f"{max(5.0, 95.0 - (ts - link.fleet.start) / 600.0):.0f}"
        if unit.form == "json":
            coords = {"latitude": round(lat, 6), "longitude": round(lon, 6), "speed": round(kmh / 3.6, 2)}
            coords |= {"heading": round(heading, 1), "altitude": 520, "accuracy": 8}
            battery = {"level": float(batt) / 100, "is_charging": False}
            location = {"timestamp": _iso(ts), "coords": coords, "is_moving": kmh > 0, "battery": battery}
            body = {"device_id": unit.info.device, "location": location}
            request = link._http.post(url, json=body)
        else:
            params = {"id": unit.info.device, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}"}
            params |= {"timestamp": _stamp(ts, unit.stamp), "speed": f"{kmh / KNOT_KMH:.2f}"}
            params |= {"bearing": f"{heading:.1f}", "altitude": "520", "accuracy": "8", "batt": batt}
            request = link._http.post(url, params=params)
        async with request as response:
            if response.status >= 500:  # not stored (503: "send it again later"): kept and sent again
                raise aiohttp.ClientResponseError(response.request_info, (), status=response.status)
            if response.status >= 400:  # refused for good (bad report, unknown id): sending again won't help
                link.counts["osmand_failed"] += 1
                link.warn_once(
                    f"http-{response.status}",
                    "fleet: the hub answered %s to %s: %s",
                    response.status,
                    unit.info.id,
                    (await response.text())[:200],
                )


def _report_failure(task: asyncio.Task[None]) -> None:
    """A unit whose loop failed is logged, never lost silently."""
    if not task.cancelled() and task.exception() is not None:
        log.error("fleet: unit %s stopped: %r", task.get_name(), task.exception())


def _location(report: Report) -> jt808.Location:
    ts, lon, lat, kmh, heading, sos = report
    status = jt808.ACC | jt808.POSITIONED if kmh > 0 else jt808.POSITIONED
    items = ((jt808.ITEM_SIGNAL, bytes((24,))), (jt808.ITEM_SATELLITES, bytes((11,))))
    return jt808.Location(
        jt808.SOS if sos else 0, status, lat, lon, 520, round(kmh, 1), int(heading) % 360, int(ts), items
    )


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _stamp(ts: float, form: str) -> str:
    if form == "ms":
        return str(int(ts * 1000))
    if form == "iso":
        return _iso(ts)
    return str(int(ts))


def describe(link: FleetLink) -> dict[str, Any]:
    """The link's counters (for logs and tests)."""
    return dict(link.counts)
