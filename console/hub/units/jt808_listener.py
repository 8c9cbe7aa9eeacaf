"""JT/T 808 TCP listener: vehicle terminals register, authenticate and report positions.

0x0100 registration is answered with 0x8100 and an auth code (stored before it is sent); 0x0102
authentication with that code opens the connection for reports; 0x0002 heartbeat, 0x0200 location and
0x0704 batch (blind-area back-fill included) get a 0x8001 general reply each, a position's only once it is
stored. Sub-packaged messages (0x0704 back-fill, 0x0801 ...) are joined across connections and restarts:
each part is stored before its 0x8001 goes (console/hub/ingest_parts.py, the rules of split HJ 212
uploads), the joined message is taken on its last part and answered once its reports are stored, and
the stored parts are deleted after that. The platform does not ask for missing parts (0x8003): a part
that is not answered is sent again by the terminal, and a message still missing parts after
``SPLIT_TIMEOUT_S`` is dropped. A terminal not in the unit registry is
refused (0x8100 result 4, 0x8001 result 1) unless the hub accepts unknown units. Bad frames are counted
and logged within a budget and cost nothing else: no answer, the connection stays.

An ingest node of a cluster gives the listener ``codes``, the codes its sibling nodes gave: a terminal
whose code the listener does not know (or knows another one) is checked there before it is refused; the
connection's later frames wait for that answer, so the terminal's answers keep their order.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import secrets
import struct
import time
from collections import Counter, deque
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Protocol

from console.core import jt808
from console.core.jt808 import FrameError, Header, Location, Message
from console.core.units import Fix, UnitSource
from console.hub.ingest import _LogBudget, connection_caps
from console.hub.ingest_parts import JT808Parts, PartKey
from console.hub.lockout import Lockout
from console.hub.logtext import printable

if TYPE_CHECKING:
    from console.hub.units.intake import UnitIntake
    from console.hub.units.tracker import UnitSlot

log = logging.getLogger(__name__)

MAX_AUTH_FAILURES = 5  # refused registrations or authentications after which a connection is closed
TERMINAL_LOCK_LIMIT = 5  # refusals of one terminal within 15 minutes that lock it out
ADDRESS_LOCK_LIMIT = 20  # the same for one source address
LOGOUT = 0x0003
OK, FAILED, NOT_SUPPORTED = 0, 1, 3
NO_SUCH_TERMINAL = 4  # 0x8100 result


class CodeSource(Protocol):
    """Where auth codes given elsewhere are found (an ingest node: the cluster's bucket)."""

    async def code_of(self, terminal: str) -> str | None:
        """The terminal's code, None when it has none; raises when it cannot tell."""
        ...


class JT808Listener:
    """Accepts terminal connections; reports go to the unit service's tracker on the loop thread."""

    def __init__(
        self,
        service: UnitIntake,
        idle_s: float = 600.0,
        max_connections: int | None = None,
        max_per_address: int | None = None,
        codes: CodeSource | None = None,
    ) -> None:
        self.service = service
        self.codes = codes
        self._lookups: set[asyncio.Task[None]] = set()
        self.idle_s = idle_s
        self.max_connections, self.max_per_address = connection_caps(max_connections, max_per_address)
        self._server: asyncio.Server | None = None
        self._connections: set[TerminalConnection] = set()
        self._per_address: Counter[str] = Counter()
        self._paused: set[TerminalConnection] = set()
        self._answering: set[TerminalConnection] = set()
        self._stopping = False
        self._sweeper: asyncio.Task[None] | None = None
        self._log_budget = _LogBudget()
        self.lockout_terminal = Lockout(TERMINAL_LOCK_LIMIT)
        self.lockout_address = Lockout(ADDRESS_LOCK_LIMIT)
        # sub-packages of every terminal, stored as they are answered; taken up again after a restart
        self.parts = JT808Parts(service.writer.submit_part, service.storage.load_parts("jt808"))
        if self.parts.taken_up:
            log.info("JT/T 808: %d stored sub-packages wait for the rest", self.parts.taken_up)
        self._parts_done: list[tuple[int, list[PartKey]]] = []  # (answer cycle, messages joined in it)

    @property
    def connected(self) -> int:
        return len(self._connections)

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the bound port (useful with port 0)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: TerminalConnection(self), host, port)
        self._sweeper = asyncio.create_task(self._sweep_idle())
        bound: int = self._server.sockets[0].getsockname()[1]
        return bound

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for lookup in list(self._lookups):
            lookup.cancel()
        if self._server is None:
            return
        self._server.close()
        for connection in list(self._connections):
            connection.transport.close()
        try:
            await asyncio.wait_for(self._server.wait_closed(), 2.0)
        except TimeoutError:
            for connection in list(self._connections):
                connection.transport.abort()

    def pause_all(self) -> None:
        """Stop accepting terminals and reading from them (the hub is stopping)."""
        self._stopping = True
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections):
            self.pause(connection)

    def pause(self, connection: TerminalConnection) -> None:
        if connection not in self._paused:
            self._paused.add(connection)
            connection.transport.pause_reading()

    def resume_all(self) -> None:
        if self._stopping or not self._paused:
            return
        for connection in self._paused:
            if not connection.transport.is_closing():
                connection.transport.resume_reading()
        self._paused.clear()

    def stored(self, cycle: int, ok: bool) -> None:
        """The reports of answer cycles up to ``cycle`` are stored (``ok``) or were given up: send their
        answers, or leave them unsent so that the terminals send those reports again."""
        for connection in list(self._answering):
            if connection.release(cycle, ok):
                self._answering.discard(connection)
        self._forget_parts(cycle, ok)

    def joined(self, cycle: int) -> None:
        """Messages were joined whose reports are stored with answer cycle ``cycle``: their stored parts
        are deleted once that cycle is committed (a hub killed before keeps them: the last part, not
        answered, comes again and joins the message again; its reports replace the same stored ones)."""
        done = self.parts.take_done()
        if done:
            self._parts_done.append((cycle, done))

    def _forget_parts(self, cycle: int, ok: bool) -> None:
        keys = [key for held, done in self._parts_done if held <= cycle for key in done]
        self._parts_done = [(held, done) for held, done in self._parts_done if held > cycle]
        if keys and ok:  # given up: the parts stay stored, the terminal sends the last part again
            self.service.writer.submit_uploads([], keys)

    def expire_parts(self) -> None:
        """Drop the messages still missing parts after the timeout; their stored parts are deleted."""
        for (terminal, cn, _, total), count in self.parts.expire():
            self.service.reject("split_incomplete")
            if self._log_budget.allow(terminal):
                log.warning(
                    "terminal %s: message %s dropped with %d of its %d sub-packages; the rest never came",
                    printable(terminal, 24), cn, count, total,
                )  # fmt: skip
        done = self.parts.take_done()  # dropped, and stored parts that could not be read
        if done:
            self.service.writer.submit_uploads([], done)

    def admit(self, connection: TerminalConnection) -> bool:
        address = connection.address
        if len(self._connections) >= self.max_connections:
            over = "total"
        elif self._per_address[address] >= self.max_per_address:
            over = "address"
        else:
            self._connections.add(connection)
            self._per_address[address] += 1
            return True
        self.service.reject(f"over_{over}_cap")
        self.warn(connection.peer, f"connection refused: {over} cap reached")
        return False

    def gone(self, connection: TerminalConnection) -> None:
        self._connections.discard(connection)
        self._paused.discard(connection)
        self._answering.discard(connection)
        left = self._per_address[connection.address] - 1
        if left > 0:
            self._per_address[connection.address] = left
        else:
            del self._per_address[connection.address]

    async def _sweep_idle(self) -> None:
        while True:
            await asyncio.sleep(min(self.idle_s / 4, 5.0))
            self.expire_parts()
            now = time.monotonic()
            for connection in [c for c in self._connections if now - c.last_frame > self.idle_s]:
                if connection not in self._paused:
                    self.service.reject("idle")
                    self.warn(connection.peer, f"closed: no complete frame for {self.idle_s:g} s")
                    connection.transport.abort()

    def warn(self, peer: str, message: str) -> None:
        """Log, at most a few lines per source address a minute, so garbage cannot flood the log."""
        if self._log_budget.allow(peer.rpartition(":")[0]):
            log.warning("terminal %s: %s", peer, message)


class TerminalConnection(asyncio.Protocol):
    """One terminal's TCP connection: split, decode, join sub-packages, authenticate, report, answer."""

    def __init__(self, listener: JT808Listener) -> None:
        self.listener = listener
        self.service = listener.service
        self.splitter = jt808.FrameSplitter()
        self.peer = self.address = "?"
        self.admitted = False
        self.unit: UnitSlot | None = None  # set by a successful authentication
        self.last_frame = time.monotonic()
        self.failures = 0
        self.serial = 0  # the platform's message serial on this connection
        self._answers: deque[tuple[int, bytes]] = deque()  # (answer cycle, frame); 0: not waiting to store
        self._deferred: list[bytes] | None = None  # frames that wait for a code to be looked up
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
        if self.admitted:
            self.listener.gone(self)
        self._answers.clear()  # unanswered: the terminal sends those reports again

    def data_received(self, data: bytes) -> None:
        frames = self.splitter.feed(data)
        if frames:
            self.last_frame = time.monotonic()
        for raw in frames:
            if self._deferred is not None:
                self._deferred.append(raw)
            else:
                self._frame(raw)
        for error in self.splitter.errors:
            self._reject(error)
        self.splitter.errors.clear()
        if self.service.over_budget:
            self.listener.pause(self)

    def _frame(self, raw: bytes) -> None:
        try:
            message = jt808.decode(raw)
            header = message.header
            if header.package is not None:
                self._part(message, raw)
                return
            self._handle(message, header)
        except FrameError as exc:
            self._reject(exc)
        except Exception:  # a bug must cost this frame only, not the connection or the hub
            self.service.reject("internal")
            log.exception("terminal %s: frame not handled", self.peer)

    def _part(self, message: Message, raw: bytes) -> None:
        """A sub-package of an authenticated terminal: stored, then answered; the last one joins the
        message, which is handled as if it came whole (answered with the last part's serial)."""
        header, parts = message.header, self.listener.parts
        if self.unit is None or header.terminal != (self.unit.info.device.lstrip("0") or "0"):
            why = "unauthenticated" if self.unit is None else "other_terminal"
            self.service.reject(why)
            self.listener.warn(self.peer, f"sub-package from {printable(header.terminal, 24)}: {why}")
            self.answer(self._reply(header, FAILED), stored=False)
            return
        refusal = parts.refusal(header.terminal, message)
        if refusal is not None:  # neither stored nor answered
            self.service.reject(refusal)
            self.listener.warn(self.peer, f"sub-package refused: {refusal.replace('_', ' ')}")
            return
        joined = parts.add(header.terminal, message, raw)
        if joined is None:
            self.answer(self._reply(header, OK))  # once the part is stored
            return
        self._handle(joined, header)
        self.listener.joined(self.service.hold())

    def _handle(self, message: Message, header: Header) -> None:
        """``header`` is that of the frame being answered (the last part of a sub-packaged message)."""
        body = message.body
        if isinstance(body, jt808.Registration):
            self._register(header, body)
        elif isinstance(body, jt808.Authentication):
            self._authenticate(header, body)
        elif isinstance(body, jt808.Heartbeat):
            self.answer(self._reply(header, OK), stored=False)
        elif isinstance(body, Location | jt808.Batch):
            self._report(header, body)
        elif header.msg_id == LOGOUT:
            self.unit = None
            self.answer(self._reply(header, OK), stored=False)
        elif header.msg_id != jt808.TERMINAL_REPLY:
            self.answer(self._reply(header, NOT_SUPPORTED), stored=False)

    def _register(self, header: Header, body: jt808.Registration) -> None:
        service, terminal = self.service, header.terminal
        if self._locked(terminal):
            self._refuse(header, "locked", jt808.register_reply(header, self._next(), NO_SUCH_TERMINAL))
            return
        slot = service.tracker.by_device(UnitSource.JT808, terminal)
        if slot is None and service.config.accept_unknown:
            slot = service.tracker.learn(UnitSource.JT808, header.phone, body.plate.strip())
        if slot is None:
            self._refuse(
                header, "unknown_terminal", jt808.register_reply(header, self._next(), NO_SUCH_TERMINAL)
            )
            return
        if not slot.auth_code and self.listener.codes is not None:
            self._look_up(self._registered(header, slot))  # registered at another node: it keeps that code
            return
        self._give_code(header, slot)

    def _give_code(self, header: Header, slot: UnitSlot) -> None:
        if not slot.auth_code:  # a terminal registering again keeps its code
            slot.auth_code = secrets.token_hex(8)
            self.service.tracker.changed(slot)
        self.answer(jt808.register_reply(header, self._next(), OK, slot.auth_code))  # once the code is stored

    async def _registered(self, header: Header, slot: UnitSlot) -> None:
        """A registration of a terminal this listener has no code for, once ``codes`` was asked: the code
        found there, else a new one (also when ``codes`` cannot tell: the new one replaces it there)."""
        found = await self._code_elsewhere(header.terminal)
        if isinstance(found, str) and not slot.auth_code:
            slot.auth_code = found
            self.service.tracker.changed(slot)
        self._give_code(header, slot)

    def _authenticate(self, header: Header, body: jt808.Authentication) -> None:
        service, terminal = self.service, header.terminal
        if self._locked(terminal):
            self._refuse(header, "locked", self._reply(header, FAILED))
            return
        slot = service.tracker.by_device(UnitSource.JT808, terminal)
        if slot is None and service.config.accept_unknown:
            slot = service.tracker.learn(UnitSource.JT808, header.phone)
        code = body.code.strip()
        if (
            slot is not None
            and slot.auth_code
            and hmac.compare_digest(slot.auth_code.encode(), code.encode())
        ):
            self._admit(header, slot)
        elif slot is not None and code and self.listener.codes is not None:
            self._look_up(self._confirm(header, slot, code))
        else:
            self._check_here(header, slot, code)

    def _check_here(self, header: Header, slot: UnitSlot | None, code: str) -> None:
        """Authenticate with the codes this listener knows (none was found elsewhere)."""
        service = self.service
        if slot is not None and not slot.auth_code and service.config.accept_unknown and code:
            slot.auth_code = code  # trials: a terminal configured elsewhere keeps the code it has
            service.tracker.changed(slot)
        if (
            slot is None
            or not slot.auth_code
            or not hmac.compare_digest(slot.auth_code.encode(), code.encode())
        ):
            why = "unknown_terminal" if slot is None else "bad_auth_code"
            self._refuse(header, why, self._reply(header, FAILED))
            return
        self._admit(header, slot)

    def _admit(self, header: Header, slot: UnitSlot) -> None:
        self.listener.lockout_terminal.succeeded(header.terminal)
        self.unit, self.failures = slot, 0
        self.answer(self._reply(header, OK), stored=slot.learned)

    def _look_up(self, then: Coroutine[Any, Any, None]) -> None:
        """Run ``then`` (which asks ``listener.codes``); the connection's next frames wait for it."""
        self._deferred = []
        self.transport.pause_reading()
        task = asyncio.create_task(self._then_replay(then))
        self.listener._lookups.add(task)
        task.add_done_callback(self.listener._lookups.discard)

    async def _then_replay(self, then: Coroutine[Any, Any, None]) -> None:
        try:
            await then
        except Exception:  # a bug must cost this frame only
            self.service.reject("internal")
            log.exception("terminal %s: frame not handled", self.peer)
        finally:
            if not self.transport.is_closing():
                self._replay()

    async def _code_elsewhere(self, terminal: str) -> str | Exception | None:
        """The terminal's code in ``listener.codes``: None when it has none, the error when it cannot tell."""
        assert self.listener.codes is not None
        try:
            return await self.listener.codes.code_of(terminal)
        except Exception as exc:  # NATS away, no answer in time
            return exc

    async def _confirm(self, header: Header, slot: UnitSlot, code: str) -> None:
        """An authentication with a code this listener does not know, once ``codes`` was asked."""
        found = await self._code_elsewhere(header.terminal)
        if self.transport.is_closing():
            return
        if isinstance(found, Exception):
            log.warning(
                "terminal %s (%s): auth code not confirmed, the cluster's codes cannot be asked (%s): "
                "refused; it authenticates again later",
                printable(header.terminal, 24), self.peer, str(found) or type(found).__name__,
            )  # fmt: skip
            self._refuse(header, "unconfirmed_auth_code", self._reply(header, FAILED))
        elif found is None:
            self._check_here(header, slot, code)
        elif hmac.compare_digest(found.encode(), code.encode()):
            slot.auth_code = found  # the file keeps it: the next authentication here needs no lookup
            self.service.tracker.changed(slot)
            self._admit(header, slot)
        else:
            self._refuse(header, "bad_auth_code", self._reply(header, FAILED))

    def _replay(self) -> None:
        """Handle the frames that waited for a lookup, and read again (unless another lookup began)."""
        frames, self._deferred = self._deferred or [], None
        for at, raw in enumerate(frames):
            if self._deferred is not None:
                self._deferred += frames[at:]
                return
            self._frame(raw)
        if self._deferred is None and not self.transport.is_closing() and self not in self.listener._paused:
            self.transport.resume_reading()

    def _report(self, header: Header, body: Location | jt808.Batch) -> None:
        slot = self.unit
        if slot is None:
            self.service.reject("unauthenticated")
            self.listener.warn(
                self.peer, f"report from {printable(header.terminal, 24)} before authentication"
            )
            self.answer(self._reply(header, FAILED), stored=False)
            return
        if header.terminal != (slot.info.device.lstrip("0") or "0"):
            self.service.reject("other_terminal")
            self.answer(self._reply(header, FAILED), stored=False)
            return
        locations = body.locations if isinstance(body, jt808.Batch) else (body,)
        arrived = self.service.clock()
        self.service.tracker.report(slot, [_fix(slot.info.id, loc, arrived) for loc in locations])
        self.answer(self._reply(header, OK))

    # --- answers -------------------------------------------------------------------------------------------

    def _next(self) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial

    def _reply(self, header: Header, result: int) -> bytes:
        return general_reply(header, self._next(), result)

    def answer(self, frame: bytes, *, stored: bool = True) -> None:
        """Send an answer once what came before it is stored (``stored``; else only after the answers
        before it), so that each terminal gets its answers in the order it asked."""
        if not stored and not self._answers:
            self.transport.write(frame)
            return
        self._answers.append((self.service.hold() if stored else 0, frame))
        self.listener._answering.add(self)

    def release(self, cycle: int, ok: bool) -> bool:
        """Send the answers held for cycles up to ``cycle`` (withheld when not ``ok``); True when none are
        left."""
        answers, out = self._answers, []
        while answers and answers[0][0] <= cycle:
            held, frame = answers.popleft()
            if ok or held == 0:
                out.append(frame)
        if out and not self.transport.is_closing():
            self.transport.write(b"".join(out))
        return not answers

    # --- refusals ------------------------------------------------------------------------------------------

    def _reject(self, error: FrameError) -> None:
        self.service.reject(error.reason)
        self.listener.warn(self.peer, f"frame rejected: {error}")

    def _locked(self, terminal: str) -> bool:
        listener = self.listener
        return listener.lockout_address.locked(self.address) or listener.lockout_terminal.locked(terminal)

    def _refuse(self, header: Header, why: str, frame: bytes) -> None:
        """Answer a refused registration or authentication; count it towards the lockouts of the
        terminal and the address; close after a few."""
        listener = self.listener
        self.service.reject(why)
        listener.warn(
            self.peer, f"terminal {printable(header.terminal, 24)} refused: {why.replace('_', ' ')}"
        )
        self.answer(frame, stored=False)
        if why not in ("locked", "unconfirmed_auth_code"):  # not the terminal's fault
            for lockout, key in (
                (listener.lockout_terminal, header.terminal),
                (listener.lockout_address, self.address),
            ):
                if lockout.failed(key):
                    listener.warn(
                        self.peer, f"{printable(key, 40)} locked out after {lockout.limit} refusals"
                    )
        self.failures += 1
        if self.failures >= MAX_AUTH_FAILURES:
            listener.warn(self.peer, f"closing after {self.failures} refusals")
            self.transport.close()


def general_reply(to: Header, serial: int, result: int) -> bytes:
    """``jt808.general_reply`` with the reply's header cached per terminal: the same bytes in a tenth of
    the time, once for every report a terminal sends."""
    data = _reply_head(to.version, to.protocol, to.phone) + struct.pack(
        ">HHHB", serial, to.serial, to.msg_id, result
    )
    return b"\x7e" + jt808.escape(data + bytes((jt808.check_code(data),))) + b"\x7e"


@functools.lru_cache(maxsize=8192)
def _reply_head(version: int, protocol: int | None, phone: str) -> bytes:
    """Message id, attributes (a 5-byte body), [protocol version,] phone: what precedes the serial."""
    if version == 2019:
        return struct.pack(">HHB", jt808.GENERAL_REPLY, 5 | 0x4000, protocol or 1) + jt808.to_bcd(phone, 10)
    return struct.pack(">HH", jt808.GENERAL_REPLY, 5) + jt808.to_bcd(phone, 6)


def _fix(unit: str, location: Location, arrived: float) -> Fix:
    """A location report as a fix: the terminal's time (the arrival's when it sent none, then without a
    position, since it cannot be placed in time), its position only when it says it is positioned."""
    has_time = location.time is not None
    ts = float(location.time) if location.time is not None else arrived
    return Fix(
        unit,
        ts,
        location.latitude,
        location.longitude,
        location.speed,
        float(location.heading),
        location.positioned and has_time,
        tuple(sorted(location.alarms)) if location.alarm else (),
    )
