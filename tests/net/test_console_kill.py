"""kill -9 of a console in the middle of a live stream: the cache stays sound, the next start resumes from
where the cache says and ends with every reading the hub stored."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.net.hubkit import TOKEN, running_hub
from tests.net.test_soak import STATIONS, Producer, hub_keys

pytestmark = pytest.mark.asyncio
ROOT = Path(__file__).resolve().parents[2]


class Child:
    def __init__(self, port: int, cache: Path) -> None:
        self.args = [
            sys.executable,
            "-m",
            "tests.net.console_child",
            f"http://127.0.0.1:{port}",
            TOKEN,
            str(cache),
        ]
        self.lines: list[str] = []

    async def start(self) -> Child:
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        self.proc = await asyncio.create_subprocess_exec(*self.args, stdout=asyncio.subprocess.PIPE, env=env)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        while line := await self.proc.stdout.readline():
            self.lines.append(line.decode().strip())

    def position(self) -> tuple[str, int] | None:
        last = next((line for line in reversed(self.lines) if line.startswith("POS ")), None)
        return (last.split()[1], int(last.split()[2])) if last else None

    async def until(self, predicate, timeout: float = 30.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"child did not get there; last lines: {self.lines[-5:]}")
            await asyncio.sleep(0.05)


async def test_a_console_killed_mid_stream_resumes_and_loses_nothing(tmp_path) -> None:
    cache = tmp_path / "cache.db"
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    async with running_hub(hub_dir, stations=STATIONS) as hub:
        first = await Child(hub.http_port, cache).start()
        await first.until(lambda: first.position() is not None)
        producer = Producer()
        producer.hub = hub
        producing = asyncio.create_task(producer.run())
        await first.until(lambda: first.position()[1] > 30)
        first.proc.send_signal(signal.SIGKILL)  # in the middle of writing
        await first.proc.wait()

        with sqlite3.connect(cache) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            epoch = conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]
        assert epoch.strip('"') == hub.events.epoch  # a position was committed with its data

        second = await Child(hub.http_port, cache).start()
        await second.until(lambda: any(line.startswith("WELCOME") for line in second.lines))
        assert "WELCOME True" in second.lines  # resumed from the cached position: no snapshot needed
        await asyncio.sleep(1.0)
        producer.running = False
        await producing
        await asyncio.sleep(0.3)
        await second.until(lambda: second.position() == (hub.events.epoch, hub.events.seq))
        second.proc.send_signal(signal.SIGTERM)
        await second.proc.wait()
        assert "CLOSED" in second.lines
        await asyncio.get_running_loop().run_in_executor(None, hub.writer.flush, 30.0)
        emitted = hub_keys(hub_dir / "hub.db")
    with sqlite3.connect(cache) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = set(conn.execute("SELECT station, factor, ts FROM readings"))
    assert len(emitted) > 1000 and emitted - stored == set()
