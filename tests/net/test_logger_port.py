"""The HJ 212 port under hostile input, on real loopback sockets: guessing, junk, made-up factors, floods."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest

from console.core import hj212, protocol
from tests.net.hubkit import STATIONS, TOKEN, Logger, running_hub, upload

pytestmark = pytest.mark.asyncio
AIR = {"a34004": 35.0, "a34002": 60.0}
T0 = 1_763_700_000.0  # a fixed data time (2025-11-21)
INGEST = "console.hub.ingest"


class Clock:
    """The lockouts' clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def until(condition, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def attempt(hub, frame: bytes, source: str = "127.0.0.1") -> hj212.Packet:
    """One login attempt on a fresh connection (a guesser reconnects): the hub's answer."""
    logger = await Logger.connect(hub, source)
    await logger.send(frame)
    answer = await logger.answer()
    await logger.close()
    return answer


def refused(answer: hj212.Packet) -> bool:
    return answer.cn == "9011" and answer.params["QnRtn"] == "2"


def accepted(answer: hj212.Packet) -> bool:
    return answer.cn == "9014"


async def closed_by_hub(logger: Logger) -> bool:
    try:
        return await asyncio.wait_for(logger.reader.read(1), 10) == b""
    except ConnectionResetError:
        return True


async def test_a_guessed_mn_stays_locked_out_across_reconnects_with_back_off(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        clock = Clock()
        hub.listener.lockout_mn.clock = hub.listener.lockout_address.clock = clock
        checks = []
        authenticate = hub.registry.authenticate
        hub.registry.authenticate = lambda mn, pw: checks.append(mn) or authenticate(mn, pw)  # counts checks
        target, other = STATIONS[0], STATIONS[1]
        unknown = hj212.frame(upload(target, T0, AIR, flag=5)[6:-6].replace(target.mn.encode(), b"F" * 24))
        assert refused(await attempt(hub, unknown))  # an unknown MN gets the answer a wrong PW gets
        for guess in range(5):
            assert refused(await attempt(hub, upload(target, T0, AIR, pw=f"{guess:06d}", flag=5)))
        assert hub.metrics.logger_lockouts["mn"] == 1 and not hub.metrics.logger_lockouts["address"]
        checks.clear()
        for _ in range(3):  # the right password is refused while locked out, unchecked
            assert refused(await attempt(hub, upload(target, T0, AIR, flag=5)))
        assert checks == [] and hub.metrics.frames_rejected["locked"] == 3
        assert accepted(await attempt(hub, upload(other, T0, AIR, flag=5), source="127.0.0.2"))
        clock.now += 1.0  # the first lockout is over; five more refusals lock it for twice as long
        for guess in range(5):
            assert refused(await attempt(hub, upload(target, T0, AIR, pw=f"{guess:06d}", flag=5)))
        clock.now += 1.5
        assert refused(await attempt(hub, upload(target, T0 + 60, AIR, flag=5)))
        clock.now += 0.6
        assert accepted(await attempt(hub, upload(target, T0 + 60, AIR, flag=5)))
        assert hub.writer.flush(timeout=10)
        stored = {(r.station, r.ts) for r in hub.storage.readings_between(T0, T0 + 120)}
        assert stored == {(target.id, T0 + 60), (other.id, T0)}
        assert 'hub_logger_lockouts_total{kind="mn"} 2' in hub.metrics.render()


async def test_an_address_that_guesses_many_mns_is_locked_out_alone(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        for n in range(20):  # twenty made-up MNs, each refused once
            frame = hj212.frame(
                upload(STATIONS[0], T0, AIR)[6:-6].replace(STATIONS[0].mn.encode(), b"E%023X" % n)
            )
            assert refused(await attempt(hub, frame, source="127.0.0.3"))
        assert hub.metrics.logger_lockouts == {"address": 1}
        assert refused(await attempt(hub, upload(STATIONS[2], T0, AIR, flag=5), source="127.0.0.3"))
        assert accepted(await attempt(hub, upload(STATIONS[2], T0, AIR, flag=5), source="127.0.0.4"))


async def test_a_megabyte_of_hashes_is_one_run_of_junk_and_the_frame_after_it_counts(
    tmp_path, caplog
) -> None:
    caplog.set_level(logging.WARNING, INGEST)
    async with running_hub(tmp_path) as hub:
        logger = await Logger.connect(hub)
        await logger.send(b"#" * 1_000_000)
        await logger.send(upload(STATIONS[0], T0, AIR, flag=5))
        assert accepted(await logger.answer(timeout=30))
        assert hub.metrics.frames_rejected["header"] == 1 and hub.metrics.frames_accepted == 1
        assert len([r for r in caplog.records if r.name == INGEST]) == 1
        await logger.close()


async def test_readings_of_made_up_factors_are_counted_and_not_stored(tmp_path, caplog) -> None:
    caplog.set_level(logging.WARNING, INGEST)
    made_up = {f"z{n:05d}": float(n) for n in range(20)}
    async with running_hub(tmp_path) as hub:
        logger = await Logger.connect(hub)
        for k in range(300):
            await logger.send(upload(STATIONS[0], T0 + k, {**made_up, "a34004": 35.0}, flag=5))
        for _ in range(300):
            assert accepted(await logger.answer())
        assert hub.writer.flush(timeout=10)
        stored = hub.storage.readings_between(T0, T0 + 300)
        assert {r.factor for r in stored} == {"a34004"} and len(stored) == 300
        assert hub.metrics.readings_unknown_factor == 300 * 20
        assert "hub_readings_unknown_factor_total 6000" in hub.metrics.render()
        assert len([r for r in caplog.records if "unknown factor codes" in r.getMessage()]) == 1
        await logger.close()


async def test_connections_over_the_caps_are_closed_and_the_hub_still_answers(tmp_path, caplog) -> None:
    caplog.set_level(logging.WARNING, INGEST)
    async with running_hub(tmp_path, max_loggers=6, max_loggers_per_address=3) as hub:
        kept = [await Logger.connect(hub) for _ in range(3)]
        await until(lambda: hub.metrics.loggers_connected == 3)
        extra = [await Logger.connect(hub) for _ in range(10)]
        assert all([await closed_by_hub(logger) for logger in extra])
        kept += [await Logger.connect(hub, "127.0.0.2") for _ in range(3)]
        await until(lambda: hub.metrics.loggers_connected == 6)
        assert await closed_by_hub(await Logger.connect(hub, "127.0.0.3"))
        assert hub.metrics.loggers_refused == {"address": 10, "total": 1}
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{hub.http_port}/healthz") as resp:
                assert resp.status == 200 and (await resp.json())["loggers_connected"] == 6
        await kept[0].send(upload(STATIONS[0], T0, AIR, flag=5))
        assert accepted(await kept[0].answer())  # the admitted ones work as ever
        refusals = [r for r in caplog.records if "connection refused" in r.getMessage()]
        assert len(refusals) == 2  # once per address per minute
        for logger in kept:
            await logger.close()


async def test_an_idle_logger_is_closed_after_the_idle_timeout(tmp_path) -> None:
    async with running_hub(tmp_path, logger_idle_s=0.2) as hub:
        reporting = await Logger.connect(hub)  # logged in: may stay silent for three reporting intervals
        await reporting.send(upload(STATIONS[0], T0, AIR, flag=5))
        assert accepted(await reporting.answer())
        silent = await Logger.connect(hub)
        chatty = await Logger.connect(hub)
        await chatty.send(b"no frame here, only junk\r\n")
        assert await closed_by_hub(silent) and await closed_by_hub(chatty)
        assert hub.metrics.loggers_idle_closed == 2
        assert [c.idle_s for c in hub.listener._connections] == [3 * STATIONS[0].interval_s]
        await reporting.close()


async def test_a_flood_of_connections_from_one_address_writes_a_bounded_log(tmp_path, caplog) -> None:
    caplog.set_level(logging.WARNING, INGEST)
    async with running_hub(tmp_path) as hub:
        for _ in range(40):
            logger = await Logger.connect(hub)
            await logger.send(b"GET / HTTP/1.1\r\n\r\n")
            await logger.close()
        await until(lambda: hub.metrics.frames_rejected["header"] >= 40)
        assert len([r for r in caplog.records if r.name == INGEST]) == 5


async def test_a_console_name_with_newlines_is_logged_on_one_line(tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO, "console.hub.server")
    async with running_hub(tmp_path) as hub:
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(f"http://127.0.0.1:{hub.http_port}/ws")
            name = "desk\n2026-12-07 12:00:00 WARNING console.hub: forged line\x1b[31m"
            await ws.send_bytes(protocol.encode(protocol.Hello(protocol=1, token=TOKEN, client=name)))
            await ws.receive(5)
            await ws.close()
        lines = [r.getMessage() for r in caplog.records if "connected" in r.getMessage()]
        assert len(lines) == 1 and "\n" not in lines[0] and "\x1b" not in lines[0]
        assert "desk\\n2026-12-07" in lines[0]
