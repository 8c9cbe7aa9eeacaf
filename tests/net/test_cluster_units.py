"""Units an ingest node takes on the fly (``--accept-unknown-units``) in a cluster on a real NATS JetStream
server and a real PostgreSQL database: the leading hub node makes them too when it has the flag, and says
which flag is missing when it has not."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from console.core import protocol
from console.core.units import Fix, UnitState
from console.hub.cluster.wire import IngestBatch, decode_batch, encode_batch
from tests.conftest import fresh_database
from tests.net.clusterkit import TOKEN, Cluster, HubNode, Watcher, until
from tests.net.test_cluster_ingest import NodeProcess
from tests.net.unitkit import LAT, LON, UNITS

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgresql", tmp_path) as url:
        yield url


class UnitWatcher(Watcher):
    """A console's link that keeps the units and fixes of every unit event it applies."""

    def __init__(self, node: HubNode) -> None:
        self.units: dict[str, UnitState] = {}
        self.fixes: list[Fix] = []
        super().__init__(node)

    def _on(self, message: protocol.HubMessage) -> None:
        if isinstance(message, protocol.UnitEvent):
            self.units.update((state.info.id, state) for state in message.units)
            self.fixes += message.fixes
        elif isinstance(message, protocol.Snapshot):
            self.units.update((state.info.id, state) for state in message.units)
        super()._on(message)


@contextlib.asynccontextmanager
async def units_cluster(
    tmp_path: Path, cluster_stream: tuple[str, str], db: str, *hub_flags: str
) -> AsyncIterator[tuple[Cluster, HubNode, HubNode, NodeProcess]]:
    """Two hub nodes (``a`` leads) with ``hub_flags`` and an ingest node taking unknown OsmAnd phones."""
    cluster = Cluster(tmp_path, *cluster_stream, db, units=UNITS)
    ingest = None
    try:
        await cluster.connect()
        a = await cluster.node("a", *hub_flags)
        await a.until_line("LEADING")
        b = await cluster.node("b", *hub_flags)
        flags = ("--osmand-port", "0", "--accept-unknown-units")
        ingest = await NodeProcess(
            tmp_path, cluster.stream, *flags, nats_url=cluster.nats_url, node="in1"
        ).start()
        yield cluster, a, b, ingest
    finally:
        if ingest is not None:
            await ingest.kill()
        await cluster.close()


async def _phone_reports(ingest: NodeProcess, device: str, ts: float) -> None:
    url = f"http://127.0.0.1:{ingest.ports['osmand']}/"
    params = {"id": device, "lat": str(LAT), "lon": str(LON), "timestamp": str(int(ts))}
    async with aiohttp.ClientSession() as http, http.get(url, params=params) as resp:
        assert resp.status == 200, await resp.text()  # the ingest node took it: it is in the input stream


async def _listed(node: HubNode) -> list[dict]:
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{node.http_port}/api/units"
        async with http.get(url, headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 200
            return list(await resp.json())


async def test_an_unknown_phone_taken_by_an_ingest_node_becomes_a_unit_at_every_node(
    tmp_path, cluster_stream, database
) -> None:
    async with units_cluster(tmp_path, cluster_stream, database, "--accept-unknown-units") as (
        _,
        a,
        b,
        ingest,
    ):
        console = UnitWatcher(b)  # a console of the node that does not lead
        try:
            await console.until_welcomed()
            ts = round(time.time()) - 5
            await _phone_reports(ingest, "new-phone", ts)
            await until(lambda: any(s.info.device == "new-phone" for s in console.units.values()), 30)
            state = next(s for s in console.units.values() if s.info.device == "new-phone")
            assert state.info.name == "new-phone" and str(state.info.kind) == "inspector"
            await until(lambda: any(f.unit == state.info.id for f in console.fixes), 30)
            fix = next(f for f in console.fixes if f.unit == state.info.id)
            assert (fix.ts, fix.lat, fix.lon) == (ts, LAT, LON)
            for node in (a, b):  # the leader from PostgreSQL, the other from its serving state
                deadline = time.monotonic() + 30
                while not any(u["id"] == state.info.id and u["lat"] is not None for u in await _listed(node)):
                    assert time.monotonic() < deadline, f"node {node.name} does not list {state.info.id}"
                    await asyncio.sleep(0.2)
            await a.stop()  # b takes over with the unit from PostgreSQL: a second report moves it
            await b.until_line("LEADING")
            await _phone_reports(ingest, "new-phone", ts + 10)
            await until(lambda: any(f.unit == state.info.id and f.ts == ts + 10 for f in console.fixes), 30)
        finally:
            await console.stop()


async def test_without_the_hub_nodes_flag_an_unknown_units_reports_are_refused_and_the_log_says_why(
    tmp_path, cluster_stream, database
) -> None:
    async with units_cluster(tmp_path, cluster_stream, database) as (_, a, b, ingest):
        console = UnitWatcher(b)
        try:
            await console.until_welcomed()
            await _phone_reports(ingest, "new-phone", round(time.time()) - 5)
            await until(lambda: "--accept-unknown-units" in a.log.read_text(), 30)
            line = next(x for x in a.log.read_text().splitlines() if "--accept-unknown-units" in x)
            assert "osmand-new-phone" in line and "refused" in line, line
            await _phone_reports(ingest, "phone-1", round(time.time()) - 4)  # a unit of units.csv
            await until(lambda: any(f.unit == "INSP-1" for f in console.fixes), 30)  # events come
            assert not any(s.info.device == "new-phone" for s in console.units.values())
            assert not any(f.unit.startswith("osmand-") for f in console.fixes)
            assert not any(u["id"].startswith("osmand-") for u in await _listed(a))
        finally:
            await console.stop()


async def test_a_batch_of_an_older_node_without_units_still_decodes() -> None:
    import msgspec

    class OlderBatch(msgspec.Struct, kw_only=True):  # IngestBatch before it described units
        node: str
        batch: int
        fixes: list[Fix] = msgspec.field(default_factory=list)
        version: int = 1

    fix = Fix("VAN-1", 1_700_000_000.0, LAT, LON)
    decoded = decode_batch(msgspec.msgpack.encode(OlderBatch(node="old", batch=7, fixes=[fix])))
    assert (decoded.node, decoded.batch, decoded.fixes, decoded.units) == ("old", 7, [fix], [])
    older = msgspec.msgpack.Decoder(OlderBatch).decode(
        encode_batch(IngestBatch(node="new", batch=8, units=[UNITS[2]]))
    )
    assert (older.node, older.batch) == ("new", 8)  # and an older leader reads a newer batch
