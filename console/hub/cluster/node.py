"""A hub node of a cluster: it serves consoles from the event stream, and leads the cluster when elected.

Every node follows ``<S>_EV`` with an ordered consumer and applies each event to its serving state
(console/hub/cluster/serving.py): hellos get a snapshot of it, events go to the node's consoles as the
leader published them, and a console resumes from memory or, further back, from the stream itself.

One node at a time leads: it holds key ``leader`` of the KV bucket ``<S>_LEADER`` (created when absent,
renewed every second, lost when a renewal fails). The leader takes the input (``<S>_IN``) through the hub's
own data path and publishes the events with ``Nats-Expected-Last-Sequence``: a deposed leader's publish
fails, so the stream never has two writers. Each readings event names the input batches it carries
(header ``Eco-Inputs``); a new leader that is handed a batch again whose event is already in the stream
stores it again (idempotently) and publishes nothing, so no console applies a reading twice. An input
message is acknowledged once its data is committed and its event acknowledged by JetStream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from console.core import protocol
from console.core.models import Station
from console.hub.cluster.serving import ServingState, Window
from console.hub.cluster.snapshots import SnapshotStore
from console.hub.cluster.streams import ensure_event_stream, ensure_input_stream, event_stream, input_stream
from console.hub.cluster.wire import (
    ForwardedCommand,
    IngestBatch,
    command_subject,
    decode_batch,
    decode_forwarded,
    encode_forwarded,
    event_subject,
    input_subject,
    message_id,
)

if TYPE_CHECKING:
    import sqlalchemy as sa
    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.js import JetStreamContext
    from nats.js.api import StreamInfo
    from nats.js.kv import KeyValue

log = logging.getLogger(__name__)

INPUTS_HEADER = "Eco-Inputs"  # the input batches (node:batch, comma-separated) a readings event carries
LEADER_KEY = "leader"
LEADER_TTL_S = 3.0  # a leader that stops renewing is replaced after about this long
RENEW_S = 1.0
ELECT_RETRY_S = 0.25
SNAPSHOT_EVERY_S = 30.0
# Events before a loaded snapshot whose input ids are read: a leader that died just after saving it may not
# have acknowledged the input its last events carried (a cycle's few events, taken in the last second).
LOOKBACK = 256
RECENT_INPUTS = 200_000  # input ids remembered as published
INPUT_ACK_WAIT_S = 5.0  # an input message not acknowledged this long goes to the leader again
INPUT_FETCH = 64  # input messages asked for at once
INPUT_CONSUMER = "hub"
PUBLISH_AHEAD = 256  # events published before their acknowledgements are awaited
PUBLISH_WAIT_S = 5.0  # an event's acknowledgement not come in this long ends the lead
CONNECT_WAIT_S = 30.0  # a starting node waits this long for its NATS server
COMMAND_WAIT_S = 5.0  # a forwarded command waits this long for the leader's answer
STREAM_READ_S = 5.0  # a resume read from the stream gives up after this long without a message


class Host(Protocol):
    """What the node needs of the hub it runs in (console/hub/server.py's Hub)."""

    @property
    def stations(self) -> list[Station]: ...

    @property
    def engine(self) -> sa.Engine: ...

    def initial_state(self) -> protocol.Snapshot: ...

    async def take_lead(self, epoch: str, seq: int) -> None: ...

    def step_down(self) -> None: ...

    def accept_input(self, ident: str, batch: IngestBatch) -> None: ...

    def store_again(self, batch: IngestBatch, done: Callable[[bool], None]) -> None: ...

    def input_backlogged(self) -> bool: ...

    def push(self, data: bytes) -> None: ...

    def followed(self, message: protocol.HubMessage) -> None: ...

    def apply_command(self, user: str, role: str, command: protocol.Command) -> Awaitable[protocol.Ack]: ...


def stream_epoch(info: StreamInfo) -> str:
    """The epoch consoles see: the event stream's name and creation time (a re-created stream is another)."""
    if info.created is None:
        raise RuntimeError("the NATS server does not report when the event stream was created")
    return f"{info.config.name}@{info.created.strftime('%Y%m%dT%H%M%S.%fZ')}"


class RecentIds:
    """The last ``limit`` ids added, for membership tests."""

    def __init__(self, limit: int) -> None:
        self._order: deque[str] = deque()
        self._set: set[str] = set()
        self._limit = limit

    def add(self, ident: str) -> None:
        if ident in self._set:
            return
        self._set.add(ident)
        self._order.append(ident)
        while len(self._order) > self._limit:
            self._set.discard(self._order.popleft())

    def __contains__(self, ident: object) -> bool:
        return ident in self._set


@dataclass
class _Input:
    """An input message the leader took: acknowledged once committed and carried by a published event."""

    msg: Msg
    committed: bool = False
    published: bool = False


class ClusterNode:
    """One hub node: relay for its consoles always, leader when elected (see the module's text)."""

    def __init__(self, host: Host, url: str, stream: str, node: str, window: int) -> None:
        self.host, self.url, self.stream, self.node = host, url, stream, node
        self.state = ServingState(host.stations)
        self.window = Window(window)
        self.published = RecentIds(RECENT_INPUTS)
        self.leading = False
        self.epoch = ""
        self.snapshots = SnapshotStore(host.engine, stream)
        self.takeovers = 0
        self.inputs_taken = 0  # input batches this node took while leading
        self.inputs_again = 0  # ... that came again after their event was published: stored, not published
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._kv: KeyValue | None = None
        self._inputs: dict[str, _Input] = {}
        self._outbox: asyncio.Queue[tuple[int, bytes, tuple[str, ...]]] = asyncio.Queue()
        self._applied = asyncio.Event()
        self._deposed = asyncio.Event()
        self._stepped_down = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._side: set[asyncio.Future[None]] = set()
        self._stopping = False
        self._relay: Any = None
        self._said = 0.0  # when a NATS error was last logged

    # --- start and stop ------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect, make the streams when missing, load the newest snapshot, follow the stream up to its
        end, then stand for election (in the background)."""
        import nats

        try:  # a node started with its NATS server waits for it a while; a lost server is waited for always
            connecting = nats.connect(
                self.url,
                name=f"hub node {self.node}",
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                error_cb=self._nats_error,
                disconnected_cb=self._nats_lost,
                reconnected_cb=self._nats_back,
            )
            self._nc = await asyncio.wait_for(connecting, CONNECT_WAIT_S)
        except TimeoutError:
            raise ConnectionError(f"no NATS server answered at {self.url} in {CONNECT_WAIT_S:g} s") from None
        js = self._js = self._nc.jetstream()
        await ensure_input_stream(js, self.stream)
        info = await ensure_event_stream(js, self.stream)
        self.epoch = stream_epoch(info)
        self._kv = await self._leader_bucket()
        start = await self._load_state(info.state.first_seq, info.state.last_seq)
        self._relay = await self._follow(start, self._on_event)
        await self._until_applied(info.state.last_seq)
        log.info("node %s: %s at seq %d", self.node, self.epoch, self.state.seq)
        self._tasks.append(asyncio.create_task(self._elect()))

    async def _nats_error(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._said > 30:  # a server away for long says so twice a minute, not at every retry
            self._said = now
            log.warning("node %s: NATS: %s", self.node, exc or type(exc).__name__)

    async def _nats_lost(self) -> None:
        if not self._stopping:  # (closing the connection at the end calls this too)
            log.warning("node %s: the NATS server is away; reconnecting", self.node)

    async def _nats_back(self) -> None:
        log.info("node %s: NATS reconnected", self.node)

    async def stop(self) -> None:
        """Give the lead back (another node takes over at once, not after the key's TTL), then close."""
        self._stopping = True
        self._deposed.set()
        if self.leading:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stepped_down.wait(), 5.0)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()

    async def _leader_bucket(self) -> KeyValue:
        from nats.js.api import KeyValueConfig, StorageType
        from nats.js.errors import BucketNotFoundError

        assert self._js is not None
        bucket = f"{self.stream}_LEADER"
        try:
            return await self._js.key_value(bucket)
        except BucketNotFoundError:
            config = KeyValueConfig(bucket=bucket, history=1, ttl=LEADER_TTL_S, storage=StorageType.MEMORY)
            return await self._js.create_key_value(config)

    async def _load_state(self, first: int, last: int) -> int:
        """The serving state from the newest saved snapshot of this epoch the stream still runs on from,
        else from the database; the stream seq to follow from (a little before: input ids are read)."""
        loop = asyncio.get_running_loop()
        saved = await loop.run_in_executor(None, self.snapshots.newest, self.epoch)
        snapshot = (
            _snapshot_of(saved[1])
            if saved is not None and saved[0] <= last and saved[0] + 1 >= first
            else None
        )
        if snapshot is not None:
            self.state.load(snapshot)
            self.state.stations = self.host.stations
            log.info("node %s: snapshot at seq %d loaded", self.node, snapshot.seq)
        else:
            if last > 0:
                log.warning(
                    "node %s: no saved snapshot the stream runs on from: the state is the database's, and "
                    "the stream is followed from seq %d", self.node, max(first, 1),
                )  # fmt: skip
            self.state.load(self.host.initial_state())
            self.state.stations = self.host.stations
            self.state.epoch, self.state.seq = self.epoch, max(first, 1) - 1
        return max(1, first, self.state.seq + 1 - LOOKBACK)

    async def _follow(self, start: int, handler: Callable[[Msg], Awaitable[None]]) -> Any:
        """An ordered consumer on the event stream from ``start``."""
        from nats.js.api import ConsumerConfig, DeliverPolicy

        assert self._js is not None
        config = ConsumerConfig(opt_start_seq=start)
        return await self._js.subscribe(
            event_subject(self.stream),
            cb=handler,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            config=config,
        )

    # --- relay: every node -------------------------------------------------------------------------------

    async def _on_event(self, msg: Msg) -> None:
        seq = msg.metadata.sequence.stream
        carried = (msg.headers or {}).get(INPUTS_HEADER, "")
        for ident in carried.split(",") if carried else ():
            self.published.add(ident)
        if seq <= self.state.seq:
            return  # read for its input ids only (before the loaded snapshot)
        if seq != self.state.seq + 1:
            log.warning("event stream: seq %d follows %d (events aged out?)", seq, self.state.seq)
        data = msg.data
        try:
            message: protocol.HubMessage | None = protocol.decode_hub(data)
        except protocol.ProtocolError as exc:
            log.error("event %d is not a hub message (%s); passed on as it is", seq, exc)
            message = None
        if message is not None:
            self.state.apply(message)
        self.state.seq = seq
        self.window.add(seq, data)
        self.host.push(data)
        if message is not None and not self.leading:
            self.host.followed(message)
        self._applied.set()

    async def _until_applied(self, seq: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.state.seq < seq:
            self._applied.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"the event stream was not followed up to seq {seq} in {timeout:.0f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._applied.wait(), min(left, 1.0))

    def metric_lines(self) -> list[str]:
        """Its lines of /metrics."""
        lines = []
        for name, kind, text, value in (
            ("hub_cluster_leading", "gauge", "1 while this hub node leads the cluster", int(self.leading)),
            ("hub_cluster_applied_seq", "gauge", "Last stream event this node applied", self.state.seq),
            ("hub_cluster_takeovers_total", "counter", "Times this node took the lead", self.takeovers),
            ("hub_cluster_inputs_total", "counter", "Input batches taken while leading", self.inputs_taken),
            (
                "hub_cluster_inputs_again_total",
                "counter",
                "Input batches handed over again whose event was already published (stored only)",
                self.inputs_again,
            ),
        ):
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", f"{name} {value}"]
        return lines

    def heartbeat(self) -> bytes:
        """A heartbeat with the seq this node has applied (and sent to its consoles)."""
        return protocol.encode(protocol.Heartbeat(epoch=self.state.epoch, seq=self.state.seq, ts=time.time()))

    async def replay(self, epoch: str, seq: int) -> list[bytes] | None:
        """The events after ``seq`` of ``epoch`` up to this node's position: from memory, or from the stream
        while it still holds them; None when they cannot all be had (the console gets a snapshot)."""
        if epoch != self.state.epoch or seq > self.state.seq or seq < 0:
            return None
        if seq == self.state.seq:
            return []
        held = self.window.after(seq)
        if held is not None:
            return held
        first_held = self.window.first or self.state.seq + 1
        older = await self._read_stream(seq + 1, first_held - 1)
        if older is None:
            return None
        if self.state.seq < first_held:  # nothing arrived meanwhile
            return older
        newer = self.window.after(first_held - 1)  # what arrived meanwhile is in memory
        return None if newer is None else older + newer

    async def _read_stream(self, first: int, last: int) -> list[bytes] | None:
        """Events ``first``..``last`` from the stream, or None when it no longer holds them all."""
        assert self._js is not None
        info = await self._js.stream_info(event_stream(self.stream))
        if info.state.first_seq > first or info.state.last_seq < last:
            return None
        found: list[bytes] = []
        sub = await self._follow(first, None)  # type: ignore[arg-type]
        try:
            while len(found) < last - first + 1:
                msg = await sub.next_msg(timeout=STREAM_READ_S)
                seq = msg.metadata.sequence.stream
                if seq != first + len(found):
                    return None
                found.append(msg.data)
        except Exception as exc:  # a timeout or a lost connection: the console gets a snapshot instead
            log.warning("resume from the stream (%d..%d) failed: %s", first, last, exc)
            return None
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        return found

    # --- election ----------------------------------------------------------------------------------------

    async def _elect(self) -> None:
        from nats.js.errors import KeyWrongLastSequenceError

        assert self._kv is not None
        while not self._stopping:
            try:
                revision = await self._kv.create(LEADER_KEY, self.node.encode())
            except KeyWrongLastSequenceError:
                await asyncio.sleep(ELECT_RETRY_S)
                continue
            except Exception as exc:  # NATS unreachable for now: stand again
                log.warning("node %s: cannot stand for leader: %s", self.node, exc)
                await asyncio.sleep(ELECT_RETRY_S * 4)
                continue
            try:
                await self._lead(revision)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("node %s: leading failed", self.node)
            finally:
                await self._step_down()

    async def _lead(self, revision: int) -> None:
        assert self._js is not None and self._nc is not None
        began = time.monotonic()
        self._deposed = asyncio.Event()
        self._stepped_down.clear()
        renew = asyncio.create_task(self._renew(revision))
        self._tasks.append(renew)
        info = await self._js.stream_info(event_stream(self.stream))
        if stream_epoch(info) != self.epoch:
            raise RuntimeError("the event stream was re-created: restart this node to follow the new one")
        last = info.state.last_seq
        await self._until_applied(last)  # every published input id is known before input is taken
        await self.host.take_lead(self.epoch, last)
        self.leading = True
        self.takeovers += 1
        self._tasks.append(asyncio.create_task(self._publish_loop()))
        await self._save_snapshot()
        commands = await self._nc.subscribe(command_subject(self.stream), queue="leader", cb=self._on_command)
        self._tasks.append(asyncio.create_task(self._take_input()))
        self._tasks.append(asyncio.create_task(self._snapshot_loop()))
        log.info("node %s leads from seq %d (%.2f s to take over)", self.node, last, time.monotonic() - began)
        print(f"LEADING node={self.node} seq={last}", flush=True)
        try:
            await self._deposed.wait()
        finally:
            with contextlib.suppress(Exception):
                await commands.unsubscribe()

    async def _renew(self, revision: int) -> None:
        assert self._kv is not None
        while True:
            await asyncio.sleep(RENEW_S)
            try:
                revision = await asyncio.wait_for(
                    self._kv.update(LEADER_KEY, self.node.encode(), last=revision), LEADER_TTL_S - RENEW_S
                )
            except Exception as exc:
                log.warning("node %s: the lead could not be renewed (%s): stepping down", self.node, exc)
                self._deposed.set()
                return

    async def _step_down(self) -> None:
        """Stop everything a leader does; what was taken and not acknowledged goes to the next leader."""
        was_leading, self.leading = self.leading, False
        self._deposed.set()
        current = asyncio.current_task()
        for task in [t for t in self._tasks if t is not current and t is not self._tasks[0]]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = self._tasks[:1]
        self._inputs.clear()
        while not self._outbox.empty():
            self._outbox.get_nowait()
        if was_leading:
            self.host.step_down()
            print(f"FOLLOWING node={self.node}", flush=True)
        if self._kv is not None:
            with contextlib.suppress(Exception):  # let another node take over at once, if we still hold it
                entry = await self._kv.get(LEADER_KEY)
                if entry.value == self.node.encode() and entry.revision is not None:
                    await self._kv.delete(LEADER_KEY, last=entry.revision)
        self._stepped_down.set()

    # --- leader: events out -------------------------------------------------------------------------------

    def emit(self, seq: int, data: bytes, carrying: tuple[str, ...] = ()) -> None:
        """An event the leader's data path made, to be published as stream message ``seq``."""
        if self.leading:
            self._outbox.put_nowait((seq, data, carrying))

    async def _publish_loop(self) -> None:
        """Publish the outbox in order, up to PUBLISH_AHEAD events before their acknowledgements (one
        round trip a burst, not one an event: a thousand stations going online are a thousand events).
        The server takes one connection's messages in order, so each still finds its predecessor stored; a
        refusal or a missing acknowledgement ends the lead (the answer is unknown, another may write)."""
        assert self._nc is not None
        nc, subject = self._nc, event_subject(self.stream)
        inbox = nc.new_inbox()
        answers: dict[str, asyncio.Future[bytes]] = {}

        async def answered(msg: Msg) -> None:
            future = answers.pop(msg.subject, None)
            if future is not None and not future.done():
                future.set_result(msg.data)

        replies = await nc.subscribe(f"{inbox}.*", cb=answered)
        try:
            while True:
                burst = [await self._outbox.get()]
                while not self._outbox.empty() and len(burst) < PUBLISH_AHEAD:
                    burst.append(self._outbox.get_nowait())
                waiting = []
                for seq, data, carrying in burst:
                    headers = {"Nats-Expected-Last-Sequence": str(seq - 1)}
                    if carrying:
                        headers[INPUTS_HEADER] = ",".join(carrying)
                    reply = f"{inbox}.{seq}"
                    answers[reply] = asyncio.get_running_loop().create_future()
                    waiting.append((seq, carrying, answers[reply]))
                    await nc.publish(subject, data, reply=reply, headers=headers)
                for seq, carrying, future in waiting:
                    problem = await _stored_as(future, seq)
                    if problem:
                        log.warning(
                            "node %s: event %d not published (%s): stepping down", self.node, seq, problem
                        )
                        self._deposed.set()
                        return
                    self._published(carrying)
        finally:
            with contextlib.suppress(Exception):
                await replies.unsubscribe()

    def _published(self, carrying: tuple[str, ...]) -> None:
        for ident in carrying:
            self.published.add(ident)
            taken = self._inputs.get(ident)
            if taken is not None:
                taken.published = True
                self._settle(ident, taken)

    # --- leader: input in ---------------------------------------------------------------------------------

    async def _take_input(self) -> None:
        from nats.errors import TimeoutError as NatsTimeout
        from nats.js.api import AckPolicy, ConsumerConfig

        assert self._js is not None
        ack = AckPolicy.EXPLICIT
        config = ConsumerConfig(ack_policy=ack, ack_wait=INPUT_ACK_WAIT_S, max_ack_pending=10**4)
        stream = input_stream(self.stream)
        sub = await self._js.pull_subscribe(
            input_subject(self.stream), durable=INPUT_CONSUMER, stream=stream, config=config
        )
        try:
            while self.leading:
                try:
                    msgs = await sub.fetch(INPUT_FETCH, timeout=0.5)
                except (NatsTimeout, TimeoutError):
                    continue
                for msg in msgs:  # one at a time: a cycle holds about one event's worth
                    while self.leading and self.host.input_backlogged():
                        await asyncio.sleep(0.005)
                    if not self.leading:
                        return
                    await self._take(msg)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _take(self, msg: Msg) -> None:
        try:
            batch = decode_batch(msg.data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            seq = msg.metadata.sequence.stream
            log.error("input message %d is not an ingest batch (%s): dropped", seq, exc)
            await msg.term()
            return
        ident = message_id(batch)
        if ident in self._inputs:
            return  # delivered again while its first delivery is being stored: that one is acknowledged
        if ident in self.published:  # its event is in the stream already: store it, publish nothing
            log.info("input %s came again and is already in the event stream: stored, not published", ident)
            self.inputs_again += 1
            loop = asyncio.get_running_loop()

            def stored(ok: bool) -> None:  # on the writer thread
                if ok:
                    loop.call_soon_threadsafe(self._background, _ack(msg))

            self.host.store_again(batch, stored)
            return
        self._inputs[ident] = _Input(msg)
        self.inputs_taken += 1
        self.host.accept_input(ident, batch)

    def carried(self, idents: list[str], published: bool) -> None:
        """The data path's cycle took these inputs; ``published`` when no event carries them."""
        if published:
            for ident in idents:
                taken = self._inputs.get(ident)
                if taken is not None:
                    taken.published = True

    def stored(self, idents: list[str], ok: bool) -> None:
        """What these inputs carried is committed (``ok``) or given up (then they come again)."""
        for ident in idents:
            taken = self._inputs.get(ident)
            if taken is None:
                continue
            if not ok:
                del self._inputs[ident]  # not acknowledged: the stream hands it over again
                continue
            taken.committed = True
            self._settle(ident, taken)

    def _settle(self, ident: str, taken: _Input) -> None:
        if taken.committed and taken.published:
            del self._inputs[ident]
            self._background(_ack(taken.msg))

    def _background(self, coro: Awaitable[None]) -> None:
        """Run a short task, held until it ends (an unreferenced task may be collected mid-way)."""
        task = asyncio.ensure_future(coro)
        self._side.add(task)
        task.add_done_callback(self._side.discard)

    # --- leader: snapshots and commands -----------------------------------------------------------------

    async def _snapshot_loop(self) -> None:
        while True:
            await asyncio.sleep(SNAPSHOT_EVERY_S)
            try:
                await self._save_snapshot()
            except Exception:
                log.exception("saving the cluster snapshot failed")

    async def _save_snapshot(self) -> None:
        """The serving state at its seq into PostgreSQL: where a starting node begins."""
        seq, data = self.state.seq, self.state.snapshot()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.snapshots.save, self.epoch, seq, data)

    async def _on_command(self, msg: Msg) -> None:
        self._background(self._answer(msg))

    async def _answer(self, msg: Msg) -> None:
        try:
            forwarded = decode_forwarded(msg.data)
            command = protocol.decode_client(forwarded.command)
        except (msgspec.DecodeError, msgspec.ValidationError, protocol.ProtocolError) as exc:
            ack = protocol.Ack(id="", ok=False, error=f"invalid: {exc}")
        else:
            if not isinstance(command, protocol.Command):
                ack = protocol.Ack(id="", ok=False, error="invalid: not a command")
            else:
                ack = await self.host.apply_command(forwarded.user, forwarded.role, command)
        with contextlib.suppress(Exception):
            await msg.respond(protocol.encode(ack))

    async def forward(self, user: str, role: str, command: protocol.Command) -> protocol.Ack:
        """A console's command at this node, applied by the leader; its answer (or why there is none)."""
        from nats.errors import NoRespondersError
        from nats.errors import TimeoutError as NatsTimeout

        assert self._nc is not None
        payload = encode_forwarded(ForwardedCommand(user=user, role=role, command=protocol.encode(command)))
        deadline = time.monotonic() + LEADER_TTL_S + 2 * COMMAND_WAIT_S
        error = "unavailable: no hub node leads the cluster; try again"
        while time.monotonic() < deadline:  # during a takeover there is briefly no leader to answer
            try:
                reply = await self._nc.request(command_subject(self.stream), payload, timeout=COMMAND_WAIT_S)
            except NoRespondersError:
                await asyncio.sleep(ELECT_RETRY_S)
                continue
            except (NatsTimeout, TimeoutError):
                error = "unavailable: the leading hub node did not answer in time; try again"
                continue
            except Exception as exc:  # NATS away (the connection is being made again)
                error = f"unavailable: the cluster cannot be reached ({exc or type(exc).__name__}); try again"
                await asyncio.sleep(ELECT_RETRY_S * 4)
                continue
            try:
                ack = protocol.decode_hub(reply.data)
            except protocol.ProtocolError as exc:
                return protocol.Ack(id=command.id, ok=False, error=f"internal: the leader's answer: {exc}")
            if isinstance(ack, protocol.Ack):
                return ack
            return protocol.Ack(id=command.id, ok=False, error="internal: the leader's answer is not an ack")
        return protocol.Ack(id=command.id, ok=False, error=error, target=command.target)


def _snapshot_of(data: bytes) -> protocol.Snapshot | None:
    """A saved snapshot, or None (logged) when the row holds something else."""
    try:
        snapshot = protocol.decode_hub(data)
    except protocol.ProtocolError as exc:
        log.error("the saved cluster snapshot cannot be read (%s): starting from the database", exc)
        return None
    return snapshot if isinstance(snapshot, protocol.Snapshot) else None


async def _stored_as(answer: asyncio.Future[bytes], seq: int) -> str:
    """ "" when JetStream stored the event as ``seq``; else what went wrong."""
    try:
        data = await asyncio.wait_for(answer, PUBLISH_WAIT_S)
    except TimeoutError:
        return f"no acknowledgement in {PUBLISH_WAIT_S:g} s"
    try:
        body = json.loads(data)
    except ValueError:
        return f"an acknowledgement that is not JSON: {data[:100]!r}"
    if not isinstance(body, dict):
        return "an acknowledgement that is not an object"
    if "error" in body:
        return f"refused: {body['error']}"
    if body.get("seq") != seq:
        return f"stored as {body.get('seq')}"
    return ""


async def _ack(msg: Msg) -> None:
    try:
        await msg.ack()
    except Exception as exc:  # the message comes again and is recognised as published
        log.warning("input acknowledgement failed: %s", exc)
