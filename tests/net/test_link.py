"""The console's link against a real hub: snapshot, live events, resume after cuts, dead-link detection."""

from __future__ import annotations

import asyncio
import time

import pytest

from console.core import protocol
from console.core.link import Backoff, HubLink, LinkState
from console.core.store import Store
from tests.net.hubkit import STATIONS, TOKEN, Logger, running_hub, upload
from tests.net.proxy import FaultProxy

pytestmark = pytest.mark.asyncio
AIR = {"a34004": 35.0, "a34002": 60.0}
T0 = 1_763_700_000.0


class Recorder:
    """Applies what the link delivers to a store, like the console does."""

    def __init__(self) -> None:
        self.store = Store()
        self.messages: list = []
        self.states: list[LinkState] = []

    def on_message(self, message) -> None:
        self.messages.append(message)
        self.store.apply(message)

    def on_status(self, status) -> None:
        self.states.append(status.state)


async def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)


def fast_link(port: int, rec: Recorder, token: str = TOKEN) -> HubLink:
    return HubLink(f"http://127.0.0.1:{port}", token, rec.on_message, rec.on_status,
                   backoff=Backoff(base=0.05, cap=0.2))  # fmt: skip


def readings_seen(rec: Recorder) -> list:
    return [r for m in rec.messages if isinstance(m, protocol.Readings) for r in m.items]


async def test_link_takes_a_snapshot_then_live_events(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        rec = Recorder()
        link = fast_link(hub.http_port, rec)
        link.start()
        await wait_for(lambda: rec.store.stations)
        logger = await Logger.connect(hub)
        await logger.send(upload(STATIONS[0], T0, AIR))
        await wait_for(lambda: rec.store.value("T-001", "a34004") is not None)
        assert rec.store.value("T-001", "a34004").value == 35.0
        assert link.status.state == LinkState.LIVE and link.position == (hub.events.epoch, hub.events.seq)
        await logger.close()
        await link.stop()


async def test_cuts_are_resumed_without_loss_or_duplicates(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        proxy = await FaultProxy(hub.http_port).start()
        rec = Recorder()
        link = fast_link(proxy.port, rec)
        link.start()
        await wait_for(lambda: rec.store.stations)
        logger = await Logger.connect(hub)
        for minute in range(60):
            await logger.send(upload(STATIONS[minute % 3], T0 + 60 * minute, AIR))
            if minute % 10 == 5:
                proxy.cut()
            await asyncio.sleep(0.01)
        await wait_for(lambda: len({(r.station, r.ts, r.factor) for r in readings_seen(rec)}) >= 120)
        await wait_for(lambda: link.position == (hub.events.epoch, hub.events.seq))
        keys = [(r.station, r.ts, r.factor) for r in readings_seen(rec)]
        assert len(keys) == len(set(keys)) == 120
        assert link.connects >= 4 and proxy.connections >= 4
        snapshots = [m for m in rec.messages if isinstance(m, protocol.Snapshot)]
        assert len(snapshots) == 1  # every reconnect resumed inside the replay window
        await logger.close()
        await link.stop()
        await proxy.close()


async def test_silent_hub_is_detected_within_three_heartbeats(tmp_path) -> None:
    async with running_hub(tmp_path, heartbeat_s=0.3) as hub:
        proxy = await FaultProxy(hub.http_port).start()
        rec = Recorder()
        link = fast_link(proxy.port, rec)
        link.start()
        await wait_for(lambda: link.status.state == LinkState.LIVE)
        proxy.stall()  # half-open: the TCP connection stays up, nothing arrives
        stalled_at = time.monotonic()
        await wait_for(lambda: link.status.state == LinkState.RECONNECTING, timeout=5)
        assert time.monotonic() - stalled_at < 3 * 0.3 + 0.5
        assert "heartbeat" in link.status.detail
        proxy.resume()
        await wait_for(lambda: link.status.state == LinkState.LIVE)
        await link.stop()
        await proxy.close()


async def test_new_hub_epoch_gives_a_fresh_snapshot(tmp_path) -> None:
    rec = Recorder()
    async with running_hub(tmp_path) as hub:
        port = hub.http_port
        link = fast_link(port, rec)
        link.start()
        await wait_for(lambda: rec.store.epoch == hub.events.epoch)
        first_epoch = hub.events.epoch
    await wait_for(lambda: link.status.state != LinkState.LIVE)
    async with running_hub(tmp_path / "again", http_port=port) as hub:
        await wait_for(lambda: rec.store.epoch == hub.events.epoch)
        assert hub.events.epoch != first_epoch
        assert sum(isinstance(m, protocol.Snapshot) for m in rec.messages) == 2
    await link.stop()


async def test_wrong_token_is_shown_as_refused(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        rec = Recorder()
        link = fast_link(hub.http_port, rec, token="wrong")
        link.start()
        await wait_for(lambda: link.status.state == LinkState.REFUSED)
        assert "wrong token" in link.status.detail
        await link.stop()
