"""The link against a hub that sends junk: unknown types are skipped, malformed or oversized messages cost
the connection (never the console), and the link resumes from the last event it applied."""

from __future__ import annotations

import asyncio
import contextlib

import msgspec
import pytest
from aiohttp import WSMsgType, web

from console.core import protocol
from console.core.link import Backoff, HubLink, LinkState
from console.core.models import Reading
from tests.net.hubkit import station
from tests.net.test_link import Recorder, wait_for

pytestmark = pytest.mark.asyncio
EPOCH = "e1"
T0 = 1_763_700_000.0


def readings(seq: int) -> bytes:
    item = Reading("T-001", "a34004", T0 + seq, float(seq))
    return protocol.encode(protocol.Readings(epoch=EPOCH, seq=seq, items=[item]))


class JunkHub:
    """A websocket server on loopback that plays one script per connection and records each hello."""

    def __init__(self, scripts: list[list[bytes]]) -> None:
        self.scripts = scripts
        self.hellos: list[protocol.Hello] = []
        self.port = 0

    async def start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_get("/ws", self._ws)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return runner

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        msg = await ws.receive()
        self.hellos.append(protocol.decode_client(msg.data))
        script = self.scripts[min(len(self.hellos), len(self.scripts)) - 1]
        for data in script:
            await ws.send_frame(data, WSMsgType.TEXT)
        beating = asyncio.create_task(self._heartbeats(ws))
        async for _ in ws:  # reading answers the client's close
            pass
        beating.cancel()
        return ws

    @staticmethod
    async def _heartbeats(ws: web.WebSocketResponse) -> None:
        with contextlib.suppress(ConnectionError):  # they keep the link alive until the client goes
            while not ws.closed:
                await ws.send_bytes(protocol.encode(protocol.Heartbeat(epoch=EPOCH, seq=0, ts=0.0)))
                await asyncio.sleep(0.1)


def welcome(seq: int, resumed: bool) -> bytes:
    return protocol.encode(
        protocol.Welcome(epoch=EPOCH, seq=seq, role="duty", heartbeat_s=1.0, resumed=resumed)
    )


async def test_junk_from_the_hub_is_logged_and_survived(caplog) -> None:
    snapshot = protocol.encode(
        protocol.Snapshot(epoch=EPOCH, seq=0, stations=[station(1)], latest=[], status=[])
    )
    unknown = msgspec.json.encode({"type": "drone_feed", "epoch": EPOCH, "seq": 2, "feed": {"id": "V1"}})
    malformed = b'{"type": "readings", "epoch": "e1", "seq": 4, "items": [["T-001"]]}'
    oversized = b'{"type": "heartbeat", "pad": "' + b"x" * (protocol.MAX_MESSAGE_BYTES + 10) + b'"}'
    hub = JunkHub(
        [
            [welcome(0, False), snapshot, readings(1), unknown, readings(3), malformed],
            [welcome(3, True), readings(4), oversized],
            [welcome(4, True)],
        ]
    )
    runner = await hub.start()
    rec = Recorder()
    link = HubLink(f"http://127.0.0.1:{hub.port}", "t", rec.on_message, rec.on_status,
                   backoff=Backoff(base=0.05, cap=0.1))  # fmt: skip
    link.start()
    try:
        await wait_for(lambda: len(hub.hellos) >= 3 and link.status.state == LinkState.LIVE, timeout=20)
        assert [h.resume for h in hub.hellos[:3]] == [
            None,
            protocol.Resume(EPOCH, 3),  # the unknown event counted, the malformed one not applied
            protocol.Resume(EPOCH, 4),
        ]
        applied = [r.value for m in rec.messages if isinstance(m, protocol.Readings) for r in m.items]
        assert applied == [1.0, 3.0, 4.0]  # each once, in order
        assert rec.store.value("T-001", "a34004").value == 4.0
        assert link.unknown_types == {"drone_feed": 1}
        assert "ignoring 'drone_feed' messages" in caplog.text and "bad message from the hub" in caplog.text
    finally:
        await link.stop()
        await runner.cleanup()
