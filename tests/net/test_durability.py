"""The hub loses nothing it answered: kill -9 under load; a database that cannot be written for a while."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from console.core import hj212
from console.core.hubapi import HubApi
from console.hub import server
from console.hub.site import Site, write_site
from tests.net.hubkit import PW, STATIONS, Logger, running_hub, station, upload

pytestmark = pytest.mark.asyncio
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "durable"
T0 = 1_700_000_000.0
AIR = [station(n) for n in range(1, 13)]
VALUES = {"a34004": 35.0, "a34002": 60.0, "a21026": 8.0}
ANSWER = hj212.FLAG_V2017 | hj212.FLAG_ANSWER


class HubProcess:
    """``python -m console.hub`` on a data dir, as a child process that can be killed."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.proc: asyncio.subprocess.Process | None = None
        self.http_port = self.hj212_port = 0

    async def start(self) -> HubProcess:
        args = ["-m", "console.hub", "--http-port", "0", "--hj212-port", "0", "--token", TOKEN]
        args += ["--data-dir", str(self.data_dir), "--log-level", "WARNING"]
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, *args, stdout=asyncio.subprocess.PIPE, env=env
        )
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 60)).decode()
        assert line.startswith("READY"), f"the hub did not start: {line!r}"
        ports = dict(part.split("=") for part in line.split()[1:3])
        self.http_port, self.hj212_port = int(ports["http"]), int(ports["hj212"])
        return self

    async def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()


class AnsweredLogger:
    """A logger sending one upload a second of data time, up to ``window`` unanswered; it notes every
    (station, data time) the hub answered, across connections (a killed hub cuts it, it goes on after)."""

    def __init__(self, station, window: int = 50) -> None:
        self.station, self.window = station, window
        self.next_k = 0
        self.answered: set[tuple[str, float]] = set()
        self._asked: dict[str, float] = {}  # QN -> data time

    async def run(self, port: int) -> None:
        """Send and read answers until the connection breaks."""
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        room = asyncio.Semaphore(self.window)
        reading = asyncio.create_task(self._read(reader, room))
        try:
            while await room.acquire() and not reading.done():
                writer.write(self._frame())
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            reading.cancel()
            writer.close()
            with contextlib.suppress(asyncio.CancelledError):
                await reading

    def _frame(self) -> bytes:
        ts = T0 + self.next_k
        self.next_k += 1
        frame = upload(self.station, ts, VALUES, flag=ANSWER)
        self._asked[hj212.decode(frame).qn] = ts
        return frame

    async def _read(self, reader: asyncio.StreamReader, room: asyncio.Semaphore) -> None:
        try:
            while True:
                answer = hj212.decode(await reader.readuntil(b"\r\n"))
                if answer.cn == "9014":
                    self.answered.add((self.station.id, self._asked.pop(answer.qn)))
                    room.release()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            room.release()  # the sender, perhaps waiting for room, sees that the connection is gone


def _stored(db: Path) -> set[tuple[str, float]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return set(conn.execute("SELECT station, ts FROM frames"))


def _register(data_dir: Path) -> None:
    """The hub's registry comes from its site directory (DATA/site/stations.csv)."""
    write_site(Site(stations=tuple((s, PW) for s in AIR)), data_dir / "site")


async def _until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_every_answered_upload_survives_five_kill_9_under_load(tmp_path) -> None:
    data_dir = tmp_path / "hub"
    data_dir.mkdir()
    _register(data_dir)
    loggers = [AnsweredLogger(st) for st in AIR]
    per_round = []
    for _ in range(5):
        hub = await HubProcess(data_dir).start()
        before = sum(len(lg.answered) for lg in loggers)
        running = [asyncio.create_task(lg.run(hub.hj212_port)) for lg in loggers]
        # Killed while loggers are sending: some uploads are in flight, some wait for the writer.
        await _until(lambda before=before: sum(len(lg.answered) for lg in loggers) >= before + 600)
        await hub.kill()
        await asyncio.wait_for(asyncio.gather(*running), 30)
        per_round.append(sum(len(lg.answered) for lg in loggers) - before)
    answered = set().union(*(lg.answered for lg in loggers))
    sent = sum(lg.next_k for lg in loggers)
    lost = answered - _stored(data_dir / "hub.db")
    assert not lost, f"{len(lost)} of {len(answered)} answered uploads are not stored (sent {sent})"
    assert all(n >= 600 for n in per_round)


async def _metrics(port: int) -> dict[str, float]:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
            text = await resp.text()
    pairs = (line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {name: float(value) for name, value in pairs}


async def test_a_database_that_cannot_be_written_holds_answers_and_loses_nothing(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        logger = AnsweredLogger(AIR[0], window=20)
        locker = sqlite3.connect(tmp_path / "hub.db", isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock: "database is locked"
        try:
            sending = asyncio.create_task(logger.run(hub.hj212_port))
            await _until(lambda: logger.next_k >= 20)
            failing = {}

            async def writer_failing() -> bool:
                failing.update(await _metrics(hub.http_port))
                return failing["hub_storage_retry_pending"] > 0 and failing["hub_answers_pending"] == 20

            deadline = time.monotonic() + 60
            while not await writer_failing():
                assert time.monotonic() < deadline, f"the hub never said it was failing: {failing}"
                await asyncio.sleep(0.05)
            assert failing["hub_storage_errors_total"] >= 1 and not logger.answered
        finally:
            locker.execute("COMMIT")
            locker.close()
        await _until(lambda: len(logger.answered) >= 40)  # the held answers, then the next uploads'
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        after = await _metrics(hub.http_port)
    held = {(AIR[0].id, T0 + k) for k in range(20)}
    assert held <= logger.answered <= _stored(tmp_path / "hub.db")
    assert after["hub_storage_rows_dropped_total"] == 0 and after["hub_answers_withheld_total"] == 0
    assert after["hub_storage_retry_pending"] == 0


async def test_the_ingest_stops_reading_while_the_database_cannot_take_the_backlog(tmp_path, monkeypatch):
    monkeypatch.setattr(server, "MAX_STORAGE_BACKLOG", 50)  # rows; the hub's is 500,000
    async with running_hub(tmp_path) as hub:
        locker = sqlite3.connect(tmp_path / "hub.db", isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock: "database is locked"
        try:
            logger = await Logger.connect(hub)
            frames = [upload(AIR[0], T0 + k, VALUES) for k in range(2000)]  # no answers asked
            await logger.send(b"".join(frames))  # into the sockets' buffers: the hub reads when it wants
            await _until(lambda: hub.writer.retry_pending > 0)
            # The writer has been failing for seconds; the hub took a read or two, then stopped reading.
            assert hub.metrics.frames_accepted < 500
        finally:
            locker.execute("COMMIT")
            locker.close()
        await _until(lambda: len(_stored(tmp_path / "hub.db")) == 2000)
        assert hub.metrics.frames_accepted == 2000 and hub.writer.rows_dropped == 0
        await logger.close()


async def test_a_stopping_hub_stores_and_answers_what_it_was_sent(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        logger = await Logger.connect(hub)
        frames = [upload(AIR[0], T0 + k, VALUES, flag=ANSWER) for k in range(30)]
        await logger.send(b"".join(frames))
        await _until(lambda: hub.metrics.frames_accepted == 30)
        stopping = asyncio.create_task(hub.stop())  # SIGTERM does this
        answers = []
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                answers.append(hj212.decode(await asyncio.wait_for(logger.reader.readuntil(b"\r\n"), 30)))
        await stopping
    assert [a.qn for a in answers] == [hj212.decode(f).qn for f in frames]  # every one, in order
    assert {(AIR[0].id, T0 + k) for k in range(30)} <= _stored(tmp_path / "hub.db")


SPLIT = ANSWER | hj212.FLAG_SPLIT
# A CN 2011 upload of one moment in three parts, a factor each (DataTime 2025-11-21 12:00 at UTC+8).
SPLIT_TS = 1_763_697_600.0
SPLIT_VALUES = {1: ("a34004", 41.0), 2: ("a34002", 72.0), 3: ("a21026", 9.0)}


def _part(st, pno: int, pnum: int = 3) -> bytes:
    factor, value = SPLIT_VALUES[pno]
    packet = hj212.Packet.create(
        qn=f"2025112112000000{pno}", st=st.st, cn="2011", pw=PW, mn=st.mn, flag=SPLIT, pnum=pnum, pno=pno,
        params={"DataTime": "20251121120000"}, cp={factor: {"Rtd": f"{value}", "Flag": "N"}},
    )  # fmt: skip
    return hj212.encode(packet)


async def _send_answered(hub, frames: list[bytes]) -> list[str]:
    """Send each frame on a new connection to ``hub``, waiting for its answer; the answers' QNs."""
    logger = await Logger.connect(hub)
    try:
        qns = []
        for frame in frames:
            await logger.send(frame)
            answer = await logger.answer(timeout=10)
            assert answer.cn == "9014"
            qns.append(answer.qn)
        return qns
    finally:
        await logger.close()


def _table(db: Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchall()


async def test_the_answered_parts_of_a_split_upload_survive_kill_9_between_parts(tmp_path) -> None:
    data_dir = tmp_path / "hub"
    data_dir.mkdir()
    _register(data_dir)
    db, st = data_dir / "hub.db", AIR[0]
    hub = await HubProcess(data_dir).start()
    assert await _send_answered(hub, [_part(st, 1), _part(st, 2)]) == [
        "20251121120000001", "20251121120000002",
    ]  # fmt: skip
    await hub.kill()  # the logger has forgotten parts 1 and 2: the hub alone has them now
    assert not _stored(db)
    hub = await HubProcess(data_dir).start()
    try:
        # Part 2 again (as if its answer had been lost), then the last part, then that one again.
        await _send_answered(hub, [_part(st, 2), _part(st, 3), _part(st, 3)])
        api = HubApi(f"http://127.0.0.1:{hub.http_port}", TOKEN)
        items, _ = await api.readings(SPLIT_TS - 60, SPLIT_TS + 60)
        await api.close()
    finally:
        await hub.kill()
    got = sorted((r.station, r.factor, r.ts, r.value) for r in items)
    assert got == sorted((st.id, factor, SPLIT_TS, value) for factor, value in SPLIT_VALUES.values())
    counts = _table(db, f"SELECT factor, count FROM hourly_rollup WHERE station = '{st.id}'")
    assert sorted(counts) == sorted((factor, 1) for factor, _ in SPLIT_VALUES.values())  # each once
    assert _table(db, "SELECT * FROM pending_parts") == []


async def test_a_split_upload_whose_rest_never_comes_is_dropped_with_a_log_line(
    tmp_path, db_url, caplog
) -> None:
    st = STATIONS[0]
    async with running_hub(tmp_path, db=db_url, logger_idle_s=0.4) as hub:  # the sweeper looks every 0.1 s
        await _send_answered(hub, [_part(st, 1)])
        stored = hub.storage.load_parts()
        assert [(row[0], row[4]) for row in stored] == [(st.id, 1)]  # stored before its answer went
        hub.listener.parts.timeout_s = 0.3
        await _until(lambda: hub.metrics.frames_rejected["split_incomplete"] == 1, 10)
        await _until(lambda: not hub.storage.load_parts(), 10)
    lines = [r.getMessage() for r in caplog.records]
    assert any("split upload CN=2011 DataTime=20251121120000 dropped" in line for line in lines)
    assert any("with 1 of its 3 parts; the rest never came" in line for line in lines)


async def test_split_parts_out_of_range_are_refused_unanswered(tmp_path) -> None:
    st = STATIONS[0]
    async with running_hub(tmp_path) as hub:
        logger = await Logger.connect(hub)
        await logger.send(_part(st, 3, pnum=2))  # PNO beyond PNUM
        with pytest.raises(TimeoutError):
            await logger.answer(timeout=0.5)
        assert hub.metrics.frames_rejected["split_numbers"] == 1
        await logger.close()


async def test_an_upload_that_cannot_be_stored_is_not_answered(tmp_path) -> None:
    """A data upload without DataTime is rejected unanswered, so the logger keeps it; the next is answered."""
    st = STATIONS[0]
    async with running_hub(tmp_path) as hub:
        logger = await Logger.connect(hub)
        timeless = hj212.Packet.create(
            qn="20251121120000001", st=st.st, cn="2011", pw=PW, mn=st.mn, flag=ANSWER,
            cp={"a34004": {"Rtd": "40", "Flag": "N"}},
        )  # fmt: skip
        await logger.send(hj212.encode(timeless) + upload(st, T0, VALUES, flag=ANSWER))
        answer = await logger.answer()
        assert answer.qn != "20251121120000001" and answer.cn == "9014"  # the second upload's only
        with pytest.raises(TimeoutError):
            await logger.answer(timeout=0.5)
        assert hub.metrics.frames_rejected["missing"] == 1
        await logger.close()
