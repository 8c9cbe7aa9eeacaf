"""HJ 212 TCP listener: frames from loggers in, authenticated readings out, answers as the standard asks."""

from __future__ import annotations

import asyncio
import logging
import operator
import resource
import time
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime

from console.core import hj212
from console.core.factors import FACTORS
from console.core.hj212 import FLAG_ANSWER, FrameError, FrameSplitter, Packet
from console.core.models import VALID_FLAGS, Reading, Upload
from console.core.uploads import area_values, quick_upload, upload_values
from console.hub.ingest_parts import SplitParts
from console.hub.lockout import Lockout
from console.hub.logtext import printable
from console.hub.metrics import Metrics
from console.hub.registry import Registry

log = logging.getLogger(__name__)

# Upload commands carrying data, and the field holding the value, with the factor suffix stored.
DATA_COMMANDS: dict[str, tuple[str, str]] = {
    "2011": ("Rtd", ""),  # real-time data
    "2051": ("Avg", ""),  # minute data
    "2061": ("Avg", ":1h"),  # hourly data computed by the logger
    "2031": ("Avg", ":1d"),  # daily data computed by the logger
}
MAX_AUTH_FAILURES = 5  # refusals after which a connection is closed
MN_LOCK_LIMIT = 5  # refusals of one MN within 15 minutes that lock it out (1 s, doubling up to 5 min)
ADDRESS_LOCK_LIMIT = 20  # the same for one source address (several loggers may share one: a NAT)
# The one answer to every refused login or upload: unknown MN, wrong PW or locked out (HJ 212-2017
# table 7, 2 "request refused"), so that the answer does not tell a guesser which of them it was.
QNRTN_REFUSED = 2
IDLE_S = 600.0  # a connection that sends no complete frame for this long is closed
# Factors the hub keeps: the catalogue's codes as loggers report them (minute, hourly, daily data).
KNOWN_FACTORS = frozenset(code + suffix for code in FACTORS for suffix in ("", ":1h", ":1d"))
_factor_of = operator.attrgetter("factor")
READ_SIZE = 32 * 1024  # bytes read from one logger per turn of the loop (≈ 80 frames)
CYCLE_BUDGET = 4000  # frames taken between two publications; beyond it loggers wait (TCP pushes back)
_EPOCH = datetime(1970, 1, 1)

# Takes the readings of some frames and the same as uploads to store; True when the loggers should wait.
Sink = Callable[[list[Reading], list[Upload]], bool]


class HJ212Listener:
    """Accepts many concurrent loggers; hands every batch of readings to ``sink`` on the loop thread.

    A data answer (CN 9014) tells a logger it may forget an upload, so it goes only once the upload is
    stored: answers are held per connection, tagged with the current answer cycle. The hub closes a cycle
    when it hands the cycle's uploads to the storage writer (``end_cycle``) and calls ``stored`` when the
    transaction holding them has committed; the cycle's answers then go out, each connection's in order.
    Group commit rather than a journal of its own: the database already survives kill -9, and a journal
    would write every upload twice (docs/architecture.md, "Answered means stored").
    """

    def __init__(
        self,
        registry: Registry,
        sink: Sink,
        metrics: Metrics,
        *,
        tz_hours: float = 8,
        max_segment: int = hj212.MAX_SEGMENT,
        bypass: bool = False,
        max_connections: int | None = None,
        max_per_address: int | None = None,
        idle_s: float = IDLE_S,
        parts: SplitParts | None = None,
    ) -> None:
        self.registry = registry
        self.parts = SplitParts(max_segment=max_segment) if parts is None else parts  # split uploads
        self.sink = sink
        self.metrics = metrics
        self.tz_offset_s = tz_hours * 3600
        self.max_segment = max_segment
        self.bypass = bypass  # benchmark only: each distinct frame is decoded once (transport ceiling)
        self._decoded: dict[bytes, list[Reading]] = {}  # with bypass: frame -> its readings
        self._server: asyncio.Server | None = None
        self._connections: set[LoggerConnection] = set()
        self._paused: set[LoggerConnection] = set()
        self.frames_in_cycle = 0  # frames taken since the hub last published
        self.answer_cycle = 1  # answers held now go out when this cycle's uploads are stored
        self._held_in_cycle = False
        self._answering: set[LoggerConnection] = set()  # connections holding answers
        self._stopping = False
        self._time_cache: dict[str, float] = {}
        self._log_budget = _LogBudget()
        self._once_a_minute = _LogBudget(per_minute=1)  # over-cap connections, unknown factors
        self.lockout_mn = Lockout(MN_LOCK_LIMIT)
        self.lockout_address = Lockout(ADDRESS_LOCK_LIMIT)
        self.max_connections, self.max_per_address = connection_caps(max_connections, max_per_address)
        self.idle_s = idle_s
        self._per_address: Counter[str] = Counter()
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the bound port (useful with port 0)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: LoggerConnection(self), host, port)
        self._sweeper = asyncio.create_task(self._sweep_idle())
        bound: int = self._server.sockets[0].getsockname()[1]
        return bound

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._server is not None:
            self._server.close()
            for connection in list(self._connections):
                connection.transport.close()
            try:  # a logger that does not read its answers must not hold the hub's shutdown up
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            except TimeoutError:
                for connection in list(self._connections):
                    connection.transport.abort()
                await self._server.wait_closed()

    def pause_all(self) -> None:
        """Stop accepting loggers and reading from them (the hub is stopping)."""
        self._stopping = True
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections):
            self.pause(connection)

    def end_cycle(self) -> int | None:
        """Close the current answer cycle: its number when answers wait on it (call ``stored`` with it
        once everything accepted until now is stored), None when none do."""
        if not self._held_in_cycle:
            return None
        cycle, self.answer_cycle, self._held_in_cycle = self.answer_cycle, self.answer_cycle + 1, False
        return cycle

    def stored(self, cycle: int, ok: bool = True) -> None:
        """The uploads of answer cycles up to ``cycle`` are stored (``ok``) or were given up: send their
        answers, or leave them unsent so that the loggers send those uploads again."""
        for connection in list(self._answering):
            if connection.release(cycle, ok):
                self._answering.discard(connection)

    def admit(self, connection: LoggerConnection) -> bool:
        """Take a new connection in, or refuse it (False) when the total or its address's cap is reached;
        a refusal is counted and logged once per address per minute."""
        address, metrics = connection.address, self.metrics
        if len(self._connections) >= self.max_connections:
            over, cap = "total", self.max_connections
        elif self._per_address[address] >= self.max_per_address:
            over, cap = "address", self.max_per_address
        else:
            self._connections.add(connection)
            self._per_address[address] += 1
            metrics.loggers_connected += 1
            return True
        metrics.loggers_refused[over] += 1
        if self._once_a_minute.allow(f"cap {address}"):
            log.warning("logger %s: connection refused, %s cap of %d reached", connection.peer, over, cap)
        return False

    def release_address(self, connection: LoggerConnection) -> None:
        """An admitted connection is gone: its place is free."""
        left = self._per_address[connection.address] - 1
        if left > 0:
            self._per_address[connection.address] = left
        else:
            del self._per_address[connection.address]

    async def _sweep_idle(self) -> None:
        """Close connections that sent no complete frame for ``idle_s``, or for three reporting intervals
        of the station that last logged in on them when that is longer (paused ones are not idle)."""
        while True:
            await asyncio.sleep(min(self.idle_s / 4, 5.0))
            self.expire_parts()
            now = time.monotonic()
            for connection in [c for c in self._connections if now - c.last_frame > self.idle_s]:
                if connection not in self._paused and now - connection.last_frame > connection.idle_s:
                    self.metrics.loggers_idle_closed += 1
                    self.warn(connection.peer, f"closed: no complete frame for {connection.idle_s:g} s")
                    connection.transport.abort()

    def expire_parts(self) -> None:
        """Drop split uploads still missing parts after the timeout: counted, and logged (the parts they
        had were answered, so their loss is the logger's, which never sent the rest)."""
        for (station, cn, data_time, pnum), had in self.parts.expire():
            self.metrics.reject("split_incomplete")
            if self._log_budget.allow(f"split {station}"):
                log.warning(
                    "station %s: split upload CN=%s DataTime=%s dropped after %g s with %d of its %d parts;"
                    " the rest never came", station, printable(cn, 8), printable(data_time, 20),
                    self.parts.timeout_s, had, pnum,
                )  # fmt: skip

    def pause(self, connection: LoggerConnection) -> None:
        """Stop reading from a logger until ``resume_all`` (the hub is behind: TCP pushes back)."""
        if connection not in self._paused:
            self._paused.add(connection)
            connection.transport.pause_reading()

    @property
    def over_budget(self) -> bool:
        """More frames arrived since the last publication than one cycle should take."""
        return self.frames_in_cycle >= CYCLE_BUDGET

    def resume_all(self) -> None:
        """A new publication cycle: read again from every paused logger."""
        self.frames_in_cycle = 0
        if self._stopping:
            return
        for connection in self._paused:
            if not connection.transport.is_closing():
                connection.transport.resume_reading()
        self._paused.clear()

    def data_time(self, text: str) -> float:
        """Unix seconds of a logger's local ``DataTime`` text (cached: loggers share report times)."""
        cached = self._time_cache.get(text)
        if cached is None:
            moment = hj212.parse_time(text)
            cached = (moment - _EPOCH).total_seconds() - self.tz_offset_s
            if len(self._time_cache) > 10_000:
                self._time_cache.clear()
            self._time_cache[text] = cached
        return cached

    def warn(self, peer: str, message: str) -> None:
        """Log a rejected frame, at most a few lines per source address (not per connection) per minute."""
        if self._log_budget.allow(peer.rpartition(":")[0]):
            log.warning("logger %s: %s", peer, message)

    def drop_unknown(self, readings: list[Reading], stored: dict[str, tuple[float, str]]) -> list[Reading]:
        """``readings`` without those of factor codes the hub does not know, which leave ``stored`` too:
        they are counted, and logged once per station per minute."""
        if len(stored) == len(readings) and KNOWN_FACTORS.issuperset(stored):  # the usual case, in C
            return readings  # (every reading stored under its own factor, all known)
        if KNOWN_FACTORS.issuperset(map(_factor_of, readings)):  # some not stored (unknown data flags)
            return readings
        known = [r for r in readings if r.factor in KNOWN_FACTORS]
        unknown = sorted({r.factor for r in readings} - KNOWN_FACTORS)
        for factor in unknown:
            stored.pop(factor, None)
        self.metrics.readings_unknown_factor += len(readings) - len(known)
        station = readings[0].station
        if self._once_a_minute.allow(f"factors {station}"):
            shown = ", ".join(printable(f, 20) for f in unknown[:5])
            log.warning("station %s: readings of unknown factor codes dropped (%s)", station, shown)
        return known


class LoggerConnection(asyncio.BufferedProtocol):
    """One logger's TCP connection: split, decode, authenticate, answer, reassemble, convert.

    A buffered protocol, so the hub decides how much it reads per turn: a flood from hundreds of loggers
    cannot hold the loop away from publishing (reads shrink and loggers pause once a cycle's budget is spent).
    """

    def __init__(self, listener: HJ212Listener) -> None:
        self.listener = listener
        self._buffer = memoryview(bytearray(READ_SIZE))
        self.splitter = FrameSplitter(listener.max_segment)
        self.peer = self.address = "?"
        self.admitted = False
        self.last_frame = time.monotonic()  # when the last complete frame came (idle connections are closed)
        self.auth_failures = 0
        self.interval_s = 0  # reporting interval of the station that last logged in here
        self._uploads: list[Upload] = []  # of the frames being handled, for storage
        self._answers: deque[tuple[int, bytes]] = deque()  # (answer cycle, frame), 0: not waiting to store
        self.transport: asyncio.Transport

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        if peer:
            self.address, self.peer = str(peer[0]), f"{peer[0]}:{peer[1]}"
        self.admitted = self.listener.admit(self)
        if not self.admitted:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.admitted:
            return
        self.listener._connections.discard(self)
        self.listener.release_address(self)
        self.listener._answering.discard(self)
        self.listener.metrics.loggers_connected -= 1
        self.listener.metrics.answers_pending -= len(self._answers)
        self._answers.clear()  # unanswered: the logger sends those uploads again
        for raw in self.splitter.flush():
            self._reject(FrameError("length", f"connection closed inside a frame ({len(raw)} bytes)"))

    @property
    def idle_s(self) -> float:
        """How long this connection may go without a complete frame."""
        return max(self.listener.idle_s, 3.0 * self.interval_s)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._buffer[: 512 if self.listener.over_budget else READ_SIZE]

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(bytes(self._buffer[:nbytes]))

    def data_received(self, data: bytes) -> None:
        readings: list[Reading] = []
        handle = self._bypass if self.listener.bypass else self._handle
        frames = self.splitter.feed(data)
        if frames:
            self.last_frame = time.monotonic()
        for raw in frames:
            readings += handle(raw)
        for error in self.splitter.errors:
            self._reject(error)
        self.splitter.errors.clear()
        listener = self.listener
        listener.frames_in_cycle += len(frames)
        uploads, self._uploads = self._uploads, []
        if listener.bypass:  # the benchmark ceiling stores nothing
            uploads.clear()
        wants_pause = bool(readings) and listener.sink(readings, uploads)
        if wants_pause or listener.over_budget:
            listener.pause(self)

    def _handle(self, raw: bytes) -> list[Reading]:
        listener = self.listener
        quick = quick_upload(raw, listener.max_segment)
        if quick is not None:
            readings = self._handle_upload(*quick)
            if readings is not None:
                return readings
        try:
            packet = hj212.decode(raw, max_segment=listener.max_segment)
        except FrameError as exc:
            self._reject(exc)
            return []
        fields = packet.fields  # one dict for the header fields below (the properties would look each up)
        mn = fields.get("MN", "")
        if self._locked(mn):  # refused without looking at the password
            self._refuse(packet, "locked")
            return []
        station, why = listener.registry.authenticate(mn, fields.get("PW", ""))
        if station is None:
            self._refuse(packet, why)
            return []
        listener.lockout_mn.succeeded(mn)
        self.auth_failures, self.interval_s = 0, station.interval_s
        metrics = listener.metrics
        split = packet.is_split
        if split and (refused := listener.parts.refusal(station.id, packet)) is not None:
            self._reject(FrameError(refused, f"split part PNO={packet.pno} of PNUM={packet.pnum} not taken"))
            return []  # unanswered: the logger keeps it
        metrics.frames_accepted += 1
        metrics.frames_oversize += packet.oversize
        # An answer goes after the commit of its cycle, which stores what it answers: the upload, or a
        # split part (the part as it came; the last part, the whole upload).
        answer = hj212.encode(hj212.data_answer(packet)) if packet.wants_answer else None
        if split:
            if answer is not None:
                self.answer(answer)
            whole = listener.parts.add(station.id, packet, raw)
            if whole is None:
                return []
            packet = whole
        try:
            readings, upload = read_upload(packet, station.id, listener.data_time)
        except FrameError as exc:
            self._reject(exc)
            return []  # unanswered, as any rejected frame: the logger keeps it
        if answer is not None and not split:
            self.answer(answer)
        if upload is not None:
            readings = listener.drop_unknown(readings, upload[2])
            if readings:
                self._keep_upload(readings, upload)
        return readings

    def _handle_upload(self, text: str, fields: dict[str, str], stamp: str | None) -> list[Reading] | None:
        """The usual frame without a packet: a data upload from a known logger that asks for no answer and
        is not split. Anything else returns None and takes the full path (refusals, answers, errors)."""
        listener = self.listener
        spec = DATA_COMMANDS.get(fields.get("CN", ""))
        flag = int(fields.get("Flag", "0"))  # the C codec lets only digits through
        if spec is None or stamp is None or "PNUM" in fields or flag & FLAG_ANSWER:
            return None
        mn = fields.get("MN", "")
        if self._locked(mn):
            return None
        station, _ = listener.registry.authenticate(mn, fields.get("PW", ""))
        if station is None:
            return None
        try:
            ts = listener.data_time(stamp)
        except FrameError:
            return None
        listener.lockout_mn.succeeded(mn)
        self.auth_failures, self.interval_s = 0, station.interval_s
        metrics = listener.metrics
        metrics.frames_accepted += 1
        metrics.frames_oversize += len(text) > hj212.STANDARD_SEGMENT  # ASCII: characters are bytes
        readings, stored = area_values(text, *spec, station.id, ts)
        readings = listener.drop_unknown(readings, stored) if readings else readings
        if readings:
            self._keep_upload(readings, (station.id, ts, stored))
        return readings

    def _keep_upload(self, readings: list[Reading], upload: Upload) -> None:
        self._uploads.append(upload)
        if len(upload[2]) < len(readings):
            flags = sorted({r.flag for r in readings if r.flag not in VALID_FLAGS})
            self.listener.warn(self.peer, f"readings with unknown data flags {flags}: shown, not stored")

    def answer(self, frame: bytes, *, stored: bool = True) -> None:
        """Send an answer once the uploads received before it are stored (``stored``; else only after the
        answers before it), so that each logger gets its answers in the order it asked."""
        listener = self.listener
        if not stored and not self._answers:
            self.transport.write(frame)
            return
        cycle = 0
        if stored:
            cycle, listener._held_in_cycle = listener.answer_cycle, True
        self._answers.append((cycle, frame))
        listener._answering.add(self)
        listener.metrics.answers_pending += 1

    def release(self, cycle: int, ok: bool) -> bool:
        """Send the answers held for cycles up to ``cycle`` (withheld when not ``ok``); True when none are
        left."""
        answers, out, popped = self._answers, [], 0
        while answers and answers[0][0] <= cycle:
            held, frame = answers.popleft()
            popped += 1
            if ok or held == 0:
                out.append(frame)
        metrics = self.listener.metrics
        metrics.answers_pending -= popped
        metrics.answers_withheld += popped - len(out)
        if out and not self.transport.is_closing():
            self.transport.write(b"".join(out))
        return not answers

    def _bypass(self, raw: bytes) -> list[Reading]:
        """Benchmark ceiling: a frame seen before gives the readings it gave then, without decoding it.

        Everything after the decoder (derivation, rules, status, event encoding, fan-out) sees the same
        readings as on the real path; only HJ 212 decoding is left out (and storage, by the hub)."""
        readings = self.listener._decoded.get(raw)
        if readings is None:
            readings = self.listener._decoded[raw] = self._handle(raw)
        else:
            self.listener.metrics.frames_accepted += 1
        return list(readings)

    def _reject(self, error: FrameError) -> None:
        self.listener.metrics.reject(error.reason)
        self.listener.warn(self.peer, f"frame rejected: {error}")

    def _locked(self, mn: str) -> bool:
        listener = self.listener
        return listener.lockout_address.locked(self.address) or listener.lockout_mn.locked(mn)

    def _refuse(self, packet: Packet, why: str) -> None:
        """Answer a refused login or upload (``why``: unknown_mn, bad_pw, locked) the same way whatever
        the reason; count it towards the lockouts of its MN and address; close after a few."""
        listener = self.listener
        listener.metrics.reject(why)
        listener.warn(self.peer, f"refused MN={printable(packet.mn, 40)}: {_REFUSALS[why]}")
        self.answer(hj212.encode(hj212.request_answer(packet, QNRTN_REFUSED)), stored=False)
        if why != "locked":  # a locked-out attempt neither counts nor prolongs the lockout
            self._count_refusal(packet.mn)
        self.auth_failures += 1
        if self.auth_failures >= MAX_AUTH_FAILURES:
            listener.warn(self.peer, f"closing after {self.auth_failures} refused frames")
            self.transport.close()

    def _count_refusal(self, mn: str) -> None:
        listener = self.listener
        for kind, lockout, key in (
            ("mn", listener.lockout_mn, mn),
            ("address", listener.lockout_address, self.address),
        ):
            if lockout.failed(key):
                listener.metrics.logger_lockouts[kind] += 1
                listener.warn(
                    self.peer, f"{kind} {printable(key, 40)} locked out after {lockout.limit} refusals"
                )


def read_upload(
    packet: Packet, station: str, data_time: Callable[[str], float]
) -> tuple[list[Reading], Upload | None]:
    """Readings of a data upload (CN 2011/2051/2061/2031) and the same as one upload to store (see
    ``upload_values``); other commands carry neither."""
    spec = DATA_COMMANDS.get(packet.cn)
    if spec is None or not packet.cp:
        return [], None
    stamp = packet.params.get("DataTime")
    if stamp is None:
        raise FrameError("missing", f"CN={packet.cn} upload without DataTime")
    ts = data_time(stamp)
    out, stored = upload_values(packet.cp, *spec, station, ts)
    return out, (station, ts, stored) if out else None


_REFUSALS = {"unknown_mn": "unknown MN", "bad_pw": "wrong PW", "locked": "locked out"}


def connection_caps(total: int | None, per_address: int | None) -> tuple[int, int]:
    """The caps on logger connections: as given, else three quarters of the process's descriptor limit
    (at most 4,096) in all and half of that per source address."""
    if total is None:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        total = max(16, min(4096, soft * 3 // 4 if soft != resource.RLIM_INFINITY else 4096))
    return total, per_address if per_address is not None else max(1, total // 2)


class _LogBudget:
    """At most ``per_minute`` log lines per key per minute, so garbage cannot flood the log."""

    def __init__(self, per_minute: int = 5) -> None:
        self.per_minute = per_minute
        self._spent: dict[str, tuple[int, int]] = {}

    def allow(self, key: str) -> bool:
        minute = int(time.monotonic() // 60)
        spent_minute, count = self._spent.get(key, (minute, 0))
        if spent_minute != minute:
            count = 0
        if len(self._spent) > 10_000:
            self._spent.clear()
        self._spent[key] = (minute, count + 1)
        return count < self.per_minute
