"""A console given both hub nodes of a cluster fails over by itself when the node it is on is killed.

Real NATS JetStream, real PostgreSQL, the nodes as child processes (kill -9 is real), the console's real
HubLink given ``[A, B]``: nothing moves it but the link itself. Node A leads in one case and follows in
the other; either way the console resumes at B in the same epoch and applies every reading once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import fresh_database
from tests.net.clusterkit import Cluster, Watcher, until
from tests.net.test_cluster import cluster_of

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgresql", tmp_path) as url:
        yield url


async def _two_nodes(cluster: Cluster, a_leads: bool):
    """Nodes a and b, a leading or following as asked."""
    first = await cluster.node("a" if a_leads else "b")
    await first.until_line("LEADING")
    second = await cluster.node("b" if a_leads else "a")
    assert not second.leading
    return (first, second) if a_leads else (second, first)


@pytest.mark.parametrize("a_leads", [True, False], ids=["a-leads", "a-follows"])
async def test_a_console_on_both_nodes_goes_live_on_the_other_by_itself_missing_nothing(
    tmp_path, cluster_stream, database, a_leads: bool
) -> None:
    async with cluster_of(tmp_path, cluster_stream, database) as cluster:
        a, b = await _two_nodes(cluster, a_leads)
        watcher = Watcher([a, b])  # one link, both addresses: a first
        try:
            first = await watcher.until_welcomed(30)
            assert watcher.live_on(a) and not first.resumed  # a first hello: a snapshot from a
            sending = asyncio.create_task(cluster.publish(150, every_s=0.01))
            await until(lambda: sum(watcher.applied.values()) > 300)
            await a.kill()  # mid-stream, under the console's feet
            await until(lambda: watcher.live_on(b), 30)
            welcome = watcher.welcomes[-1]
            assert len(watcher.welcomes) == 2 and welcome.resumed, "the console was not resumed at node b"
            assert welcome.epoch == first.epoch  # one cluster: one epoch, one sequence of events
            assert watcher.link.status.detail.startswith("resumed · hub 2 of 2")
            await sending
            await until(lambda: watcher.has_all(cluster.sent), 40)
            await asyncio.sleep(0.5)  # anything applied twice would have come by now
            lost = sum(1 for key in cluster.sent if watcher.applied[key] == 0)
            twice = sum(1 for key in cluster.sent if watcher.applied[key] > 1)
            assert (lost, twice) == (0, 0)
            assert len(watcher.welcomes) == 2  # no further reconnect on b
        finally:
            await watcher.stop()
