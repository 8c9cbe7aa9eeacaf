"""Test kit for units: JT/T 808 terminals on real TCP connections, a hub with a unit registry."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import msgspec

from console.core import jt808
from console.core.jt808 import Header, Location, Message
from console.core.units import UnitInfo, UnitKind, UnitSource
from console.hub.server import Hub
from tests.net.hubkit import TOKEN, running_hub, yanqing_site

# Near the Yanqing district seat (WGS-84).
LAT, LON = 40.4650, 115.9850
JT808, OSMAND = UnitSource.JT808, UnitSource.OSMAND
UNITS = (
    UnitInfo(id="VAN-1", name="监测车1", kind=UnitKind.MONITORING_VAN, source=JT808, device="13800000001"),
    UnitInfo(id="CAR-2", name="执法车2", kind=UnitKind.ENFORCEMENT, source=JT808, device="13800000002"),
    UnitInfo(id="INSP-1", name="巡查员1", kind=UnitKind.INSPECTOR, source=OSMAND, device="phone-1"),
    UnitInfo(id="DRONE-1", name="无人机1", kind=UnitKind.DRONE, source=OSMAND, device="drone-1"),
)  # fmt: skip


@contextlib.asynccontextmanager
async def unit_hub(tmp_path: Path, **overrides: object) -> AsyncIterator[Hub]:
    site = msgspec.structs.replace(yanqing_site(), units=UNITS)
    settings: dict = {"site": site, "jt808_port": 0, "osmand_port": 0, **overrides}
    async with running_hub(tmp_path, **settings) as hub:
        yield hub


def location(ts: float | None, lat: float = LAT, lon: float = LON, **fields: object) -> Location:
    values: dict = {"alarm": 0, "status": jt808.POSITIONED, "altitude": 500, "speed": 36.0, "heading": 90}
    values |= fields
    return Location(latitude=lat, longitude=lon, time=None if ts is None else int(ts), **values)


class Terminal:
    """A JT/T 808 terminal on a real TCP connection to the hub."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, phone: str) -> None:
        self.reader, self.writer, self.phone = reader, writer, phone
        self.serial = 0
        self.splitter = jt808.FrameSplitter()
        self.received: list[Message] = []
        self.version = 2013

    @classmethod
    async def connect(cls, hub: Hub, phone: str = "013800000001", version: int = 2013) -> Terminal:
        reader, writer = await asyncio.open_connection("127.0.0.1", hub.units.jt808_port)
        terminal = cls(reader, writer, phone)
        terminal.version = version
        return terminal

    def header(self, msg_id: int, **fields: object) -> Header:
        self.serial += 1
        phone = self.phone.rjust(20 if self.version == 2019 else 12, "0")
        protocol = 1 if self.version == 2019 else None
        return Header(msg_id, phone, self.serial, self.version, protocol, **fields)  # type: ignore[arg-type]

    def frame(self, body: jt808.Body) -> bytes:
        ids = {
            jt808.Location: jt808.LOCATION,
            jt808.Batch: jt808.BATCH,
            jt808.Registration: jt808.REGISTRATION,
            jt808.Authentication: jt808.AUTHENTICATION,
            jt808.Heartbeat: jt808.HEARTBEAT,
        }
        return jt808.encode(Message(self.header(ids[type(body)]), body))

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def reply(self, timeout: float = 5.0) -> Message:
        """The next message from the hub."""
        while True:
            if self.received:
                return self.received.pop(0)
            data = await asyncio.wait_for(self.reader.read(4096), timeout)
            if not data:
                raise ConnectionError("the hub closed the connection")
            self.received += [jt808.decode(frame) for frame in self.splitter.feed(data)]

    async def ask(self, body: jt808.Body) -> Message:
        return await self.ask_frame(self.frame(body))

    async def ask_frame(self, frame: bytes) -> Message:
        await self.send(frame)
        return await self.reply()

    async def login(self) -> str:
        """Register and authenticate; the auth code."""
        registration = jt808.Registration(11, 229, "MAKER", "MODEL-1", "T1", 1, "京A12345")
        answer = await self.ask(registration)
        assert isinstance(answer.body, jt808.RegisterReply) and answer.body.result == 0, answer
        code = answer.body.auth_code
        ok = await self.ask(jt808.Authentication(code, "123456789012345", "1.0"))
        assert isinstance(ok.body, jt808.GeneralReply) and ok.body.result == 0, ok
        return code

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


async def get_json(hub: Hub, path: str, token: str = TOKEN) -> tuple[int, object]:
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {token}"}
        async with http.get(f"http://127.0.0.1:{hub.http_port}{path}", headers=headers) as resp:
            return resp.status, await resp.json()


async def wait_for(predicate, timeout: float = 5.0) -> None:
    """Poll ``predicate`` (a coroutine function) until it is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.02)
