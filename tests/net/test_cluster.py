"""Hub nodes of a cluster on a real NATS JetStream server and a real PostgreSQL database.

The nodes run as child processes (``python -m console.hub --cluster ...``), so kill -9 is real; the input
is published by the test with nats-py, as an ingest node would, to the real input stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from console.core import protocol
from console.core.units import Fix, UnitInfo, UnitKind
from console.hub.cluster.streams import event_stream
from console.hub.cluster.wire import IngestBatch, encode_batch, input_subject, message_id
from tests.conftest import fresh_database
from tests.net.clusterkit import TOKEN, Cluster, HubNode, Watcher, until
from tests.net.hubkit import Console
from tests.net.test_cluster_ingest import NodeProcess
from tests.net.test_durability import VALUES, AnsweredLogger

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgresql", tmp_path) as url:
        yield url


@contextlib.asynccontextmanager
async def cluster_of(
    tmp_path: Path, cluster_stream: tuple[str, str], db: str, units: tuple[UnitInfo, ...] = ()
) -> AsyncIterator[Cluster]:
    cluster = Cluster(tmp_path, *cluster_stream, db, units=units)
    try:
        await cluster.connect()
        yield cluster
    finally:
        await cluster.close()


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
        await until(lambda: all(sum(w.applied.values()) > 300 for w in watchers))
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
        await until(lambda: all(w.has_all(sent) for w in moved), 30)
        await asyncio.sleep(0.5)  # anything applied twice would have come by now
        for w in moved:
            assert _exactly_once(w.applied, sent) == (0, 0)
            await w.stop()
        uploads = {(st, ts) for st, _, ts in sent}  # (the hourly AQI derived is stored beside them)
        await until(lambda: uploads <= set(cluster.stored()), 20)
        stored = cluster.stored()
        assert uploads <= set(stored) and {stored[key] for key in uploads} == {1}


async def test_loggers_through_an_ingest_node_reach_consoles_and_the_database_once(
    tmp_path, cluster_stream, database
) -> None:
    async with cluster_of(tmp_path, cluster_stream, database) as cluster:
        _, b = await cluster.leader_and_follower()
        watcher = Watcher(b)
        await watcher.until_welcomed()
        ingest = await NodeProcess(tmp_path, cluster.stream, nats_url=cluster.nats_url, node="in1").start()
        loggers = [AnsweredLogger(s) for s in cluster.stations]
        sending = [asyncio.create_task(logger.run(ingest.hj212_port)) for logger in loggers]
        await until(lambda: all(len(logger.answered) >= 20 for logger in loggers), 30)
        await ingest.stop()  # answers what it took, then closes: the loggers' connections end
        await asyncio.gather(*sending)
        answered = {key for logger in loggers for key in logger.answered}
        expected = [(st, factor, ts) for st, ts in answered for factor in VALUES]
        await until(lambda: watcher.has_all(expected), 30)
        await asyncio.sleep(0.5)
        assert _exactly_once(watcher.applied, expected) == (0, 0)
        await until(lambda: answered <= set(cluster.stored()), 20)
        await watcher.stop()


@pytest.mark.parametrize("end", ["kill", "stop"])
async def test_a_lost_leader_is_replaced_and_every_batch_is_published_once(
    tmp_path, cluster_stream, database, end
) -> None:
    """kill -9: the other node leads once the lease expires; SIGTERM: the leader gives the lead back."""
    async with cluster_of(tmp_path, cluster_stream, database) as cluster:
        a, b = await cluster.leader_and_follower()
        watcher = Watcher(b)
        await watcher.until_welcomed()
        sending = asyncio.create_task(cluster.publish(200, every_s=0.01))
        await until(lambda: sum(watcher.applied.values()) > 100)
        lost = time.monotonic()
        await (a.kill() if end == "kill" else a.stop())
        took_over = await b.until_line("LEADING", 30)
        print(f"{end}: node b leads {took_over - lost:.2f} s after node a was lost")
        await sending
        sent = cluster.sent
        await until(lambda: watcher.has_all(sent), 40)
        await asyncio.sleep(0.5)
        assert _exactly_once(watcher.applied, sent) == (0, 0)
        in_stream: Counter[tuple[str, str, float]] = Counter()
        for event in await cluster.published_events():
            if isinstance(event, protocol.Readings):
                in_stream.update((r.station, r.factor, r.ts) for r in event.items)
        assert _exactly_once(in_stream, sent) == (0, 0)
        uploads = {(st, ts) for st, _, ts in sent}
        await until(lambda: uploads <= set(cluster.stored()), 20)
        stored = cluster.stored()
        assert {stored[key] for key in uploads} == {1}
        await watcher.stop()


async def test_batches_a_killed_leader_published_but_had_not_stored_are_stored_and_not_published_again(
    tmp_path, cluster_stream, database
) -> None:
    async with cluster_of(tmp_path, cluster_stream, database) as cluster:
        a, b = await cluster.leader_and_follower()
        watcher = Watcher(b)
        await watcher.until_welcomed()
        await cluster.publish(3)
        await until(lambda: watcher.has_all(cluster.sent))
        engine = sa.create_engine(database)
        try:
            with engine.connect() as blocker:  # the leader's writes wait: its events go out, its acks do not
                blocker.execute(sa.text("LOCK TABLE frames IN EXCLUSIVE MODE"))
                await cluster.publish(10, every_s=0.02)
                await until(lambda: watcher.has_all(cluster.sent))
                await a.kill()
                blocker.rollback()
        finally:
            engine.dispose()
        await b.until_line("LEADING", 30)
        uploads = {(st, ts) for st, _, ts in cluster.sent}
        await until(lambda: uploads <= set(cluster.stored()), 40)  # handed to b again, and stored by it
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
        a, b = await cluster.leader_and_follower()
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
        _, b = await cluster.leader_and_follower("--replay-window", "5")  # b keeps only 5 events in memory
        watcher = Watcher(b)
        await watcher.until_welcomed()
        await cluster.publish(5, every_s=0.05)
        await until(lambda: watcher.has_all(cluster.sent))
        await watcher.stop()
        position = watcher.link.position
        await cluster.publish(40, every_s=0.05)  # one event each, far more than node b keeps
        info = await cluster.nc.jetstream().stream_info(event_stream(cluster.stream))
        assert position is not None and info.state.last_seq - position[1] > 5 * 3
        back = Watcher(b, position)
        assert (await back.until_welcomed()).resumed
        back.applied.update(watcher.applied)
        await until(lambda: back.has_all(cluster.sent), 20)
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


async def test_a_node_that_does_not_lead_lists_the_units_as_their_reports_came(
    tmp_path, cluster_stream, database
) -> None:
    """/api/units at any node: the position an ingest node's report brought, not the units as the node
    loaded them at its start."""
    import aiohttp

    unit = UnitInfo(id="U1", name="巡查一号", kind=UnitKind.INSPECTOR)
    async with cluster_of(tmp_path, cluster_stream, database, units=(unit,)) as cluster:
        _, b = await cluster.leader_and_follower()
        fix = Fix("U1", round(time.time()) - 5, 40.46, 115.99, speed_kmh=12.0)
        batch = IngestBatch(node="ingest-u", batch=1, fixes=[fix])
        js = cluster.nc.jetstream()
        headers = {"Nats-Msg-Id": message_id(batch)}
        await js.publish(input_subject(cluster.stream), encode_batch(batch), headers=headers)
        listed: list[dict] = []

        async def fetch() -> None:
            url = f"http://127.0.0.1:{b.http_port}/api/units"
            async with aiohttp.ClientSession() as http:
                auth = {"Authorization": f"Bearer {TOKEN}"}
                async with http.get(url, headers=auth) as response:
                    assert response.status == 200
                    listed[:] = await response.json()

        deadline = time.monotonic() + 30
        while not (listed and listed[0]["lat"] is not None) and time.monotonic() < deadline:
            await fetch()
            await asyncio.sleep(0.2)
        assert [(u["id"], u["lat"], u["lon"], u["fix"], u["ts"]) for u in listed] == [
            ("U1", 40.46, 115.99, True, fix.ts)
        ]
