"""JT/T 808 terminals against a real hub over loopback TCP: login, reports, answers, bad frames."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from console.core import jt808
from console.core.jt808 import Package
from tests.conftest import shared_file
from tests.net.unitkit import LAT, LON, Terminal, get_json, location, unit_hub

pytestmark = pytest.mark.asyncio


def track(hub, unit: str) -> list:
    """The stored reports of a unit, read straight from the database."""
    return hub.storage.unit_track(unit, 0, 4e9, 10_000)


async def test_a_terminal_registers_authenticates_and_its_position_is_stored_before_the_answer(
    tmp_path: Path, db_url: str
) -> None:
    async with unit_hub(tmp_path, db=db_url) as hub:
        terminal = await Terminal.connect(hub)
        await terminal.login()
        now = time.time()
        answer = await terminal.ask(location(now - 5))
        assert isinstance(answer.body, jt808.GeneralReply)
        assert (answer.body.msg_id, answer.body.result) == (jt808.LOCATION, 0)
        assert answer.body.serial == terminal.serial
        rows = track(hub, "VAN-1")  # answered means stored
        assert len(rows) == 1 and rows[0][1] == int(now - 5) and rows[0][8] == ""
        heartbeat = await terminal.ask(jt808.Heartbeat())
        assert (heartbeat.body.msg_id, heartbeat.body.result) == (jt808.HEARTBEAT, 0)
        status, units = await get_json(hub, "/api/units")
        van = next(u for u in units if u["id"] == "VAN-1")
        assert status == 200 and van["source"] == "jt808" and van["device"] == "13800000001"
        assert van["lat"] == pytest.approx(LAT) and van["lon"] == pytest.approx(LON)
        assert van["speed_kmh"] == 36.0 and van["status"] == "available" and van["ts"] == int(now - 5)
        assert van["fix"] is True and van["alarms"] == [] and van["incident"] == ""
        await terminal.close()


async def test_the_2019_edition_logs_in_and_reports_too(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        terminal = await Terminal.connect(hub, "13800000002", version=2019)
        await terminal.login()
        answer = await terminal.ask(location(time.time()))
        assert answer.header.version == 2019 and answer.body.result == 0
        assert len(track(hub, "CAR-2")) == 1
        await terminal.close()


async def test_unknown_terminals_and_wrong_codes_are_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        stranger = await Terminal.connect(hub, "19900000000")
        answer = await stranger.ask(jt808.Registration(11, 229, "M", "X", "T", 1, "京B00000"))
        assert isinstance(answer.body, jt808.RegisterReply) and answer.body.result == 4
        answer = await stranger.ask(jt808.Authentication("guess"))
        assert answer.body.result == 1
        answer = await stranger.ask(location(time.time()))
        assert (answer.body.msg_id, answer.body.result) == (jt808.LOCATION, 1)
        known = await Terminal.connect(hub)
        answer = await known.ask(location(time.time()))  # before authentication
        assert answer.body.result == 1
        await known.login()
        wrong = await Terminal.connect(hub)
        assert (await wrong.ask(jt808.Authentication("not-the-code"))).body.result == 1
        assert track(hub, "VAN-1") == [] and "jt808-19900000000" not in hub.units.tracker.units
        rejected = hub.units.frames_rejected
        assert rejected["unknown_terminal"] == 2 and rejected["bad_auth_code"] == 1
        assert rejected["unauthenticated"] == 2
        for terminal in (stranger, known, wrong):
            await terminal.close()


async def test_with_accept_unknown_units_a_new_terminal_becomes_a_unit(tmp_path: Path, db_url: str) -> None:
    async with unit_hub(tmp_path, db=db_url, accept_unknown_units=True) as hub:
        stranger = await Terminal.connect(hub, "19900000000")
        await stranger.login()
        await stranger.ask(location(time.time()))
        _, units = await get_json(hub, "/api/units")
        new = next(u for u in units if u["device"].lstrip("0") == "19900000000")
        assert new["id"] == "jt808-19900000000" and new["name"] == "京A12345" and new["lat"] is not None
        await stranger.close()


async def test_frames_split_across_reads_and_several_in_one_read(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        terminal = await Terminal.connect(hub)
        await terminal.login()
        base = time.time() - 100
        frame = terminal.frame(location(base))
        for byte in frame:  # one byte a write
            await terminal.send(bytes([byte]))
            await asyncio.sleep(0)
        assert (await terminal.reply()).body.result == 0
        three = b"".join(terminal.frame(location(base + n, lon=LON + n * 1e-4)) for n in (1, 2, 3))
        await terminal.send(three)
        replies = [await terminal.reply() for _ in range(3)]
        assert [r.body.serial for r in replies] == [terminal.serial - 2, terminal.serial - 1, terminal.serial]
        assert [row[1] for row in track(hub, "VAN-1")] == [int(base) + n for n in range(4)]
        await terminal.close()


async def test_escaped_bytes_in_a_frame_come_through(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        terminal = await Terminal.connect(hub)
        await terminal.login()
        frame = terminal.frame(location(time.time(), altitude=0x7E7D, heading=0x7D))
        assert b"\x7d\x02" in frame and b"\x7d\x01" in frame
        await terminal.send(frame)
        assert (await terminal.reply()).body.result == 0
        assert track(hub, "VAN-1")[0][5] == 0x7D  # the heading, sent escaped
        await terminal.close()


async def test_a_wrong_check_code_is_counted_and_costs_nothing_else(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        terminal = await Terminal.connect(hub)
        await terminal.login()
        good = terminal.frame(location(time.time()))
        bad = good[:-2] + bytes([good[-2] ^ 0x01]) + good[-1:]
        if b"\x7d" in bad[-3:-1] or b"\x7e" in bad[1:-1]:  # keep the test frame well formed
            bad = good[:-2] + bytes([good[-2] ^ 0x02]) + good[-1:]
        await terminal.send(bad)
        answer = await terminal.ask(jt808.Heartbeat())  # the first answer is the heartbeat's
        assert answer.body.msg_id == jt808.HEARTBEAT and answer.body.serial == terminal.serial
        assert hub.units.frames_rejected["check"] == 1 and track(hub, "VAN-1") == []
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{hub.http_port}/metrics") as resp:
                text = await resp.text()
        assert 'hub_unit_frames_rejected_total{reason="check"} 1' in text
        await terminal.close()


async def test_a_blind_area_back_fill_takes_its_place_in_time(tmp_path: Path, db_url: str) -> None:
    async with unit_hub(tmp_path, db=db_url) as hub:
        terminal = await Terminal.connect(hub)
        await terminal.login()
        t0 = time.time() - 600
        for offset in (0, 300):  # live reports before and after the outage
            await terminal.ask(location(t0 + offset, lon=LON + offset * 1e-5))
        backfill = jt808.Batch("back-fill", tuple(location(t0 + s, lon=LON + s * 1e-5) for s in (100, 200)))
        answer = await terminal.ask(backfill)
        assert (answer.body.msg_id, answer.body.result) == (jt808.BATCH, 0)
        start, end = int(t0) - 1, int(t0) + 400
        status, body = await get_json(hub, f"/api/units/VAN-1/track?start={start}&end={end}")
        assert status == 200 and body["unit"] == "VAN-1"
        assert [p["ts"] for p in body["points"]] == [int(t0) + s for s in (0, 100, 200, 300)]
        status, units = await get_json(hub, "/api/units")
        assert next(u for u in units if u["id"] == "VAN-1")["ts"] == int(t0) + 300  # not the last to arrive
        await terminal.close()


async def test_a_sub_packaged_batch_is_joined_and_each_part_answered(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        terminal = await Terminal.connect(hub)
        await terminal.login()
        t0 = time.time() - 60
        body = jt808.batch_body(jt808.Batch("normal", tuple(location(t0 + s) for s in range(3))))
        half = len(body) // 2
        for number, part in ((1, body[:half]), (2, body[half:])):
            header = replace(terminal.header(jt808.BATCH), package=Package(2, number))
            answer = await terminal.ask_frame(jt808.encode_frame(header, part))
            assert answer.body.serial == header.serial and answer.body.result == 0
        assert [row[1] for row in track(hub, "VAN-1")] == [int(t0) + s for s in range(3)]
        await terminal.close()


async def test_every_development_frame_goes_through_the_listener(tmp_path: Path) -> None:
    path = shared_file("data/jt808_frames_dev.txt")
    frames = [bytes.fromhex(line.split()[1]) for line in path.read_text().splitlines() if line[:1] not in "#"]
    async with unit_hub(tmp_path, accept_unknown_units=True) as hub:
        refused = 0
        for raw in frames:
            try:
                message = jt808.decode(raw)
            except jt808.FrameError:  # the policy case: refused, counted, unanswered
                message, refused = jt808.decode(raw, lenient=True), refused + 1
            header = message.header
            terminal = await Terminal.connect(hub, header.phone, version=header.version)
            if header.msg_id in (jt808.LOCATION, jt808.BATCH):
                await terminal.login()
            await terminal.send(raw)
            await terminal.send(terminal.frame(jt808.Heartbeat()))
            answer = await terminal.reply()
            if header.msg_id == jt808.REGISTRATION:
                assert isinstance(answer.body, jt808.RegisterReply) and answer.body.result == 0
                answer = await terminal.reply()
            elif message.faults:
                assert answer.body.msg_id == jt808.HEARTBEAT  # nothing for the refused frame
            else:
                assert answer.body.serial == header.serial and answer.body.msg_id == header.msg_id
                if header.msg_id in (jt808.LOCATION, jt808.BATCH, jt808.HEARTBEAT):
                    assert answer.body.result == 0
                answer = await terminal.reply()
            assert answer.body.msg_id == jt808.HEARTBEAT
            await terminal.close()
        assert refused == 1 and sum(hub.units.frames_rejected.get(r, 0) for r in ("check", "length")) == 1
        rows = [row for unit in hub.units.tracker.units for row in track(hub, unit)]
        # every location the codec accepts is stored: the policy frame is not; go-jt808's batch holds one
        # report twice (same time: one row)
        assert len(rows) == 1 + 8 + 1 + 1 + 1 + 1 + 1 + 1
        swapped = [row for row in rows if row[2] > 90]  # go-jt808's batch: latitude 119.55, not positioned
        assert len(swapped) == 1 and not swapped[0][6]
        assert hub.units.tracker.units[swapped[0][0]].last is None  # a no-fix report never moves a unit


async def test_a_silent_terminal_is_closed_and_a_locked_out_one_refused(tmp_path: Path) -> None:
    async with unit_hub(tmp_path, unit_idle_s=0.5) as hub:
        terminal = await Terminal.connect(hub)
        await terminal.login()
        assert await asyncio.wait_for(terminal.reader.read(100), 10) == b""  # closed by the hub
        assert hub.units.frames_rejected["idle"] == 1
        guesser = await Terminal.connect(hub)
        for _ in range(5):  # five wrong codes: closed, and the terminal locked out
            assert (await guesser.ask(jt808.Authentication("guess"))).body.result == 1
        assert await asyncio.wait_for(guesser.reader.read(100), 10) == b""
        again = await Terminal.connect(hub)
        registration = jt808.Registration(11, 229, "M", "X", "T", 1, "京A12345")
        assert (await again.ask(registration)).body.result == 4  # locked: refused whatever it sends
        assert hub.units.frames_rejected["locked"] == 1
        for t in (terminal, guesser, again):
            await t.close()


async def test_sub_packages_are_stored_before_their_answer_and_dropped_when_the_rest_never_comes(
    tmp_path: Path, caplog
) -> None:
    async with unit_hub(tmp_path, unit_idle_s=0.4) as hub:  # the sweeper looks every 0.1 s
        stranger = await Terminal.connect(hub)
        header = replace(stranger.header(jt808.BATCH), package=Package(3, 1))
        answer = await stranger.ask_frame(jt808.encode_frame(header, b"\x00\x01\x00"))
        assert answer.body.result == 1  # not authenticated: refused, nothing kept
        assert hub.storage.load_parts("jt808") == [] and hub.units.frames_rejected["unauthenticated"] == 1
        terminal = await Terminal.connect(hub)
        await terminal.login()
        body = jt808.batch_body(jt808.Batch("normal", (location(time.time() - 60),)))
        header = replace(terminal.header(jt808.BATCH), package=Package(3, 1))
        answer = await terminal.ask_frame(jt808.encode_frame(header, body[:10]))
        assert answer.body.result == 0
        stored = hub.storage.load_parts("jt808")  # stored before its answer went
        assert [(row[0], row[1], row[3], row[4]) for row in stored] == [("13800000001", "JT808/0704", 3, 1)]
        assert hub.storage.load_parts() == []  # not an HJ 212 part
        header = replace(terminal.header(jt808.BATCH), package=Package(300, 1))
        await terminal.send(jt808.encode_frame(header, b"\x00"))  # more parts than may wait: unanswered
        assert (await terminal.ask(jt808.Heartbeat())).body.msg_id == jt808.HEARTBEAT
        assert hub.units.frames_rejected["split_numbers"] == 1
        assert hub.units.jt808 is not None
        hub.units.jt808.parts.timeout_s = 0.3
        deadline = time.monotonic() + 10
        while hub.storage.load_parts("jt808") or "split_incomplete" not in hub.units.frames_rejected:
            assert time.monotonic() < deadline, "the sub-package was not dropped"
            await asyncio.sleep(0.05)
        assert track(hub, "VAN-1") == []
        for t in (stranger, terminal):
            await t.close()
    lines = [r.getMessage() for r in caplog.records]
    assert any("message JT808/0704 dropped with 1 of its 3 sub-packages" in line for line in lines)
