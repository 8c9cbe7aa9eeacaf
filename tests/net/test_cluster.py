"""Hub nodes of a cluster on a real NATS JetStream server and a real PostgreSQL database.

The nodes run as child processes (``python -m console.hub --cluster ...``), so kill -9 is real; the input
is published by the test with nats-py, as an ingest node would, to the real input stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from console.core import protocol
from console.core.link import Backoff, HubLink
from console.core.models import Reading
from console.hub.auth import hash_password
from console.hub.cluster.streams import ensure_input_stream, event_stream
from console.hub.cluster.wire import IngestBatch, encode_batch, input_subject, message_id
from console.hub.site import Site, write_site
from tests.conftest import fresh_database
from tests.net.hubkit import PW, Console, station

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "cluster-token"
STATIONS = [station(n) for n in range(1, 5)]
FACTORS = ("a34004", "a34002", "a21026")


class HubNode:
    """``python -m console.hub --cluster ...`` as a child process; its stdout lines (READY, LEADING,
    FOLLOWING) are read as they come, its log goes to a file beside it."""

    def __init__(self, name: str, tmp: Path, nats_url: str, stream: str, db: str, *extra: str) -> None:
        self.name, self.tmp = name, tmp
        self.args = ["--cluster", nats_url, "--stream", stream, "--db", db, "--node", name]
        self.args += [
            "--site",
            str(tmp / "site"),
            "--data-dir",
            str(tmp / name),
            "--users",
            str(tmp / "users.toml"),
        ]
        self.args += ["--http-port", "0", "--token", TOKEN, "--heartbeat", "0.5", "--batch-ms", "10", *extra]
        self.proc: asyncio.subprocess.Process | None = None
        self.http_port = 0
        self.lines: list[str] = []
        self.log = tmp / f"{name}.log"
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> HubNode:
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "console.hub", *self.args, "--log-level", "INFO",
                stdout=asyncio.subprocess.PIPE, stderr=log, env=env,
            )  # fmt: skip
        self._reader = asyncio.create_task(self._read())
        await self.until_line("READY", 60)
        ready = next(line for line in self.lines if line.startswith("READY"))
        self.http_port = int(dict(part.split("=", 1) for part in ready.split()[1:])["http"])
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self.lines.append(line.decode().strip())

    async def until_line(self, prefix: str, timeout: float = 30.0) -> float:
        """Wait for a stdout line starting with ``prefix``; the monotonic time it was seen."""
        deadline = time.monotonic() + timeout
        while not any(line.startswith(prefix) for line in self.lines):
            if self.proc is not None and self.proc.returncode is not None:
                raise AssertionError(f"node {self.name} ended: {self.log.read_text()[-3000:]}")
            assert time.monotonic() < deadline, (
                f"node {self.name}: no {prefix} line; {self.log.read_text()[-3000:]}"
            )
            await asyncio.sleep(0.02)
        return time.monotonic()

    @property
    def leading(self) -> bool:
        states = [line for line in self.lines if line.startswith(("LEADING", "FOLLOWING"))]
        return bool(states) and states[-1].startswith("LEADING")

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 15)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


class Cluster:
    """One stream, one database, a site and a users file; nodes started on demand, stopped at the end."""

    def __init__(self, tmp: Path, nats_url: str, stream: str, db: str) -> None:
        self.tmp, self.nats_url, self.stream, self.db = tmp, nats_url, stream, db
        self.nodes: list[HubNode] = []
        self.nc = None
        self.batches = 0
        self.sent: list[tuple[str, str, float]] = []  # every reading published, as (station, factor, ts)
        write_site(Site(stations=tuple((s, PW) for s in STATIONS)), tmp / "site")
        coordinator = hash_password("pw-coordinator", n=2**4)
        (tmp / "users.toml").write_text(
            f'[[users]]\nname = "coord"\nrole = "coordinator"\npassword = "{coordinator}"\n', encoding="utf-8"
        )

    async def node(self, name: str, *extra: str) -> HubNode:
        node = HubNode(name, self.tmp, self.nats_url, self.stream, self.db, *extra)
        self.nodes.append(node)
        return await node.start()

    async def connect(self) -> None:
        import nats

        self.nc = await nats.connect(self.nats_url)
        await ensure_input_stream(self.nc.jetstream(), self.stream)

    async def publish(self, count: int, every_s: float = 0.0) -> None:
        """``count`` ingest batches as an ingest node sends them: an upload a station, one time each."""
        js = self.nc.jetstream()
        for _ in range(count):
            self.batches += 1
            ts = 1_760_000_000.0 + self.batches * 60
            uploads = [(s.id, ts, {f: (10.0 + self.batches % 50, "N") for f in FACTORS}) for s in STATIONS]
            readings = [
                Reading(st, f, t, value, flag) for st, t, vals in uploads for f, (value, flag) in vals.items()
            ]
            batch = IngestBatch(node="ingest-1", batch=self.batches, readings=readings, uploads=uploads)
            await js.publish(
                input_subject(self.stream), encode_batch(batch), headers={"Nats-Msg-Id": message_id(batch)}
            )
            self.sent += [(r.station, r.factor, r.ts) for r in readings]
            if every_s:
                await asyncio.sleep(every_s)

    async def published_events(self) -> list[protocol.HubMessage]:
        """Every event in the event stream, decoded, in order."""
        js = self.nc.jetstream()
        info = await js.stream_info(event_stream(self.stream))
        found = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(event_stream(self.stream), seq)
            found.append(protocol.decode_hub(msg.data))
        return found

    def stored(self) -> Counter[tuple[str, float]]:
        """(station, data time) of every upload row in PostgreSQL, counted."""
        engine = sa.create_engine(self.db)
        try:
            with engine.connect() as conn:
                return Counter(
                    (st, float(ts)) for st, ts in conn.execute(sa.text("SELECT station, ts FROM frames"))
                )
        finally:
            engine.dispose()

    async def close(self) -> None:
        for node in self.nodes:
            await node.stop()
        if self.nc is not None:
            await self.nc.close()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgresql", tmp_path) as url:
        yield url


@contextlib.asynccontextmanager
async def cluster_of(tmp_path: Path, cluster_stream: tuple[str, str], db: str) -> AsyncIterator[Cluster]:
    cluster = Cluster(tmp_path, *cluster_stream, db)
    try:
        await cluster.connect()
        yield cluster
    finally:
        await cluster.close()


class Watcher:
    """A console's link (the real HubLink) that counts every reading it applies."""

    def __init__(self, node: HubNode, position: tuple[str, int] | None = None) -> None:
        self.applied: Counter[tuple[str, str, float]] = Counter()
        self.welcomes: list[protocol.Welcome] = []
        self.link = HubLink(
            f"http://127.0.0.1:{node.http_port}", TOKEN, self._on, client_name="test", position=position,
            backoff=Backoff(base=0.05, cap=0.2),
        )  # fmt: skip
        self.link.start()

    def _on(self, message: protocol.HubMessage) -> None:
        if isinstance(message, protocol.Welcome):
            self.welcomes.append(message)
        elif isinstance(message, protocol.Readings):
            for r in message.items:
                self.applied[(r.station, r.factor, r.ts)] += 1

    async def until_welcomed(self, timeout: float = 15.0) -> protocol.Welcome:
        await _until(lambda: bool(self.welcomes), timeout)
        return self.welcomes[-1]

    async def stop(self) -> None:
        await self.link.stop()


async def _until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def _exactly_once(applied: Counter, sent: list) -> tuple[int, int]:
    """(lost, applied twice) of the sent readings in what a console applied."""
    lost = sum(1 for key in sent if applied[key] == 0)
    twice = sum(1 for key in sent if applied[key] > 1)
    return lost, twice


async def test_consoles_of_a_killed_node_resume_at_the_other_and_miss_nothing(
    tmp_path, cluster_stream, database
) -> None:
    async with cluster_of(tmp_path, cluster_stream, database) as cluster:
        b = await cluster.node("b")
        await b.until_line("LEADING")
        a = await cluster.node("a")
        watchers = [Watcher(a) for _ in range(3)]
        for w in watchers:
            assert not (await w.until_welcomed()).resumed  # a first hello: a snapshot
        sending = asyncio.create_task(cluster.publish(150, every_s=0.01))
        await _until(lambda: all(sum(w.applied.values()) > 300 for w in watchers))
        await a.kill()  # mid-stream: the consoles' links break
        positions = [w.link.position for w in watchers]
        for w in watchers:
            await w.stop()
        moved = [Watcher(b, position) for position in positions]
        for old, new in zip(watchers, moved, strict=True):
            assert (await new.until_welcomed()).resumed, "the console was not resumed at the other node"
            new.applied.update(old.applied)
        await sending
        sent = cluster.sent
        await _until(lambda: all(sum(w.applied.values()) >= len(sent) for w in moved), 30)
        await asyncio.sleep(0.5)  # anything applied twice would have come by now
        for w in moved:
            assert _exactly_once(w.applied, sent) == (0, 0)
            await w.stop()
        uploads = {(st, ts) for st, _, ts in sent}  # (the hourly AQI derived is stored beside them)
        await _until(lambda: uploads <= set(cluster.stored()), 20)
        stored = cluster.stored()
        assert uploads <= set(stored) and {stored[key] for key in uploads} == {1}


async def test_a_killed_leader_is_replaced_and_every_batch_is_published_once(
    tmp_path, cluster_stream, database
) -> None:
    async with cluster_of(tmp_path, cluster_stream, database) as cluster:
        a = await cluster.node("a")
        await a.until_line("LEADING")
        b = await cluster.node("b")
        watcher = Watcher(b)
        await watcher.until_welcomed()
        sending = asyncio.create_task(cluster.publish(200, every_s=0.01))
        await _until(lambda: sum(watcher.applied.values()) > 200)
        killed = time.monotonic()
        await a.kill()
        took_over = await b.until_line("LEADING", 30)
        print(f"takeover: node b leads {took_over - killed:.2f} s after node a was killed")
        await sending
        sent = cluster.sent
        await _until(lambda: sum(watcher.applied.values()) >= len(sent), 40)
        await asyncio.sleep(0.5)
        assert _exactly_once(watcher.applied, sent) == (0, 0)
        in_stream: Counter[tuple[str, str, float]] = Counter()
        for event in await cluster.published_events():
            if isinstance(event, protocol.Readings):
                in_stream.update((r.station, r.factor, r.ts) for r in event.items)
        assert _exactly_once(in_stream, sent) == (0, 0)
        uploads = {(st, ts) for st, _, ts in sent}
        await _until(lambda: uploads <= set(cluster.stored()), 20)
        stored = cluster.stored()
        assert {stored[key] for key in uploads} == {1}
        await watcher.stop()


async def test_batches_a_killed_leader_published_but_had_not_stored_are_stored_and_not_published_again(
    tmp_path, cluster_stream, database
) -> None:
    async with cluster_of(tmp_path, cluster_stream, database) as cluster:
        a = await cluster.node("a")
        await a.until_line("LEADING")
        b = await cluster.node("b")
        watcher = Watcher(b)
        await watcher.until_welcomed()
        await cluster.publish(3)
        await _until(lambda: sum(watcher.applied.values()) >= len(cluster.sent))
        engine = sa.create_engine(database)
        try:
            with engine.connect() as blocker:  # the leader's writes wait: its events go out, its acks do not
                blocker.execute(sa.text("LOCK TABLE frames IN EXCLUSIVE MODE"))
                await cluster.publish(10, every_s=0.02)
                await _until(lambda: sum(watcher.applied.values()) >= len(cluster.sent))
                await a.kill()
                blocker.rollback()
        finally:
            engine.dispose()
        await b.until_line("LEADING", 30)
        uploads = {(st, ts) for st, _, ts in cluster.sent}
        await _until(lambda: uploads <= set(cluster.stored()), 40)  # handed to b again, and stored by it
        await asyncio.sleep(0.5)
        assert _exactly_once(watcher.applied, cluster.sent) == (0, 0)
        in_stream: Counter[tuple[str, str, float]] = Counter()
        for event in await cluster.published_events():
            if isinstance(event, protocol.Readings):
                in_stream.update((r.station, r.factor, r.ts) for r in event.items)
        assert _exactly_once(in_stream, cluster.sent) == (0, 0)
        assert "already in the event stream" in b.log.read_text()
        await watcher.stop()


async def test_consoles_on_two_nodes_acting_on_one_version_one_wins_one_conflicts(
    tmp_path, cluster_stream, database
) -> None:
    async with cluster_of(tmp_path, cluster_stream, database) as cluster:
        a = await cluster.node("a")
        await a.until_line("LEADING")
        b = await cluster.node("b")
        health = [await _health(node) for node in (a, b)]
        assert [h["cluster"]["leading"] for h in health] == [True, False]
        assert health[0]["epoch"] == health[1]["epoch"]  # the stream's identity, the same at every node
        token = await _login(a, "coord", "pw-coordinator")  # a login at one node is good at the other
        first, second = await Console.connect(a, token=token), await Console.connect(b, token=token)
        for console in (first, second):
            welcome = await console.until(lambda m: isinstance(m, protocol.Welcome))
            assert welcome.role == "coordinator"
        ack = await second.command("report", title="Open burning", category="air", station="T-001")
        assert ack.ok, ack.error  # made at the node that does not lead: applied by the leader
        version = ack.version
        for _ in range(3):
            acks = await asyncio.gather(
                first.command("dispatch", ack.target, version, assignee="A"),
                second.command("dispatch", ack.target, version, assignee="B"),
            )
            assert sorted(x.ok for x in acks) == [False, True]
            loser, winner = sorted(acks, key=lambda x: x.ok)
            assert loser.error.startswith("conflict:"), loser.error
            version = winner.version
        for console in (first, second):  # both nodes' consoles see every version once, in order

            def versions(console: Console = console) -> list[int]:
                return [m.incident.version for m in console.messages if isinstance(m, protocol.IncidentEvent)]

            with contextlib.suppress(TimeoutError):
                await console.until(lambda m: versions() == list(range(1, version + 1)), 5)
            assert versions() == list(range(1, version + 1))
            await console.close()


async def test_a_console_resumes_from_the_stream_beyond_the_nodes_memory(
    tmp_path, cluster_stream, database
) -> None:
    async with cluster_of(tmp_path, cluster_stream, database) as cluster:
        a = await cluster.node("a")
        await a.until_line("LEADING")
        b = await cluster.node("b", "--replay-window", "5")  # keeps only the last 5 events in memory
        watcher = Watcher(b)
        await watcher.until_welcomed()
        await cluster.publish(5, every_s=0.05)
        await _until(lambda: sum(watcher.applied.values()) >= len(cluster.sent))
        await watcher.stop()
        position = watcher.link.position
        await cluster.publish(40, every_s=0.05)  # one event each, far more than node b keeps
        info = await cluster.nc.jetstream().stream_info(event_stream(cluster.stream))
        assert position is not None and info.state.last_seq - position[1] > 5 * 3
        back = Watcher(b, position)
        assert (await back.until_welcomed()).resumed
        back.applied.update(watcher.applied)
        await _until(lambda: sum(back.applied.values()) >= len(cluster.sent), 20)
        await asyncio.sleep(0.3)
        assert _exactly_once(back.applied, cluster.sent) == (0, 0)
        await back.stop()


async def _login(node: HubNode, user: str, password: str) -> str:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        body = {"user": user, "password": password}
        async with http.post(f"http://127.0.0.1:{node.http_port}/api/login", json=body) as resp:
            assert resp.status == 200, await resp.text()
            return (await resp.json())["token"]


async def _health(node: HubNode) -> dict:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{node.http_port}/healthz") as resp:
            return await resp.json()
