"""Cluster benchmark: two hub nodes on one NATS stream and one PostgreSQL database, a console on the follower.

An ingest node's batches (one upload per station, six factors) are published to ``<S>.in`` with nats-py as
fast as JetStream takes them; the leader stores them and publishes the events; the follower relays them to
a console (the real HubLink). Figures:
  end_to_end_readings_s  readings a second from the first publish until the console has applied them all;
  takeover_s             from kill -9 of the leader until the follower prints that it leads;
  resumed_s              from that kill until the console has the batches published after it;
  lost, twice            readings of the published batches the console lacks / applied more than once.

Usage: python bench/cluster.py [--stations 100] [--batches 300]   (needs NATS on 127.0.0.1:4222 and
PostgreSQL on 127.0.0.1:5432, as the tests do). The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from console.hub.cluster.streams import delete_streams
from tests.net.clusterkit import Cluster, Watcher, until
from tests.net.hubkit import station

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
NATS = "nats://127.0.0.1:4222"


async def run(stations: int, batches: int, tmp: Path, db: str, stream: str) -> dict[str, float]:
    cluster = Cluster(tmp, NATS, stream, db, [station(n) for n in range(1, stations + 1)])
    try:
        await cluster.connect()
        a = await cluster.node("a")
        await a.until_line("LEADING")
        b = await cluster.node("b")
        watcher = Watcher(b)
        await watcher.until_welcomed()
        started = time.monotonic()
        await cluster.publish(batches)
        published = time.monotonic() - started
        await until(lambda: watcher.has_all(cluster.sent), 600, every=0.25)
        elapsed = time.monotonic() - started
        readings = len(cluster.sent)
        sending = asyncio.create_task(cluster.publish(batches // 3, every_s=0.01))
        await asyncio.sleep(0.3)
        killed = time.monotonic()
        await a.kill()
        takeover = await b.until_line("LEADING", 60) - killed
        await sending
        await until(lambda: watcher.has_all(cluster.sent), 120, every=0.25)
        resumed = time.monotonic() - killed
        lost = sum(1 for key in cluster.sent if watcher.applied[key] == 0)
        twice = sum(1 for key in cluster.sent if watcher.applied[key] > 1)
        await watcher.stop()
        return {
            "stations": stations,
            "batches": batches,
            "readings": readings,
            "publish_s": round(published, 2),
            "end_to_end_s": round(elapsed, 2),
            "end_to_end_readings_s": round(readings / elapsed),
            "takeover_s": round(takeover, 2),
            "resumed_s": round(resumed, 2),
            "lost": lost,
            "twice": twice,
        }
    finally:
        await cluster.close()
        import nats

        nc = await nats.connect(NATS)
        await delete_streams(nc.jetstream(), stream)
        try:
            await nc.jetstream().delete_key_value(f"{stream}_LEADER")
        finally:
            await nc.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stations", type=int, default=100)
    p.add_argument("--batches", type=int, default=300)
    args = p.parse_args()
    name = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            figures = asyncio.run(run(args.stations, args.batches, Path(tmp), db, f"B{name[6:].upper()}"))
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
