"""The hub over real loopback sockets: loggers in, consoles out, resume, refusals and garbage."""

from __future__ import annotations

import asyncio
import os
import time

import aiohttp
import pytest

from console.core import hj212, protocol, uploads
from console.core.models import StationStatus
from tests.net.hubkit import PW, STATIONS, TOKEN, Console, Logger, running_hub, upload

pytestmark = pytest.mark.asyncio
AIR = {"a34004": 35.0, "a34002": 60.0, "a21026": 5.0, "a21004": 20.0, "a21005": 0.5, "a05024": 80.0}
T0 = 1_763_700_000.0  # a fixed data time (2025-11-21)


def is_readings(m: object) -> bool:
    return isinstance(m, protocol.Readings)


async def test_readings_reach_consoles_with_consecutive_seq(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        console = await Console.connect(hub)
        welcome = await console.next()
        snapshot = await console.next()
        assert isinstance(welcome, protocol.Welcome) and not welcome.resumed
        assert isinstance(snapshot, protocol.Snapshot) and len(snapshot.stations) == len(STATIONS)
        logger = await Logger.connect(hub)
        for minute in range(5):
            for st in STATIONS[:3]:
                await logger.send(upload(st, T0 + 60 * minute, AIR))
        await console.until(lambda m: is_readings(m) and len(console.readings()) >= 90)
        seqs = [m.seq for m in console.events()]
        assert seqs == list(range(snapshot.seq + 1, snapshot.seq + 1 + len(seqs)))
        got = {
            (r.station, r.factor, r.ts): r.value for r in console.readings() if not r.factor.startswith("AQI")
        }
        assert len(got) == 5 * 3 * 6 and got[("T-001", "a34004", T0)] == 35.0
        await logger.close()
        await console.close()


async def test_resume_replays_exactly_the_missed_events(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        witness = await Console.connect(hub)
        first = await Console.connect(hub)
        logger = await Logger.connect(hub)
        await logger.send(upload(STATIONS[0], T0, AIR))
        await first.until(is_readings)
        last = first.events()[-1].seq
        await first.close()
        for minute in range(1, 20):
            await logger.send(upload(STATIONS[0], T0 + 60 * minute, AIR))
        await witness.until(lambda m: is_readings(m) and any(r.ts == T0 + 60 * 19 for r in m.items))
        resumed = await Console.connect(hub, resume=protocol.Resume(hub.events.epoch, last))
        welcome = await resumed.next()
        assert isinstance(welcome, protocol.Welcome) and welcome.resumed
        await resumed.until(
            lambda m: getattr(m, "seq", 0) == welcome.seq and not isinstance(m, protocol.Welcome)
        )
        missed = [m for m in witness.events() if m.seq > last]
        assert [m.seq for m in resumed.events()] == [m.seq for m in missed]
        assert resumed.readings() == [r for m in missed if is_readings(m) for r in m.items]
        for client in (witness, resumed):
            await client.close()
        await logger.close()


async def test_resume_outside_the_window_gets_a_snapshot(tmp_path) -> None:
    async with running_hub(tmp_path, replay_window=3) as hub:
        logger = await Logger.connect(hub)
        for minute in range(10):
            await logger.send(upload(STATIONS[0], T0 + 60 * minute, AIR))
            await asyncio.sleep(0.03)
        stale = await Console.connect(hub, resume=protocol.Resume(hub.events.epoch, 1))
        assert not (await stale.next()).resumed
        assert isinstance(await stale.next(), protocol.Snapshot)
        other_epoch = await Console.connect(hub, resume=protocol.Resume("another-hub-run", 5))
        assert not (await other_epoch.next()).resumed
        assert isinstance(await other_epoch.next(), protocol.Snapshot)
        for client in (stale, other_epoch):
            await client.close()
        await logger.close()


async def test_wrong_password_and_unknown_mn_are_refused(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        console = await Console.connect(hub)
        logger = await Logger.connect(hub)
        await logger.send(upload(STATIONS[0], T0, AIR, pw="999999"))
        assert (await logger.answer()).params["QnRtn"] == "2"
        unknown = hj212.frame(upload(STATIONS[0], T0, AIR)[6:-6].replace(STATIONS[0].mn.encode(), b"F" * 24))
        await logger.send(unknown)
        assert (await logger.answer()).params["QnRtn"] == "2"
        await logger.send(upload(STATIONS[1], T0, AIR))
        await console.until(is_readings)
        assert {r.station for r in console.readings()} == {STATIONS[1].id}
        assert hub.metrics.frames_rejected["bad_pw"] == 1 and hub.metrics.frames_rejected["unknown_mn"] == 1
        await logger.close()
        await console.close()


async def test_wrong_token_is_refused(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        intruder = await Console.connect(hub, token="guess")
        error = await intruder.next()
        assert isinstance(error, protocol.Error) and error.code == "unauthorized"
        with pytest.raises(ConnectionError):
            await intruder.next()
        await intruder.close()
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{hub.http_port}/api/stations") as resp:
                assert resp.status == 401
            async with http.get(f"http://127.0.0.1:{hub.http_port}/api/stations?token={TOKEN}") as resp:
                assert resp.status == 401  # a token in the URL ends up in logs: refused
            bearer = {"Authorization": f"Bearer {TOKEN}"}
            async with http.get(f"http://127.0.0.1:{hub.http_port}/api/stations", headers=bearer) as resp:
                assert resp.status == 200 and len(await resp.json()) == len(STATIONS)


async def test_garbage_on_both_ports_is_survived(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        console = await Console.connect(hub)
        logger = await Logger.connect(hub)
        good = [upload(STATIONS[0], T0 + 60 * n, AIR) for n in range(3)]
        broken = bytearray(good[1])
        broken[40] ^= 0x01
        await logger.send(
            os.urandom(3000) + good[0] + b"##9999garbage\r\n" + bytes(broken) + b"\x00" * 10 + good[2]
        )
        await console.until(lambda m: is_readings(m) and any(r.ts == T0 + 120 for r in m.items))
        times = {r.ts for r in console.readings()}
        assert T0 in times and T0 + 120 in times and T0 + 60 not in times
        assert hub.metrics.frames_rejected["crc"] >= 1
        _reader, writer = await asyncio.open_connection("127.0.0.1", hub.http_port)
        writer.write(os.urandom(5000) + b"\r\n\r\n")
        await writer.drain()
        writer.close()
        await console.ws.send_str("{definitely not json")
        error = await console.until(lambda m: isinstance(m, protocol.Error))
        assert error.code == "bad_message"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{hub.http_port}/healthz") as resp:
                assert (await resp.json())["status"] == "ok"
        await logger.send(upload(STATIONS[0], T0 + 180, AIR))
        await console.until(lambda m: is_readings(m) and any(r.ts == T0 + 180 for r in m.items))
        await logger.close()
        await console.close()


async def test_split_packets_are_reassembled_and_answered(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        console = await Console.connect(hub)
        logger = await Logger.connect(hub)
        st = STATIONS[0]
        common = dict(
            st=st.st, cn="2011", pw=PW, mn=st.mn, flag=hj212.FLAG_V2017 | hj212.FLAG_SPLIT | 1, pnum=2
        )
        part1 = hj212.Packet.create(qn="20251121120000001", pno=1, params={"DataTime": "20251121120000"},
                                    cp={"a34004": {"Rtd": "40", "Flag": "N"}}, **common)  # fmt: skip
        part2 = hj212.Packet.create(qn="20251121120000002", pno=2, params={"DataTime": "20251121120000"},
                                    cp={"a34002": {"Rtd": "70", "Flag": "N"}}, **common)  # fmt: skip
        await logger.send(hj212.encode(part1))
        first_answer = await logger.answer()
        assert (first_answer.cn, first_answer.qn) == ("9014", "20251121120000001")
        await asyncio.sleep(0.05)
        assert not console.readings()
        await logger.send(hj212.encode(part2))
        assert (await logger.answer()).qn == "20251121120000002"
        await console.until(lambda m: is_readings(m) and len(console.readings()) >= 2)
        assert {(r.factor, r.value) for r in console.readings()} == {("a34004", 40.0), ("a34002", 70.0)}
        await logger.close()
        await console.close()


async def test_rest_history_health_and_metrics(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        logger = await Logger.connect(hub)
        for minute in range(30):
            await logger.send(upload(STATIONS[0], T0 + 60 * minute, AIR))
        base = f"http://127.0.0.1:{hub.http_port}"
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            url = f"{base}/api/history?station=T-001&factor=a34004&start={T0}&end={T0 + 3600}&resolution=raw"
            deadline = time.monotonic() + 10
            while True:
                async with http.get(url) as resp:
                    body = await resp.json()
                if len(body["points"]) == 30 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
            assert [p[0] for p in body["points"]] == [T0 + 60 * m for m in range(30)]
            async with http.get(f"{base}/api/history?station=NOPE&factor=a34004") as resp:
                assert resp.status == 404 and "unknown station" in (await resp.json())["error"]
            async with http.get(f"{base}/api/history?station=T-001&factor=a34004&resolution=5m") as resp:
                assert resp.status == 400
            async with http.get(f"{base}/metrics") as resp:
                text = await resp.text()
            async with http.get(f"{base}/api/region") as resp:
                region = await resp.json()
        assert region["name"] == "延庆区" and len(region["townships"]) == 18
        assert {f["properties"]["kind"] for f in region["boundary"]["features"]} == {"district", "township"}
        assert "hub_frames_accepted_total 30" in text
        assert "hub_consoles_connected 0" in text and "process_resident_memory_bytes" in text
        await logger.close()


async def test_silent_station_goes_offline_and_faults_are_reported(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        console = await Console.connect(hub)
        logger = await Logger.connect(hub)
        await logger.send(upload(STATIONS[0], T0, AIR) + upload(STATIONS[1], T0, AIR, data_flag="D"))
        for minute in range(1, 6):  # T-002 falls silent, T-001 keeps reporting
            await logger.send(upload(STATIONS[0], T0 + 60 * minute, AIR))

        def status_of(sid: str, status: StationStatus):
            return lambda m: (
                isinstance(m, protocol.StationEvent) and m.entry.station == sid and m.entry.status == status
            )

        fault_or_offline = await console.until(
            lambda m: isinstance(m, protocol.StationEvent) and m.entry.station == "T-002", timeout=5
        )
        assert fault_or_offline.entry.status in (StationStatus.FAULT, StationStatus.OFFLINE)
        if fault_or_offline.entry.status == StationStatus.FAULT:
            assert "instrument fault" in fault_or_offline.entry.reason
            await console.until(status_of("T-002", StationStatus.OFFLINE), timeout=5)
        online = [m for m in console.messages if status_of("T-001", StationStatus.ONLINE)(m)]
        assert online or any(e.station == "T-001" and e.status == "online" for e in hub.status.entries())
        await logger.close()
        await console.close()


async def test_hub_derives_hourly_aqi(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        console = await Console.connect(hub)
        logger = await Logger.connect(hub)
        hour = T0 - T0 % 3600
        for minute in range(61):
            await logger.send(upload(STATIONS[0], hour + 60 * minute, {**AIR, "a34004": 100.0}))
        aqi = await console.until(lambda m: is_readings(m) and any(r.factor == "AQI_H" for r in m.items))
        value = next(r for r in aqi.items if r.factor == "AQI_H")
        assert (value.station, value.ts, value.value) == (
            "T-001",
            hour,
            132.0,
        )  # PM2.5 100 -> IAQI 131.25, rounded up
        await logger.close()
        await console.close()


async def test_equipment_state_and_flags_are_kept(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        console = await Console.connect(hub)
        logger = await Logger.connect(hub)
        st = STATIONS[0]
        packet = hj212.Packet.create(
            qn="20251121120000001", st="31", cn="2011", pw=PW, mn=st.mn, flag=4,
            params={"DataTime": "20251121120000"},
            cp={"a34041": {"Rtd": "3.10", "Flag": "T"}, "SB1": {"RS": "0", "Flag": "N"},
                "x1": {"Rtd": "nan"}},
        )  # fmt: skip
        await logger.send(hj212.encode(packet))
        await console.until(is_readings)
        got = {(r.factor, r.value, r.flag) for r in console.readings()}
        assert got == {("a34041", 3.1, "T"), ("SB1-RS", 0.0, "N")}  # the NaN value is not a reading
        await logger.close()
        await console.close()


@pytest.mark.parametrize("quick", [True, False], ids=["packet-free path", "packet path only"])
async def test_uploads_come_out_alike_with_or_without_the_packet_free_path(
    tmp_path, monkeypatch, caplog, quick
) -> None:
    """Most uploads skip building a packet (C extension); answers, refusals and odd flags still come right.
    A reading with a flag the standard does not know is shown, logged, and not stored."""
    if not quick:
        monkeypatch.setattr(uploads, "_c_frame_upload", None)
    async with running_hub(tmp_path) as hub:
        console = await Console.connect(hub)
        logger = await Logger.connect(hub)
        await logger.send(upload(STATIONS[0], T0, AIR))
        await logger.send(upload(STATIONS[1], T0, {"a34004": 40.0}, data_flag="X"))  # unknown flag
        await logger.send(upload(STATIONS[2], T0, {"a34004": 41.0}, flag=5))  # asks for an answer
        assert (await logger.answer()).cn == "9014"
        await logger.send(upload(STATIONS[0], T0 + 60, AIR, pw="999999"))
        assert (await logger.answer()).params["QnRtn"] == "2"
        await console.until(lambda m: len([r for r in console.readings() if r.factor == "a34004"]) >= 3)
        pm25 = {(r.station, r.value, r.flag) for r in console.readings() if r.factor == "a34004"}
        assert pm25 == {(STATIONS[0].id, 35.0, "N"), (STATIONS[1].id, 40.0, "X"), (STATIONS[2].id, 41.0, "N")}
        assert hub.writer.flush(timeout=10)
        stored = {(r.station, r.factor) for r in hub.storage.readings_between(T0, T0) if r.factor == "a34004"}
        assert stored == {(STATIONS[0].id, "a34004"), (STATIONS[2].id, "a34004")}  # not the unknown flag
        assert "unknown data flags ['X']: shown, not stored" in caplog.text
        assert hub.metrics.frames_accepted == 3 and hub.metrics.frames_rejected["bad_pw"] == 1
        await logger.close()
        await console.close()


async def test_the_benchmark_ceiling_skips_decoding_and_storage_but_nothing_else(tmp_path) -> None:
    async with running_hub(tmp_path, bench_bypass=True) as hub:
        console = await Console.connect(hub)
        await console.next(), await console.next()  # welcome, snapshot
        logger = await Logger.connect(hub)
        frame = upload(STATIONS[0], T0, AIR)
        for _ in range(3):  # the same frame thrice: decoded once, delivered thrice
            await logger.send(frame)
        await console.until(lambda m: len([r for r in console.readings() if r.factor == "a34004"]) >= 3)
        assert {(r.station, r.ts, r.value) for r in console.readings() if r.factor == "a34004"} == {
            ("T-001", T0, 35.0)
        }
        assert hub.latest[("T-001", "a34004")].value == 35.0  # the latest values and status still run
        await asyncio.sleep(1.0)  # twice the writer's batching delay: stored readings would be there
        assert hub.writer.rows_written == 0 and hub.storage.readings_between(T0 - 1, T0 + 1) == []
        await logger.close()
        await console.close()
