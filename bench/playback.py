"""Replay figures: seek to a moment (fetched over REST from a hub on loopback and applied to the session),
playback throughput at 3600x, and memory while playing; on a big synthetic store and on the PRSA import.

    python bench/playback.py [--stations 1000] [--days 30] [--prsa DATA_DIR] [--data /tmp/pb-big]

The synthetic store (one-minute data, six factors a station) is generated straight into the hub's SQLite
schema by a child process (executemany, station after station) and kept for the next run. The hub runs in
a child process too, so the console side has its own core. Ends with one line of JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgspec
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.core import playback as playback_module
from console.core.models import Station
from console.core.playback import HubSource, Playback
from console.core.session import ConsoleSession

TOKEN = "bench-token"
FACTORS = ("a34004", "a34002", "a21026", "a21004", "a21005", "a05024")
T0 = 1_700_000_000.0 // 86400 * 86400  # a UTC midnight


# --- the synthetic store -----------------------------------------------------------------------------------


def generate(path: Path, stations: int, days: float) -> None:
    """One-minute frames of ``stations`` air stations over ``days`` days, into the hub's schema."""
    from console.hub.storage import Storage

    Storage(f"sqlite:///{path}").close()  # the schema, as the hub makes it
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    pack = msgspec.msgpack.Encoder().encode
    rng = random.Random(7)
    blobs = [pack({f: (round(rng.uniform(5, 300), 1), "N") for f in FACTORS}) for _ in range(509)]
    rows = []
    for n in range(stations):
        place = 115.9 + n * 1e-4, 40.4
        rows.append(
            (
                f"S{n:04d}",
                f"站{n}",
                "air",
                "110119001",
                "",
                *place,
                f"{n:024X}",
                "pw",
                "22",
                ",".join(FACTORS),
                60,
                "",
            )
        )
    db.executemany(
        "INSERT INTO stations (id, name, kind, township, grid, lon, lat, mn, pw, st, factors, interval_s, "
        "zone) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    minutes = int(days * 1440)
    began = time.monotonic()
    for n in range(stations):
        station = f"S{n:04d}"
        db.executemany(
            "INSERT INTO frames (station, ts, data) VALUES (?, ?, ?)",
            ((station, T0 + 60.0 * m, blobs[(m * 7 + n) % 509]) for m in range(minutes + 1)),
        )
        if n % 50 == 49:
            db.commit()
            done = (n + 1) / stations
            print(f"  generated {done:.0%} in {time.monotonic() - began:.0f} s", file=sys.stderr)
    db.commit()
    db.close()


# --- the hub child -----------------------------------------------------------------------------------------


def serve(database: str, port_file: str) -> None:
    """A hub over ``database`` on a free loopback port (written to ``port_file``), until killed."""
    from console.hub.registry import Registry
    from console.hub.server import Hub, HubConfig
    from console.hub.storage import Storage

    async def run() -> None:
        storage = Storage(f"sqlite:///{database}")
        hub = Hub(HubConfig(token=TOKEN), storage, Registry(storage.load_stations()))
        await hub.start()
        Path(port_file).write_text(str(hub.http_port))
        await asyncio.Event().wait()

    asyncio.run(run())


class HubChild:
    def __init__(self, database: Path) -> None:
        self._port_file = Path(tempfile.mktemp(prefix="pb-port-"))
        cmd = [sys.executable, __file__, "--serve", str(database), str(self._port_file)]
        self.process = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)

    def url(self) -> str:
        deadline = time.monotonic() + 120
        while not self._port_file.exists() or not self._port_file.read_text():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the hub did not start")
            time.sleep(0.1)
        return f"http://127.0.0.1:{self._port_file.read_text()}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self._port_file.unlink(missing_ok=True)


# --- measuring ---------------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def seeks(url: str, count: int, tmp: Path) -> dict[str, float]:
    """Seek to ``count`` random moments: ms until the moment's snapshot is fetched and applied."""
    session = ConsoleSession(tmp / "seek-cache.db")
    playback = Playback(session, HubSource(url, TOKEN))
    await playback.open()
    await playback.settled()
    state = playback.state()
    rng = random.Random(11)
    times, applied = [], []
    shown = asyncio.Event()
    playback.changed.subscribe(lambda s: shown.set() if not s.loading else None)
    apply_picture = playback._apply_picture

    def timed_apply(picture: object) -> None:  # the console's CPU for the moment it shows (no fetch)
        began = time.thread_time()
        apply_picture(picture)  # type: ignore[arg-type]
        applied.append((time.thread_time() - began) * 1000)

    playback._apply_picture = timed_apply  # type: ignore[method-assign]
    for _ in range(count):
        moment = rng.uniform(state.start, state.end)
        shown.clear()
        began = time.perf_counter()
        playback.seek(moment)
        await shown.wait()
        times.append((time.perf_counter() - began) * 1000)
        await playback.settled()  # the trends' fill and read-ahead, not timed, before the next seek
    readings = sum(len(v) for v in session.store.latest.values())
    await playback.close()
    await session.close()
    return {
        "seek_p50_ms": pct(times, 0.5),
        "seek_p99_ms": pct(times, 0.99),
        "seek_apply_cpu_p50_ms": pct(applied, 0.5),
        "seek_apply_cpu_p99_ms": pct(applied, 0.99),
        "seek_values": readings,
    }


class Pauses:
    """The garbage collector's full collections (generation 2) while measuring: count and longest, CPU."""

    def __init__(self) -> None:
        self.full: list[float] = []
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._began = time.thread_time()
        else:
            self.full.append((time.thread_time() - self._began) * 1000)

    def __enter__(self) -> Pauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


async def throughput(url: str, seconds: float, tmp: Path, at: float | None = None) -> dict[str, float]:
    """Play at 3600x with a tick every 16 ms for ``seconds``: readings applied a second, data time covered a
    second, tick cost (what a GUI frame spends applying data), frames that waited for data, memory."""
    session = ConsoleSession(tmp / "play-cache.db")
    playback = Playback(session, HubSource(url, TOKEN), at=at, speed=3600)
    await playback.open()
    await playback.settled()
    process = psutil.Process()
    start_at, start_readings = playback.state().at, session.store.readings_applied
    ticks, tick_cpu, rss = [], [], []
    playback.play()
    began = last = time.perf_counter()
    cpu_began = process.cpu_times()
    next_sample = began
    with Pauses() as pauses:
        while time.perf_counter() - began < seconds and playback.state().playing:
            await asyncio.sleep(0.016)
            now = time.perf_counter()
            t, c = time.perf_counter(), time.thread_time()
            playback.tick(now - last)
            ticks.append((time.perf_counter() - t) * 1000)
            tick_cpu.append((time.thread_time() - c) * 1000)
            last = now
            if now >= next_sample:
                rss.append(process.memory_info().rss / 2**20)
                next_sample = now + 1.0
    elapsed = time.perf_counter() - began
    cpu_end = process.cpu_times()
    cpu_s = cpu_end.user + cpu_end.system - cpu_began.user - cpu_began.system  # every thread: decoding too
    readings = session.store.readings_applied - start_readings
    covered = playback.state().at - start_at
    figures = {
        "readings_per_s": round(readings / elapsed),
        "data_s_per_real_s": round(covered / elapsed, 1),
        "cpu_us_per_reading": round(cpu_s / max(readings, 1) * 1e6, 2),  # the console process, all of it
        "tick_p50_ms": pct(ticks, 0.5),
        "tick_p99_ms": pct(ticks, 0.99),
        "tick_cpu_p50_ms": pct(tick_cpu, 0.5),
        "tick_cpu_p99_ms": pct(tick_cpu, 0.99),
        "full_collections": len(pauses.full),
        "full_collection_max_cpu_ms": round(max(pauses.full, default=0.0), 1),
        "frames": len(ticks),
        "frames_waiting_for_data": playback.stalls,
        "frames_at_their_budget": playback.behind,
        "rss_first_mib": round(rss[0]),
        "rss_max_mib": round(max(rss)),
        "rss_last_mib": round(rss[-1]),
    }
    await playback.close()
    await session.close()
    return figures


def state_at_ms(database: Path, count: int) -> dict[str, float]:
    """The database part of a seek alone: "latest at or before T" for every station, in-process."""
    from console.hub.playback_rest import HubHistory
    from console.hub.storage import Storage

    storage = Storage(f"sqlite:///{database}")
    stations: list[Station] = [s for s, _ in storage.load_stations()]
    history = HubHistory(storage.engine, lambda: stations)
    with history.reader() as reader:
        span = reader.span()
    assert span is not None
    rng = random.Random(5)
    times = []
    cpu = []
    for _ in range(count):
        t = rng.uniform(*span)
        began, began_cpu = time.perf_counter(), time.thread_time()
        history.state_at(t)
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.thread_time() - began_cpu) * 1000)
    storage.close()
    return {
        "state_at_db_p50_ms": pct(times, 0.5),
        "state_at_db_p99_ms": pct(times, 0.99),
        "state_at_db_cpu_p50_ms": pct(cpu, 0.5),
        "state_at_db_cpu_p99_ms": pct(cpu, 0.99),
    }


def run_one(name: str, database: Path, args: argparse.Namespace, at: float | None = None) -> dict[str, float]:
    figures = {f"{name}_{k}": v for k, v in state_at_ms(database, args.seeks).items()}
    hub = HubChild(database)
    try:
        url = hub.url()
        with tempfile.TemporaryDirectory() as tmp:
            for key, value in asyncio.run(seeks(url, args.seeks, Path(tmp))).items():
                figures[f"{name}_{key}"] = value
            for key, value in asyncio.run(throughput(url, args.play_s, Path(tmp), at)).items():
                figures[f"{name}_play3600_{key}"] = value
    finally:
        hub.stop()
    for key, value in figures.items():
        print(f"{key}: {value}", file=sys.stderr)
    return figures


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2], sys.argv[3])
        return
    if sys.argv[1:2] == ["--generate"]:
        generate(Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
        return
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--stations", type=int, default=1000)
    p.add_argument("--days", type=float, default=30)
    p.add_argument("--data", type=Path, default=Path("/tmp/pb-big"), help="where the synthetic store is kept")
    p.add_argument(
        "--prsa", type=Path, help="a data dir with the PRSA import (python -m console.hub import prsa)"
    )
    p.add_argument("--seeks", type=int, default=50)
    p.add_argument("--play-s", type=float, default=20.0, help="real seconds of 3600x playback measured")
    p.add_argument("--ahead", type=int, default=100_000, help="readings read ahead at most")
    args = p.parse_args()
    playback_module.AHEAD_READINGS = args.ahead
    figures: dict[str, float] = {}
    database = args.data / f"synthetic-{args.stations}x{args.days:g}d.db"
    readings = args.stations * len(FACTORS) * (int(args.days * 1440) + 1)
    if not database.exists():
        args.data.mkdir(parents=True, exist_ok=True)
        print(f"generating {readings:.2e} readings into {database} ...", file=sys.stderr)
        began = time.monotonic()
        part = database.with_suffix(".part")
        part.unlink(missing_ok=True)
        cmd = [sys.executable, __file__, "--generate", str(part), str(args.stations), str(args.days)]
        subprocess.run(cmd, check=True)
        os.replace(part, database)
        figures["generate_s"] = round(time.monotonic() - began)
    figures["load_average_at_start"] = round(os.getloadavg()[0], 1)  # a shared machine: say how shared
    figures["synthetic_readings"] = readings
    figures["synthetic_stations"] = args.stations
    figures["synthetic_days"] = args.days
    figures["synthetic_db_gib"] = round(database.stat().st_size / 2**30, 2)
    figures.update(run_one("synthetic", database, args))
    if args.prsa is not None:
        from console.core.replay import parse_moment

        episode = parse_moment("2015-11-26T00:00+08:00")
        figures.update(run_one("prsa", args.prsa / "hub.db", args, at=episode))
    figures["load_average_at_end"] = round(os.getloadavg()[0], 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
