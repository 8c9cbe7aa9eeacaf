"""Test kit for a cluster's hub nodes: child processes on a real NATS stream and a real PostgreSQL database,
an ingest node's batches published with nats-py, and consoles on the real HubLink."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import sqlalchemy as sa

from console.core import protocol
from console.core.link import Backoff, HubLink, LinkState, LinkStatus
from console.core.models import Reading, Station
from console.core.units import UnitInfo
from console.hub.auth import hash_password
from console.hub.cluster.streams import ensure_input_stream, event_stream
from console.hub.cluster.wire import IngestBatch, encode_batch, input_subject, message_id
from console.hub.site import Site, write_site
from tests.net.hubkit import PW, station

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
        self.killed_at = 0.0  # monotonic time of its kill -9, 0 while it was not killed
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
    def url(self) -> str:
        """Its address as a console's link is given it."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def leading(self) -> bool:
        states = [line for line in self.lines if line.startswith(("LEADING", "FOLLOWING"))]
        return bool(states) and states[-1].startswith("LEADING")

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.killed_at = time.monotonic()
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

    def __init__(
        self,
        tmp: Path,
        nats_url: str,
        stream: str,
        db: str,
        stations: list[Station] | None = None,
        units: tuple[UnitInfo, ...] = (),
    ) -> None:
        self.tmp, self.nats_url, self.stream, self.db = tmp, nats_url, stream, db
        self.stations = STATIONS if stations is None else stations
        self.nodes: list[HubNode] = []
        self.nc = None
        self.batches = 0
        self.sent: list[tuple[str, str, float]] = []  # every reading published, as (station, factor, ts)
        write_site(Site(stations=tuple((s, PW) for s in self.stations), units=units), tmp / "site")
        coordinator = hash_password("pw-coordinator", n=2**4)
        (tmp / "users.toml").write_text(
            f'[[users]]\nname = "coord"\nrole = "coordinator"\npassword = "{coordinator}"\n', encoding="utf-8"
        )

    async def node(self, name: str, *extra: str) -> HubNode:
        node = HubNode(name, self.tmp, self.nats_url, self.stream, self.db, *extra)
        self.nodes.append(node)
        return await node.start()

    async def leader_and_follower(self, *follower_args: str) -> tuple[HubNode, HubNode]:
        """Node ``a``, once it leads, and node ``b`` (started with ``follower_args``) beside it."""
        a = await self.node("a")
        await a.until_line("LEADING")
        return a, await self.node("b", *follower_args)

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
            values = {f: (10.0 + self.batches % 50, "N") for f in FACTORS}
            uploads = [(s.id, ts, dict(values)) for s in self.stations]
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


class Tally:
    """The readings one console applied, kept small enough for hundreds of thousands of uploads: a bit per
    factor of each upload (station, data time in ms), so a reading applied twice is counted as such and a
    reading missing is found, per (station, factor, data time). Readings of other factors (the AQI the hub
    derives) are left out. ``timed``: when the first reading of each upload was applied (monotonic)."""

    def __init__(self, factors: Sequence[str], timed: bool = False) -> None:
        self.bit = {factor: 1 << i for i, factor in enumerate(factors)}
        self.full = (1 << len(factors)) - 1
        self.seen: dict[tuple[str, int], int] = {}
        self.twice = 0
        self.count = 0  # readings applied, of the tallied factors
        self.timed = timed
        self.arrivals: dict[tuple[str, int], float] = {}

    def add(self, items: Iterable[Reading]) -> None:
        now, seen, bits = time.monotonic(), self.seen, self.bit
        for r in items:
            bit = bits.get(r.factor)
            if bit is None:
                continue
            key = (r.station, round(r.ts * 1000))
            had = seen.get(key, 0)
            if had & bit:
                self.twice += 1
            elif not had and self.timed:
                self.arrivals[key] = now
            seen[key] = had | bit
            self.count += 1

    def missing(self, uploads: Iterable[tuple[str, int]]) -> int:
        """Readings of these uploads (each with every factor) not applied."""
        seen, full = self.seen, self.full
        return sum((full & ~seen.get(key, 0)).bit_count() for key in uploads)


class Watcher:
    """A console's link (the real HubLink) that counts every reading it applies.

    Given several nodes the link has them all, in that order, and fails over by itself; every status it
    takes is kept with the monotonic time it came. With a ``tally`` the readings go there instead of
    ``applied`` (a benchmark's volumes)."""

    def __init__(
        self,
        node: HubNode | Sequence[HubNode],
        position: tuple[str, int] | None = None,
        tally: Tally | None = None,
    ) -> None:
        self.nodes = [node] if isinstance(node, HubNode) else list(node)
        self.applied: Counter[tuple[str, str, float]] = Counter()
        self.tally = tally
        self.welcomes: list[protocol.Welcome] = []
        self.statuses: list[tuple[float, LinkStatus]] = []
        self.link = HubLink(
            [n.url for n in self.nodes], TOKEN, self._on, self._status, client_name="test", position=position,
            backoff=Backoff(base=0.05, cap=0.2),
        )  # fmt: skip
        self.link.start()

    def _on(self, message: protocol.HubMessage) -> None:
        if isinstance(message, protocol.Welcome):
            self.welcomes.append(message)
        elif isinstance(message, protocol.Readings):
            if self.tally is not None:
                self.tally.add(message.items)
                return
            for r in message.items:
                self.applied[(r.station, r.factor, r.ts)] += 1

    def _status(self, status: LinkStatus) -> None:
        self.statuses.append((time.monotonic(), status))

    def live_on(self, node: HubNode) -> bool:
        """Whether the link is live (welcomed) on this node now."""
        status = self.link.status
        return status.state == LinkState.LIVE and status.hub == node.url

    def live_since(self, node: HubNode, after: float, last: bool = False) -> float | None:
        """When the link first (or last) went live on this node after ``after`` (monotonic), if it did."""
        times = [t for t, s in self.statuses if t > after and s.state == LinkState.LIVE and s.hub == node.url]
        return (times[-1] if last else times[0]) if times else None

    def has_all(self, sent: list[tuple[str, str, float]]) -> bool:
        """Whether every one of these readings was applied (at least once)."""
        applied = self.applied
        return all(applied[key] for key in sent)

    async def until_welcomed(self, timeout: float = 15.0) -> protocol.Welcome:
        await until(lambda: bool(self.welcomes), timeout)
        return self.welcomes[-1]

    async def stop(self) -> None:
        await self.link.stop()


async def _until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def until(condition, timeout: float = 30.0, every: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(every)
