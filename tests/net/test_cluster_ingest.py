"""Ingest nodes on the real NATS JetStream (127.0.0.1:4222), a stream of their own per test: what a device
was answered for is in the input stream, once, across kill -9, a NATS that goes away, and bad input."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import aiohttp
import aiomqtt
import pytest
import pytest_asyncio

from console.core import hj212, jt808
from console.core.jt808 import Package
from console.hub.cluster.ingest_codes import auth_bucket, delete_auth_bucket
from console.hub.cluster.streams import delete_streams, input_stream
from console.hub.cluster.wire import IngestBatch, decode_batch, input_subject
from console.hub.site import Site, write_site
from tests.conftest import REQUIRE_SERVICES
from tests.net.hubkit import PW, station, upload
from tests.net.proxy import FaultProxy
from tests.net.test_durability import AnsweredLogger
from tests.net.unitkit import LAT, LON, UNITS, Terminal, location

pytestmark = pytest.mark.asyncio
ROOT = Path(__file__).resolve().parents[2]
NATS_URL = os.environ.get("ECO_TEST_NATS", "nats://127.0.0.1:4222")
T0 = 1_700_000_000.0
AIR = [station(n) for n in range(1, 7)]
VALUES = {"a34004": 35.0, "a34002": 60.0, "a21026": 8.0}
ANSWER = hj212.FLAG_V2017 | hj212.FLAG_ANSWER


@functools.cache
def _nats_problem() -> str | None:
    """Why the NATS tests cannot run here, or None when the server answers with JetStream on (the INFO line
    a server sends first says so)."""
    host, _, port = NATS_URL.removeprefix("nats://").rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=3) as sock:
            sock.settimeout(3)
            info = sock.recv(65536).decode(errors="replace")
    except OSError as exc:
        return f"no NATS server at {NATS_URL}: {exc}"
    if not info.startswith("INFO ") or not json.loads(info[5:].strip()).get("jetstream"):
        return f"the NATS server at {NATS_URL} has no JetStream (start it with -js)"
    return None


@pytest_asyncio.fixture
async def stream() -> AsyncIterator[str]:
    """A stream name of this test's own; its streams are deleted after."""
    problem = _nats_problem()
    if problem is not None:
        if REQUIRE_SERVICES:
            pytest.fail(f"{problem} (ECO_REQUIRE_SERVICES is set)", pytrace=False)
        pytest.skip(problem)
    import nats

    name = f"TEST{secrets.token_hex(5).upper()}"
    yield name
    nc = await nats.connect(NATS_URL)
    try:
        await delete_streams(nc.jetstream(), name)
        await delete_auth_bucket(nc.jetstream(), name)
    finally:
        await nc.close()


class NodeProcess:
    """``python -m console.hub.cluster.ingest`` as a child process that can be killed (a test's nodes that
    still run when it ends are killed then: ``_no_node_left``)."""

    started: ClassVar[list[NodeProcess]] = []

    def __init__(
        self, tmp: Path, stream: str, *extra: str, nats_url: str = NATS_URL, node: str = "n1"
    ) -> None:
        self.tmp, self.stream, self.extra, self.nats_url, self.node = tmp, stream, extra, nats_url, node
        self.proc: asyncio.subprocess.Process | None = None
        self.ports: dict[str, int] = {}
        self.log = tmp / f"{node}-{secrets.token_hex(3)}.log"  # one a run
        site = tmp / "site"
        if not (site / "stations.csv").exists():
            write_site(Site(stations=tuple((s, PW) for s in AIR)), site)

    async def start(self) -> NodeProcess:
        args = ["-m", "console.hub.cluster.ingest", "--nats", self.nats_url, "--stream", self.stream]
        args += ["--site", str(self.tmp / "site"), "--node", self.node, "--hj212-port", "0"]
        args += ["--data", str(self.tmp / "data"), *self.extra]
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, *args, stdout=asyncio.subprocess.PIPE, stderr=log, env=env
            )
        NodeProcess.started.append(self)
        assert self.proc.stdout is not None
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 60)).decode()
        assert line.startswith("READY"), f"the node did not start: {line!r}\n{self.log.read_text()[-2000:]}"
        self.ports = {k: int(v) for k, v in (p.split("=") for p in line.split()[1:]) if k != "node"}
        return self

    @property
    def hj212_port(self) -> int:
        return self.ports["hj212"]

    async def kill(self) -> None:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 30)


@pytest_asyncio.fixture(autouse=True)
async def _no_node_left() -> AsyncIterator[None]:
    yield
    while NodeProcess.started:
        await NodeProcess.started.pop().kill()


@contextlib.asynccontextmanager
async def running_node(tmp: Path, stream: str, *extra: str, **kw) -> AsyncIterator[NodeProcess]:
    node = await NodeProcess(tmp, stream, *extra, **kw).start()
    try:
        yield node
    finally:
        await node.kill()


async def read_stream(stream: str) -> list[tuple[dict[str, str], IngestBatch]]:
    """Every message of the input stream (headers, batch), with a pull consumer (left unacknowledged)."""
    import nats
    import nats.errors

    nc = await nats.connect(NATS_URL)
    out: list[tuple[dict[str, str], IngestBatch]] = []
    try:
        js = nc.jetstream()
        held = (await js.stream_info(input_stream(stream))).state.messages
        sub = await js.pull_subscribe(input_subject(stream), stream=input_stream(stream))
        consumer = (await sub.consumer_info()).name
        try:
            deadline = time.monotonic() + 60
            while len(out) < held:
                assert time.monotonic() < deadline, f"read {len(out)} of the {held} messages in the stream"
                with contextlib.suppress(TimeoutError):  # nats.errors.TimeoutError is one too
                    msgs = await sub.fetch(min(64, held - len(out)), timeout=5.0)
                    out += [(dict(m.headers or {}), decode_batch(m.data)) for m in msgs]
        finally:
            await sub.unsubscribe()
            with contextlib.suppress(nats.errors.Error):
                await js.delete_consumer(input_stream(stream), consumer)  # a work queue takes one at a time
    finally:
        await nc.close()
    return out


def uploads_in(batches: list[tuple[dict[str, str], IngestBatch]]) -> collections.Counter[tuple[str, float]]:
    return collections.Counter((s, ts) for _, b in batches for s, ts, _ in b.uploads)


async def _until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def _until_in_stream(
    stream: str, expected: dict[tuple[str, float], int], timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while (got := uploads_in(await read_stream(stream))) != expected:
        assert time.monotonic() < deadline, f"the stream holds {dict(got)}, not {expected}"
        await asyncio.sleep(0.1)


class ResendingLogger(AnsweredLogger):
    """A logger that first sends again the uploads it was not answered for (``resend``, by number)."""

    def __init__(self, st, window: int = 30) -> None:
        super().__init__(st, window)
        self.resend: list[int] = []

    def _frame(self) -> bytes:
        if not self.resend:
            return super()._frame()
        ts = T0 + self.resend.pop(0)
        frame = upload(self.station, ts, VALUES, flag=ANSWER)
        self._asked[hj212.decode(frame).qn] = ts
        return frame


async def _answers(reader: asyncio.StreamReader, count: int, timeout: float = 10.0) -> list[hj212.Packet]:
    return [hj212.decode(await asyncio.wait_for(reader.readuntil(b"\r\n"), timeout)) for _ in range(count)]


# --- HJ 212 ------------------------------------------------------------------------------------------------


async def test_every_answered_upload_is_in_the_input_stream_once(tmp_path, stream) -> None:
    async with running_node(tmp_path, stream) as node:
        loggers = [AnsweredLogger(st, window=20) for st in AIR[:3]]
        running = [asyncio.create_task(lg.run(node.hj212_port)) for lg in loggers]
        await _until(lambda: all(len(lg.answered) >= 100 for lg in loggers))
        await node.stop()  # SIGTERM: what was accepted is published and answered, then the node ends
        await asyncio.wait_for(asyncio.gather(*running), 30)
    batches = await read_stream(stream)
    answered = set().union(*(lg.answered for lg in loggers))
    counts = uploads_in(batches)
    assert answered <= set(counts), f"{len(answered - set(counts))} answered uploads are not in the stream"
    assert max(counts.values()) == 1  # each once
    first = batches[0][1]
    assert first.node == "n1" and batches[0][0]["Nats-Msg-Id"] == f"n1:{first.batch}"
    assert {r.factor for r in first.readings} == set(VALUES)  # the readings travel with their uploads
    assert sorted(b.batch for _, b in batches) == [b.batch for _, b in batches]  # numbered in order


async def test_unknown_stations_and_garbage_get_the_hubs_refusal_and_nothing_else(tmp_path, stream) -> None:
    async with running_node(tmp_path, stream) as node:
        reader, writer = await asyncio.open_connection("127.0.0.1", node.hj212_port)
        stranger = station(99)  # not in the site's stations.csv
        writer.write(upload(stranger, T0, VALUES, flag=ANSWER))
        writer.write(upload(AIR[0], T0, VALUES, pw="wrong!", flag=ANSWER))
        writer.write(b"##0042garbage that is no frame at all\r\n\x00\xff\xfe not even close\r\n")
        writer.write(upload(AIR[0], T0 + 1, VALUES, flag=ANSWER))
        await writer.drain()
        refused_1, refused_2, answered = await _answers(reader, 3)
        # The single hub's answer to a refused login or upload: CN 9011 with QnRtn=2, whatever the reason
        for refused in (refused_1, refused_2):
            assert (refused.cn, refused.params.get("QnRtn")) == ("9011", "2")
        assert answered.cn == "9014"
        writer.close()
        await node.stop()
    counts = uploads_in(await read_stream(stream))
    assert counts == {(AIR[0].id, T0 + 1): 1}


async def test_kill_9_mid_stream_loses_no_answered_upload_and_resends_duplicate_at_most_once(
    tmp_path, stream
) -> None:
    loggers = [ResendingLogger(st) for st in AIR]
    node = await NodeProcess(tmp_path, stream).start()
    running = [asyncio.create_task(lg.run(node.hj212_port)) for lg in loggers]
    await _until(lambda: sum(len(lg.answered) for lg in loggers) >= 1500)
    await node.kill()  # uploads in flight: accepted and not published, published and not answered
    await asyncio.wait_for(asyncio.gather(*running), 30)
    before = set().union(*(lg.answered for lg in loggers))
    sent = {(lg.station.id, T0 + k) for lg in loggers for k in range(lg.next_k)}
    # After the restart each logger sends again what it was not answered for, then goes on.
    for lg in loggers:
        lg.resend = [k for k in range(lg.next_k) if (lg.station.id, T0 + k) not in lg.answered]
    node = await NodeProcess(tmp_path, stream).start()
    try:
        running = [asyncio.create_task(lg.run(node.hj212_port)) for lg in loggers]
        await _until(lambda: not any(lg.resend for lg in loggers))
        await _until(lambda: sum(len(lg.answered) for lg in loggers) >= len(before) + 600)
        await node.stop()
        await asyncio.wait_for(asyncio.gather(*running), 30)
    finally:
        await node.kill()
    counts = uploads_in(await read_stream(stream))
    answered = set().union(*(lg.answered for lg in loggers))
    lost = answered - set(counts)
    assert not lost, f"{len(lost)} of {len(answered)} answered uploads are not in the stream"
    assert all(counts[key] == 1 for key in before if key in counts)  # answered before the kill: not re-sent
    twice = {key for key, n in counts.items() if n > 1}
    assert max(counts.values()) <= 2 and twice <= sent - before  # only what was in flight at the kill
    print(f"answered {len(answered)}, in flight at the kill {len(sent - before)}, twice {len(twice)}")


async def test_nats_away_holds_the_answers_and_pauses_reading_then_publishes_once(tmp_path, stream) -> None:
    nats_port = int(NATS_URL.rpartition(":")[2])
    proxy = await FaultProxy(nats_port).start()
    nats_url = f"nats://127.0.0.1:{proxy.port}"
    node = await NodeProcess(tmp_path, stream, "--metrics-every", "0.2", nats_url=nats_url).start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", node.hj212_port)
        writer.write(upload(AIR[0], T0, VALUES, flag=ANSWER))
        assert (await _answers(reader, 1))[0].cn == "9014"
        proxy.refusing = True
        proxy.cut()  # NATS is away: the node reconnects in vain
        frames = [upload(AIR[0], T0 + k, VALUES, flag=ANSWER) for k in range(1, 6001)]
        writer.write(b"".join(frames))  # far more than the node takes while it cannot publish
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.readuntil(b"\r\n"), 3.0)  # no answer while NATS is away
        assert _accepted(node.log) < len(frames)  # it stopped reading: TCP pushes back on the logger
        proxy.refusing = False  # NATS is back
        answers = await _answers(reader, len(frames), timeout=30)
        assert [a.qn for a in answers] == [hj212.decode(f).qn for f in frames]  # all, in order
        writer.close()
        await node.stop()
    finally:
        await node.kill()
        await proxy.close()
    counts = uploads_in(await read_stream(stream))
    assert counts == {(AIR[0].id, T0 + k): 1 for k in range(6001)}


def _parts_left(tmp: Path, node: str = "n1") -> int:
    with contextlib.closing(sqlite3.connect(tmp / "data" / f"ingest-{node}.db")) as db:
        return int(db.execute("SELECT count(*) FROM pending_parts").fetchone()[0])


SPLIT = ANSWER | hj212.FLAG_SPLIT
SPLIT_VALUES = {1: ("a34004", 41.0), 2: ("a34002", 72.0), 3: ("a21026", 9.0)}


def _part(st, pno: int, pnum: int = 3) -> bytes:
    factor, value = SPLIT_VALUES[pno]
    packet = hj212.Packet.create(
        qn=f"2025112112000000{pno}", st=st.st, cn="2011", pw=PW, mn=st.mn, flag=SPLIT, pnum=pnum, pno=pno,
        params={"DataTime": "20251121120000"}, cp={factor: {"Rtd": f"{value}", "Flag": "N"}},
    )  # fmt: skip
    return hj212.encode(packet)


async def test_the_answered_parts_of_a_split_upload_survive_kill_9_of_the_node(tmp_path, stream) -> None:
    st = AIR[0]
    node = await NodeProcess(tmp_path, stream).start()
    reader, writer = await asyncio.open_connection("127.0.0.1", node.hj212_port)
    writer.write(_part(st, 1) + _part(st, 2))
    assert [a.qn for a in await _answers(reader, 2)] == ["20251121120000001", "20251121120000002"]
    await node.kill()  # the logger has forgotten parts 1 and 2: the node's file alone has them
    writer.close()
    assert await read_stream(stream) == []
    node = await NodeProcess(tmp_path, stream).start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", node.hj212_port)
        writer.write(_part(st, 3))
        assert [a.qn for a in await _answers(reader, 1)] == ["20251121120000003"]
        writer.close()
        await node.stop()
    finally:
        await node.kill()
    batches = await read_stream(stream)
    [(station_id, _, values)] = [u for _, b in batches for u in b.uploads]
    assert station_id == st.id and values == {f: (v, "N") for f, v in SPLIT_VALUES.values()}
    assert _parts_left(tmp_path) == 0  # deleted once the whole upload was in the stream


# --- MQTT --------------------------------------------------------------------------------------------------


async def _mqtt_publish(url: str, topic: str, payload: bytes) -> None:
    host, _, port = url.removeprefix("mqtt://").rpartition(":")
    async with aiomqtt.Client(host, int(port)) as client:
        await client.publish(topic, payload, qos=1)


def _accepted(log: Path) -> int:
    """HJ 212 frames the node says it accepted (its figures line)."""
    found = re.findall(r"frames (\d+) accepted", log.read_text(errors="replace"))
    return int(found[-1]) if found else 0


def _taken(log: Path) -> int:
    """MQTT messages the node says it took (its figures line)."""
    found = re.findall(r"mqtt (\d+) taken", log.read_text(errors="replace"))
    return int(found[-1]) if found else 0


async def test_an_mqtt_message_reaches_the_stream_and_is_sent_again_after_a_kill_before_the_puback(
    tmp_path, stream, mqtt_broker
) -> None:
    url, prefix = mqtt_broker
    site_id = AIR[1].id
    mqtt = ("--mqtt", url, "--mqtt-prefix", prefix, "--metrics-every", "0.1")
    first = json.dumps({"ts": T0, "values": {"a34004-Avg": 35.2}}).encode()
    async with running_node(tmp_path, stream, *mqtt) as node:
        await _mqtt_publish(url, f"{prefix}/site/{site_id}/up", first)
        await _until_in_stream(stream, {(site_id, T0): 1})
        await node.stop()
    # NATS away: the node takes the next message and cannot publish it; killed before JetStream's PubAck.
    nats_port = int(NATS_URL.rpartition(":")[2])
    proxy = await FaultProxy(nats_port).start()
    second = json.dumps({"ts": T0 + 60, "values": {"a34004-Avg": 36.0}}).encode()
    try:
        async with running_node(tmp_path, stream, *mqtt, nats_url=f"nats://127.0.0.1:{proxy.port}") as node:
            proxy.refusing = True
            proxy.cut()
            await _mqtt_publish(url, f"{prefix}/site/{site_id}/up", second)
            await _until(lambda: _taken(node.log) == 1)
        assert uploads_in(await read_stream(stream)) == {(site_id, T0): 1}
        proxy.refusing = False
        async with running_node(tmp_path, stream, *mqtt, nats_url=f"nats://127.0.0.1:{proxy.port}") as node:
            await _until_in_stream(stream, {(site_id, T0): 1, (site_id, T0 + 60): 1})
            await node.stop()
    finally:
        await proxy.close()
    readings = [r for _, b in await read_stream(stream) for r in b.readings]
    assert sorted((r.station, r.ts, r.value) for r in readings) == [
        (site_id, T0, 35.2),
        (site_id, T0 + 60, 36.0),
    ]


# --- units: JT/T 808 terminals and OsmAnd phones ---------------------------------------------------------


def _unit_site(tmp: Path) -> None:
    write_site(Site(stations=tuple((s, PW) for s in AIR), units=UNITS), tmp / "site")


async def test_a_terminals_fixes_are_in_the_batches_and_its_auth_code_survives_kill_9(
    tmp_path, stream
) -> None:
    _unit_site(tmp_path)
    node = await NodeProcess(tmp_path, stream, "--jt808-port", "0").start()
    reader, writer = await asyncio.open_connection("127.0.0.1", node.ports["jt808"])
    terminal = Terminal(reader, writer, "013800000001")
    code = await terminal.login()
    answer = await terminal.ask(location(T0, speed=30.0))
    assert isinstance(answer.body, jt808.GeneralReply) and answer.body.result == 0
    await node.kill()  # the terminal keeps its code: the node's file has it
    await terminal.close()
    node = await NodeProcess(tmp_path, stream, "--jt808-port", "0").start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", node.ports["jt808"])
        terminal = Terminal(reader, writer, "013800000001")
        ok = await terminal.ask(jt808.Authentication(code, "123456789012345", "1.0"))
        assert isinstance(ok.body, jt808.GeneralReply) and ok.body.result == 0
        answer = await terminal.ask(location(T0 + 10, lat=LAT + 0.001))
        assert isinstance(answer.body, jt808.GeneralReply) and answer.body.result == 0
        stranger = Terminal(*await asyncio.open_connection("127.0.0.1", node.ports["jt808"]), "013899999999")
        refused = await stranger.ask(jt808.Authentication("guess", "123456789012345", "1.0"))
        assert isinstance(refused.body, jt808.GeneralReply) and refused.body.result == 1
        await terminal.close()
        await stranger.close()
        await node.stop()
    finally:
        await node.kill()
    fixes = sorted((f.unit, f.ts, f.lat) for _, b in await read_stream(stream) for f in b.fixes)
    assert fixes == [("VAN-1", T0, LAT), ("VAN-1", T0 + 10, LAT + 0.001)]


def _codes_in_file(tmp: Path, node: str) -> dict[str, str]:
    with contextlib.closing(sqlite3.connect(tmp / "data" / f"ingest-{node}.db")) as db:
        return dict(db.execute("SELECT unit, code FROM auth_codes").fetchall())


async def _authenticate(port: int, phone: str, code: str) -> tuple[Terminal, int]:
    terminal = Terminal(*await asyncio.open_connection("127.0.0.1", port), phone)
    answer = await terminal.ask(jt808.Authentication(code, "123456789012345", "1.0"))
    assert isinstance(answer.body, jt808.GeneralReply), answer
    return terminal, answer.body.result


async def test_a_terminal_registered_at_one_node_authenticates_at_another_with_its_code(
    tmp_path, stream
) -> None:
    _unit_site(tmp_path)
    n1 = await NodeProcess(tmp_path, stream, "--jt808-port", "0", node="n1").start()
    terminal = Terminal(*await asyncio.open_connection("127.0.0.1", n1.ports["jt808"]), "013800000001")
    code = await terminal.login()
    car = Terminal(*await asyncio.open_connection("127.0.0.1", n1.ports["jt808"]), "013800000002")
    car_code = await car.login()
    await n1.kill()  # the terminals reconnect, and the load balancer sends them to node 2
    await terminal.close()
    await car.close()
    import nats

    nc = await nats.connect(NATS_URL)
    try:
        kv = await nc.jetstream().key_value(auth_bucket(stream))
        assert (await kv.get("t13800000001")).value == code.encode()  # stored before the answer went
    finally:
        await nc.close()
    async with running_node(tmp_path, stream, "--jt808-port", "0", node="n2") as n2:
        port = n2.ports["jt808"]
        wrong, result = await _authenticate(port, "013800000001", code[::-1])
        assert result == 1  # a wrong code is refused at node 2 as at node 1
        await wrong.close()
        terminal = Terminal(*await asyncio.open_connection("127.0.0.1", port), "013800000001")
        auth = terminal.frame(jt808.Authentication(code, "123456789012345", "1.0"))
        await terminal.send(auth + terminal.frame(location(T0, speed=30.0)))  # the report does not wait
        answers = [await terminal.reply(), await terminal.reply()]  # in the order asked, both taken
        assert [(a.body.msg_id, a.body.result) for a in answers] == [
            (jt808.AUTHENTICATION, 0),
            (jt808.LOCATION, 0),
        ]
        stranger, result = await _authenticate(port, "013800000002", code)  # another terminal's code
        assert result == 1
        await terminal.close()
        await stranger.close()
        car = Terminal(*await asyncio.open_connection("127.0.0.1", port), "013800000002")
        assert await car.login() == car_code  # registering again at node 2 keeps the code node 1 gave
        await car.close()
        await n2.stop()
    assert _codes_in_file(tmp_path, "n2") == {
        "VAN-1": code,
        "CAR-2": car_code,
    }  # learnt once, looked up here next time
    fixes = [(f.unit, f.ts) for _, b in await read_stream(stream) for f in b.fixes]
    assert fixes == [("VAN-1", T0)]


async def test_with_nats_away_a_node_admits_the_terminals_it_knows_and_refuses_a_code_it_cannot_confirm(
    tmp_path, stream
) -> None:
    _unit_site(tmp_path)
    async with running_node(tmp_path, stream, "--jt808-port", "0", node="n1") as n1:
        van = Terminal(*await asyncio.open_connection("127.0.0.1", n1.ports["jt808"]), "013800000001")
        van_code = await van.login()
        await van.close()
        car = Terminal(*await asyncio.open_connection("127.0.0.1", n1.ports["jt808"]), "013800000002")
        await car.login()
        await car.close()
        nats_port = int(NATS_URL.rpartition(":")[2])
        proxy = await FaultProxy(nats_port).start()
        try:
            node2 = NodeProcess(
                tmp_path, stream, "--jt808-port", "0", node="n2", nats_url=f"nats://127.0.0.1:{proxy.port}"
            )
            async with contextlib.AsyncExitStack() as stack:
                n2 = await node2.start()
                stack.push_async_callback(n2.kill)
                port = n2.ports["jt808"]
                van, result = await _authenticate(port, "013800000001", van_code)
                assert result == 0  # learnt from the bucket, now in node 2's file
                await van.close()
                proxy.refusing = True
                proxy.cut()  # NATS is away for node 2
                van, result = await _authenticate(port, "013800000001", van_code)
                assert result == 0  # its file answers
                await van.close()
                car, result = await _authenticate(port, "013800000002", "anything")
                assert result == 1  # a code node 2 cannot confirm is refused
                await car.close()
                await _until(lambda: "auth code not confirmed" in n2.log.read_text())
        finally:
            await proxy.close()


async def test_the_answered_sub_packages_of_a_terminals_back_fill_survive_kill_9_of_the_node(
    tmp_path, stream
) -> None:
    _unit_site(tmp_path)
    t0 = int(T0)
    batch = jt808.Batch("back-fill", tuple(location(t0 + 10 * n, speed=float(n)) for n in range(9)))
    body = jt808.batch_body(batch)
    third = len(body) // 3
    pieces = [body[:third], body[third : 2 * third], body[2 * third :]]
    node = await NodeProcess(tmp_path, stream, "--jt808-port", "0").start()
    terminal = Terminal(*await asyncio.open_connection("127.0.0.1", node.ports["jt808"]), "013800000001")
    await terminal.login()
    for number in (1, 2):
        header = replace(terminal.header(jt808.BATCH), package=Package(3, number))
        answer = await terminal.ask_frame(jt808.encode_frame(header, pieces[number - 1]))
        assert (answer.body.serial, answer.body.result) == (header.serial, 0)
    await node.kill()  # the terminal has forgotten parts 1 and 2: the node's file alone has them
    await terminal.close()
    node = await NodeProcess(tmp_path, stream, "--jt808-port", "0").start()
    terminal = Terminal(*await asyncio.open_connection("127.0.0.1", node.ports["jt808"]), "013800000001")
    await terminal.login()  # registering again keeps the code
    header = replace(terminal.header(jt808.BATCH), package=Package(3, 3))
    answer = await terminal.ask_frame(jt808.encode_frame(header, pieces[2]))
    assert (answer.body.msg_id, answer.body.serial, answer.body.result) == (jt808.BATCH, header.serial, 0)
    await terminal.close()
    await node.stop()
    fixes = sorted((f.unit, f.ts, f.speed_kmh) for _, b in await read_stream(stream) for f in b.fixes)
    assert fixes == [("VAN-1", t0 + 10.0 * n, float(n)) for n in range(9)]
    assert _parts_left(tmp_path) == 0  # deleted once the joined message was in the stream


async def test_a_phones_fix_is_in_the_batches_and_an_unknown_phone_is_refused(tmp_path, stream) -> None:
    _unit_site(tmp_path)
    async with running_node(tmp_path, stream, "--osmand-port", "0") as node:
        url = f"http://127.0.0.1:{node.ports['osmand']}/"
        async with aiohttp.ClientSession() as http:
            params = {"id": "phone-1", "lat": str(LAT), "lon": str(LON), "timestamp": str(int(T0))}
            async with http.get(url, params=params) as resp:
                assert resp.status == 200
            async with http.get(url, params=params | {"id": "nobody"}) as resp:
                assert resp.status == 403 and "unknown device id" in await resp.text()
            async with http.get(url, params=params | {"lat": "north"}) as resp:
                assert resp.status == 400 and "lat must be a number" in await resp.text()
        await node.stop()
    fixes = [(f.unit, f.ts, f.lat, f.lon) for _, b in await read_stream(stream) for f in b.fixes]
    assert fixes == [("INSP-1", T0, LAT, LON)]


LATER = T0 + 10**6  # data times apart from the loggers'


async def test_two_nodes_feed_one_stream_and_share_the_mqtt_messages(tmp_path, stream, mqtt_broker) -> None:
    url, prefix = mqtt_broker
    mqtt = ("--mqtt", url, "--mqtt-prefix", prefix, "--mqtt-share", "ingest", "--metrics-every", "0.2")
    async with (
        running_node(tmp_path, stream, *mqtt, node="a") as a,
        running_node(tmp_path, stream, *mqtt, node="b") as b,
    ):
        loggers = [AnsweredLogger(st, window=20) for st in AIR]
        running = [asyncio.create_task(lg.run((a, b)[n % 2].hj212_port)) for n, lg in enumerate(loggers)]
        host, _, port = url.removeprefix("mqtt://").rpartition(":")
        async with aiomqtt.Client(host, int(port)) as client:
            for k in range(40):
                payload = json.dumps({"ts": LATER + 60 * k, "values": {"a34004-Avg": k}}).encode()
                await client.publish(f"{prefix}/site/{AIR[0].id}/up", payload, qos=1)
        await _until(lambda: all(len(lg.answered) >= 50 for lg in loggers))
        await _until(lambda: _taken(a.log) + _taken(b.log) == 40)  # taken: published when they stop
        await asyncio.gather(a.stop(), b.stop())
        await asyncio.wait_for(asyncio.gather(*running), 30)
    batches = await read_stream(stream)
    counts = uploads_in(batches)
    assert set().union(*(lg.answered for lg in loggers)) <= set(counts) and max(counts.values()) == 1
    assert all(counts[(AIR[0].id, LATER + 60 * k)] == 1 for k in range(40))  # each taken by one node
    assert {b.node for _, b in batches} == {"a", "b"}
    ids = [headers["Nats-Msg-Id"] for headers, _ in batches]
    assert len(set(ids)) == len(ids)  # the node names keep the message ids apart


async def test_batch_numbers_are_never_given_twice_across_restarts_even_with_the_clock_set_back(
    tmp_path, monkeypatch
) -> None:
    from console.hub.cluster import ingest_file

    first = ingest_file.NodeFile(tmp_path / "node.db")
    used = [first.next_batch() for _ in range(3)]
    first.close()
    now = time.time()
    monkeypatch.setattr(ingest_file.time, "time", lambda: now - 3600)  # the clock an hour back
    again = ingest_file.NodeFile(tmp_path / "node.db")
    after = [again.next_batch() for _ in range(3)]
    again.close()
    assert used == sorted(used) and after == sorted(after) and min(after) > max(used)
