"""The headless hub with the simulated city: real loggers over TCP, real consoles over websocket."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import psutil
import pytest

from console.core import protocol

pytestmark = pytest.mark.asyncio
ROOT = Path(__file__).resolve().parents[2]
BEARER = {"Authorization": "Bearer t"}


@contextlib.asynccontextmanager
async def hub_process(tmp_path: Path, *extra: str):
    cmd = [sys.executable, "-m", "console.hub", "--simulate", "--http-port", "0", "--hj212-port", "0",
           "--data-dir", str(tmp_path), "--token", "t", "--log-level", "WARNING", *extra]  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
        assert line.startswith("READY"), line
        yield dict(part.split("=") for part in line.split()[1:])
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 30) == 0


async def collect(port: str, until, timeout: float = 60.0) -> tuple[protocol.Snapshot, list]:
    async with aiohttp.ClientSession() as session, session.ws_connect(f"http://127.0.0.1:{port}/ws") as ws:
        await ws.send_bytes(protocol.encode(protocol.Hello(protocol=1, token="t", client="test")))
        messages: list = []
        snapshot = None
        async with asyncio.timeout(timeout):
            while not (snapshot and until(snapshot, messages)):
                message = protocol.decode_hub((await ws.receive()).data)
                if isinstance(message, protocol.Snapshot):
                    snapshot = message
                messages.append(message)
        return snapshot, messages


def kinds_reporting(snapshot: protocol.Snapshot, messages: list) -> set[str]:
    kind = {s.id: s.kind for s in snapshot.stations}
    return {kind[r.station] for m in messages if isinstance(m, protocol.Readings) for r in m.items}


async def test_simulated_yanqing_reports_over_real_hj212(tmp_path) -> None:
    async with hub_process(tmp_path, "--accel", "60") as ports:
        snapshot, messages = await collect(
            ports["http"], lambda snap, ms: len(kinds_reporting(snap, ms)) == 8
        )
        assert len(snapshot.stations) == 905
        assert kinds_reporting(snapshot, messages) == {
            "air", "micro", "scenic", "water", "noise", "fume", "source", "odour"
        }  # fmt: skip
        # every logger has its own TCP connection (a few may be offline at any moment)
        assert await eventually_connected(ports["http"], at_least=850)


async def eventually_connected(port: str, at_least: int, timeout: float = 20.0) -> bool:
    async with aiohttp.ClientSession() as http, asyncio.timeout(timeout):
        while True:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                if (await resp.json())["loggers_connected"] >= at_least:
                    return True
            await asyncio.sleep(0.2)


async def test_region_is_data_huludao_at_another_scale(tmp_path) -> None:
    async with hub_process(tmp_path, "--region", "huludao", "--stations", "120", "--accel", "60") as ports:
        snapshot, _ = await collect(
            ports["http"], lambda _, ms: any(isinstance(m, protocol.Readings) for m in ms)
        )
        assert len(snapshot.stations) == 120
        assert {s.township[:4] for s in snapshot.stations} == {"2114"}  # Huludao's divisions
        assert all(119.2 < s.lon < 121.1 and 39.9 < s.lat < 41.3 for s in snapshot.stations)


async def test_hub_and_its_loggers_stop_when_their_parent_dies(tmp_path) -> None:
    """A console killed with SIGKILL must not leave its embedded hub (or the hub its loggers) running."""
    script = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-m', 'console.hub', '--simulate', '--http-port', '0', "
        f"'--hj212-port', '0', '--data-dir', {str(tmp_path)!r}, '--token', 't', '--stations', '20', "
        "'--parent-pid', str(__import__('os').getpid())], stdout=subprocess.PIPE); "
        "p.stdout.readline(); print(p.pid, flush=True); time.sleep(60)"
    )
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    hub_pid = int((await asyncio.wait_for(parent.stdout.readline(), 60)).decode())  # after its READY line
    children = psutil.Process(hub_pid).children()
    assert children, "the hub started its simulated loggers"
    parent.kill()
    await parent.wait()
    _gone, alive = psutil.wait_procs([psutil.Process(hub_pid), *children], timeout=20)
    assert not alive


async def test_the_simulated_city_runs_from_the_site_it_writes(tmp_path) -> None:
    """--simulate writes DATA-DIR/site and its first history, then the hub reads that site like a real one."""
    async with hub_process(tmp_path, "--stations", "40", "--history-hours", "1") as ports:
        base = f"http://127.0.0.1:{ports['http']}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as resp:
                health = await resp.json()
            async with http.get(f"{base}/api/stations", headers=BEARER) as resp:
                stations = await resp.json()
            air = next(s["id"] for s in stations if s["kind"] == "air")
            async with http.get(f"{base}/api/history?station={air}&factor=a34004", headers=BEARER) as resp:
                history = await resp.json()
    assert health["site"] == {"name": "延庆区", "missing": []} and health["stations"] == 40
    written = (tmp_path / "site" / "stations.csv").read_text(encoding="utf-8").splitlines()
    assert len(written) == 41 and sorted(line.split(",")[0] for line in written[1:]) == sorted(
        s["id"] for s in stations
    )
    assert len(history["points"]) >= 50  # an hour of one-minute history, written before the hub listened
