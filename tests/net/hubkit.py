"""Test kit for the hub over real loopback sockets: a running hub, data loggers and console clients."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from console.core import hj212, protocol
from console.core.incidents import Role
from console.core.models import Station, StationKind
from console.hub.auth import User, hash_password
from console.hub.registry import Registry
from console.hub.server import Hub, HubConfig
from console.hub.site import Site
from console.hub.storage import Storage
from console.sim.regions import PRESETS
from console.sim.site import simulated_site

TOKEN = "secret-token"
PW = "123456"
# One user per role (password "pw-<role>"); a cheap hash keeps hub start-up fast in tests.
USERS = {
    role.value: User(role.value, role, hash_password(f"pw-{role.value}", n=2**4), f"{role.value} user")
    for role in Role
}


def station(n: int, kind: StationKind = StationKind.AIR, interval_s: int = 60) -> Station:
    factors = (
        ("a34004", "a34002", "a21026", "a21004", "a21005", "a05024") if kind == StationKind.AIR else ("Leq",)
    )
    return Station(
        id=f"T-{n:03d}",
        name=f"测试站{n}",
        kind=kind,
        township="110119001",
        lon=115.97 + n * 0.01,
        lat=40.45,
        mn=f"{n:024X}",
        st="22" if kind == StationKind.AIR else "23",
        factors=factors,
        interval_s=interval_s,
    )


STATIONS = [station(n) for n in range(1, 4)] + [station(9, StationKind.NOISE)]


def upload(
    st: Station, ts: float, values: dict[str, float], *, pw: str = PW, flag: int = 4, data_flag: str = "N"
) -> bytes:
    """A CN 2011 frame for ``st`` at Unix time ``ts`` (stamped in UTC+8 like a real logger)."""
    stamp = (datetime.fromtimestamp(ts, UTC) + timedelta(hours=8)).replace(tzinfo=None)
    packet = hj212.Packet.create(
        qn=hj212.format_qn(stamp),
        st=st.st,
        cn="2011",
        pw=pw,
        mn=st.mn,
        flag=flag,
        params={"DataTime": hj212.format_time(stamp)},
        cp={code: {"Rtd": f"{v}", "Flag": data_flag} for code, v in values.items()},
    )
    return hj212.encode(packet)


@functools.cache
def yanqing_site() -> Site:
    """The simulated Yanqing district's site (boundaries, townships, roster) without its network."""
    return simulated_site(PRESETS["yanqing"], [])


@contextlib.asynccontextmanager
async def running_hub(
    tmp_path: Path, stations: list[Station] | None = None, **overrides: object
) -> AsyncIterator[Hub]:
    storage = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    storage.upsert_stations([(s, PW) for s in (STATIONS if stations is None else stations)])
    settings: dict = {
        "token": TOKEN,
        "batch_s": 0.01,
        "heartbeat_s": 0.5,
        "users": USERS,
        "attachments_dir": tmp_path / "attachments",
        "site": yanqing_site(),
        **overrides,
    }
    config = HubConfig(**settings)
    hub = Hub(config, storage, Registry(storage.load_stations()))
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()
        storage.close()


class Logger:
    """A data logger on a real TCP connection to the hub's HJ 212 port."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, hub: Hub, source: str | None = None) -> Logger:
        """Connect, from the loopback address ``source`` (127.0.0.2 ...) when given."""
        local = (source, 0) if source is not None else None
        reader, writer = await asyncio.open_connection("127.0.0.1", hub.hj212_port, local_addr=local)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def answer(self, timeout: float = 5.0) -> hj212.Packet:
        line = await asyncio.wait_for(self.reader.readuntil(b"\r\n"), timeout)
        return hj212.decode(line)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


class Console:
    """A websocket client that records every hub message.

    It reads all the time, as the real console's link does, so it answers the hub's pings however long a
    test leaves it idle (the hub closes a console that stays silent through two heartbeats)."""

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.session, self.ws = session, ws
        self.messages: list[protocol.HubMessage] = []
        self._inbox: asyncio.Queue[aiohttp.WSMessage] = asyncio.Queue()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        while True:
            msg = await self.ws.receive()  # answers pings on the way
            self._inbox.put_nowait(msg)
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                return

    @classmethod
    async def connect(cls, hub: Hub, token: str = TOKEN, resume: protocol.Resume | None = None) -> Console:
        session = aiohttp.ClientSession()
        ws = await session.ws_connect(f"http://127.0.0.1:{hub.http_port}/ws")
        await ws.send_bytes(
            protocol.encode(protocol.Hello(protocol=1, token=token, client="test", resume=resume))
        )
        return cls(session, ws)

    async def next(self, timeout: float = 5.0) -> protocol.HubMessage:
        msg = await asyncio.wait_for(self._inbox.get(), timeout)
        if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            self._inbox.put_nowait(msg)  # every later read sees the close too
        if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
            raise ConnectionError(f"websocket closed: {msg.type.name} {msg.extra}")
        message = protocol.decode_hub(msg.data)
        self.messages.append(message)
        return message

    async def until(self, predicate, timeout: float = 10.0) -> protocol.HubMessage:
        deadline = time.monotonic() + timeout
        while True:
            message = await self.next(max(0.01, deadline - time.monotonic()))
            if predicate(message):
                return message

    async def command(
        self,
        action: str,
        target: str = "",
        expected_version: int | None = None,
        ident: str | None = None,
        **args: object,
    ) -> protocol.Ack:
        """Send a command and wait for its ack (events that arrive meanwhile are recorded)."""
        ident = str(uuid.uuid4()) if ident is None else ident
        command = protocol.Command(
            id=ident, action=action, target=target, expected_version=expected_version, args=args
        )
        await self.ws.send_str(protocol.encode(command).decode())
        return await self.until(lambda m: isinstance(m, protocol.Ack) and m.id == ident)

    def events(self) -> list[protocol.HubMessage]:
        return [m for m in self.messages if isinstance(m, protocol.EVENT_TYPES)]

    def readings(self) -> list:
        return [r for m in self.messages if isinstance(m, protocol.Readings) for r in m.items]

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.session.close()


async def login(hub: Hub, user: str, password: str | None = None) -> str:
    """A session token for one of ``USERS`` (password "pw-<user>" unless given)."""
    body = {"user": user, "password": password if password is not None else f"pw-{user}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"http://127.0.0.1:{hub.http_port}/api/login", json=body) as resp:
            assert resp.status == 200, await resp.text()
            return (await resp.json())["token"]
