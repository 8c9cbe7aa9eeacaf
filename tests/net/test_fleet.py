"""The simulated fleet against real listeners on loopback: a JT/T 808 TCP server decoding every frame with the
codec, answering as a platform does, and an aiohttp app taking OsmAnd reports."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import functools
import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from console.core import jt808
from console.core.geofence import FenceWatch, Geofences, ZoneKind
from console.core.roads import RoadNetwork
from console.core.units import Fix, UnitKind, UnitSource
from console.sim.fleet import Fleet
from console.sim.fleetlink import FleetLink
from console.sim.regions import PRESETS
from console.sim.roadnet import build_roads
from console.sim.simulator import SimClock, start_fleet
from console.sim.weather import Episode

pytestmark = pytest.mark.asyncio
REGION = PRESETS["yanqing"]


@functools.cache
def roads() -> dict:
    return build_roads(REGION, 7)


@dataclass
class Connection:
    terminal: str = ""
    messages: list[jt808.Message] = field(default_factory=list)


class Platform:
    """A JT/T 808 platform: registration gives an auth code, authentication must present it."""

    def __init__(self) -> None:
        self.connections: list[Connection] = []
        self.errors: list[str] = []
        self.codes: dict[str, str] = {}
        self.serial = 0
        self.forget: set[str] = set()  # terminals whose auth code is forgotten when they come back
        self.issued = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection()
        self.connections.append(conn)
        splitter = jt808.FrameSplitter()
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            await self._serve(conn, splitter, reader, writer)
        self.errors += [str(e) for e in splitter.errors]
        writer.close()

    async def _serve(self, conn: Connection, splitter: jt808.FrameSplitter, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:  # fmt: skip
        while data := await reader.read(4096):
            for frame in splitter.feed(data):
                try:
                    message = jt808.decode(frame)
                except jt808.FrameError as exc:
                    self.errors.append(f"{exc.reason}: {frame.hex()}")
                    continue
                conn.terminal = message.header.terminal
                conn.messages.append(message)
                writer.write(self.answer(message))
            await writer.drain()

    def answer(self, message: jt808.Message) -> bytes:
        header, body = message.header, message.body
        self.serial += 1
        if isinstance(body, jt808.Registration):
            self.issued += 1
            code = self.codes.setdefault(header.terminal, f"AC{self.issued:04d}")
            return jt808.register_reply(header, self.serial, 0, code)
        if isinstance(body, jt808.Authentication):
            if header.terminal in self.forget and len(self.by_terminal()[header.terminal]) > 1:
                self.forget.discard(header.terminal)  # the platform lost its record: register again
                self.codes.pop(header.terminal, None)
            ok = body.code == self.codes.get(header.terminal)
            return jt808.general_reply(header, self.serial, 0 if ok else 1)
        return jt808.general_reply(header, self.serial, 0)

    def by_terminal(self) -> dict[str, list[Connection]]:
        out: dict[str, list[Connection]] = defaultdict(list)
        for conn in self.connections:
            if conn.messages:
                out[conn.terminal].append(conn)
        return out


class Phones:
    """An OsmAnd listener at ``/``: records (device, ts, form) in arrival order."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, float, str, dict]] = []
        self.busy: dict[str, int] = {}  # device: requests still to answer 503 ("send it again later")
        self.refused: list[tuple[str, float]] = []

    async def handle(self, request: web.Request) -> web.Response:
        response = await self._take(request)
        device, ts = self.reports[-1][:2]
        if self.busy.get(device, 0) > 0:
            self.busy[device] -= 1
            self.reports.pop()
            self.refused.append((device, ts))
            return web.Response(status=503, text="not stored; send it again later\n")
        return response

    async def _take(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            body = await request.json()
            location = body["location"]
            stamp = location["timestamp"]
            ts = time.mktime(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
            self.reports.append((body["device_id"], ts, "json", location["coords"]))
        else:
            q = dict(request.query)
            raw = q["timestamp"]
            if "T" in raw:
                ts = time.mktime(time.strptime(raw[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
            else:
                ts = float(raw) / (1000 if len(raw) > 11 else 1)
            self.reports.append((q["id"], ts, "query", q))
        return web.Response(text="OK\n")


def _fleet(start: float, count: int = 40) -> Fleet:
    episode = Episode(start=start - 3600, end=start + 7200)
    fleet = Fleet(REGION, 7, roads(), start=start, count=count, episodes=[episode])
    fleet.outage_every_s, fleet.outage_s, fleet.sos_after_s = 120.0, (40.0, 60.0), 0.0
    return fleet


async def _run(
    fleet: Fleet,
    seconds: float,
    accel: float = 20.0,
    busy: dict[str, int] | None = None,
    platform: Platform | None = None,
) -> tuple[Platform, Phones, FleetLink]:
    platform, phones = platform or Platform(), Phones()
    phones.busy = dict(busy or {})
    server = await asyncio.start_server(platform.handle, "127.0.0.1", 0)
    app = web.Application()
    app.router.add_route("*", "/", phones.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    jt_port = server.sockets[0].getsockname()[1]
    http_port = site._server.sockets[0].getsockname()[1]
    link = FleetLink(fleet, SimClock(fleet.start, accel), "127.0.0.1", jt_port, http_port)
    await link.start()
    try:
        await asyncio.sleep(seconds)
    finally:
        await link.stop()
        server.close()
        await runner.cleanup()
    return platform, phones, link


async def test_terminals_register_authenticate_report_and_back_fill_in_order() -> None:
    start = time.time() - 60
    fleet = _fleet(start)
    terminals = [u for u in fleet.units if u.info.source is UnitSource.JT808]
    out = next(u for u in terminals if u.index != fleet.sos_unit)
    out.outage_phase = 0.3  # out of coverage from 36 s to about 85 s of data time, every 120 s
    fleet.silent_at = {}
    platform, _, link = await _run(fleet, 7.0)

    assert platform.errors == []  # every frame decodes with the codec, strictly
    seen = platform.by_terminal()
    assert len(seen) == len(terminals)
    for terminal, conns in seen.items():
        first = conns[0].messages[0]
        assert first.header.msg_id == jt808.REGISTRATION, terminal  # registration comes first
        for conn in conns:  # every connection authenticates with the code it was given, once
            auth = next(m for m in conn.messages if m.header.msg_id == jt808.AUTHENTICATION)
            assert auth.body.code == platform.codes[terminal]
            ids = [m.header.msg_id for m in conn.messages]
            assert ids.index(jt808.AUTHENTICATION) < ids.index(jt808.LOCATION)
        assert sum(m.header.msg_id == jt808.REGISTRATION for c in conns for m in c.messages) == 1
    assert any(m.header.version == 2019 for c in platform.connections for m in c.messages)
    assert link.counts["heartbeats"] >= len(terminals)

    conns = seen[out.info.device]
    assert len(conns) >= 2  # it lost its connection in the outage and came back
    batches = [m.body for c in conns for m in c.messages if m.header.msg_id == jt808.BATCH]
    assert batches and all(b.kind == "back-fill" for b in batches)
    filled = [loc.time for b in batches for loc in b.locations]
    assert filled == sorted(filled) and len(filled) >= 2
    assert all(fleet.outage(out.index, t) is not None for t in filled)  # the fixes of the outage ...
    later = [m.body.time for m in conns[1].messages if m.header.msg_id == jt808.LOCATION]
    assert later and min(later) > max(filled)  # ... sent before the live ones resume
    live = [m.body.time for c in conns for m in c.messages if m.header.msg_id == jt808.LOCATION]
    assert all(fleet.outage(out.index, t) is None for t in live)


async def test_a_terminal_whose_code_the_platform_forgot_registers_again() -> None:
    start = time.time() - 60
    fleet = _fleet(start, count=20)
    out = next(u for u in fleet.units if u.info.source is UnitSource.JT808 and u.index != fleet.sos_unit)
    out.outage_phase = 0.3
    fleet.silent_at = {}
    platform = Platform()
    platform.forget = {out.info.device}
    platform, _, _ = await _run(fleet, 7.0, platform=platform)
    conns = platform.by_terminal()[out.info.device]
    ids = [m.header.msg_id for c in conns for m in c.messages]
    assert ids.count(jt808.REGISTRATION) == 2  # refused with the old code: it registered again ...
    last_auth = [m.body for c in conns for m in c.messages if m.header.msg_id == jt808.AUTHENTICATION][-1]
    assert last_auth.code == platform.codes[out.info.device]  # ... and authenticated with the new code
    assert any(m.header.msg_id == jt808.BATCH for m in conns[-1].messages)  # then back-filled


async def test_one_unit_raises_sos_during_the_episode_and_a_silent_one_stops() -> None:
    start = time.time() - 60
    fleet = _fleet(start)
    sos = fleet.units[fleet.sos_unit]
    assert sos.info.kind is UnitKind.ENFORCEMENT and sos.info.source is UnitSource.JT808
    quiet = next(u for u in fleet.units if u.info.source is UnitSource.JT808 and u.index != fleet.sos_unit)
    fleet.silent_at = {quiet.index: start + 40}
    platform, _, _ = await _run(fleet, 5.0)
    locations = defaultdict(list)
    for conn in platform.connections:
        for m in conn.messages:
            if m.header.msg_id == jt808.LOCATION:
                locations[m.header.terminal].append(m.body)
    assert locations[sos.info.device] and all(loc.sos for loc in locations[sos.info.device])
    others = [loc for terminal, locs in locations.items() if terminal != sos.info.device for loc in locs]
    assert others and not any(loc.sos for loc in others)
    assert all(loc.positioned and loc.plausible for loc in others)
    assert max(loc.time for loc in locations[quiet.info.device]) < start + 40


async def test_phones_send_query_and_json_forms_and_buffered_fixes_late() -> None:
    start = time.time() - 60
    fleet = _fleet(start)
    phones_ = [u for u in fleet.units if u.info.source is UnitSource.OSMAND]
    out, busy = phones_[0], phones_[1]
    out.outage_phase = 0.05
    fleet.silent_at = {}
    _, phones, _ = await _run(fleet, 6.0, busy={busy.info.device: 2})
    devices = {device for device, _, _, _ in phones.reports}
    assert devices == {u.info.device for u in phones_}
    assert {"query", "json"} <= {form for _, _, form, _ in phones.reports}
    stamps = [ts for device, ts, _, _ in phones.reports if device == out.info.device]
    late = [t for t in stamps if fleet.outage(out.index, t) is not None]
    assert len(late) >= 2 and late == sorted(late)  # buffered while out, sent late, oldest first
    refused = [ts for device, ts in phones.refused if device == busy.info.device]
    taken = [ts for device, ts, _, _ in phones.reports if device == busy.info.device]
    assert len(refused) == 2 and taken[0] == refused[0]  # a 503 is sent again, nothing lost ...
    assert taken == sorted(set(taken))  # ... nor sent twice once taken
    for _, _, form, fields in phones.reports:
        if form == "query":
            assert 40.2 < float(fields["lat"]) < 40.9 and 115.7 < float(fields["lon"]) < 116.6
            assert float(fields["speed"]) < 100 / 1.852  # knots


async def test_without_unit_ports_the_fleet_is_off_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    args = argparse.Namespace(jt808_port=None, osmand_port=None, units=300, seed=7)
    with caplog.at_level(logging.INFO, logger="console.sim.simulator"):
        link = await start_fleet(args, REGION, SimClock(time.time()), [], "127.0.0.1")
    assert link is None
    assert [r.message for r in caplog.records] == [
        "the simulated fleet is off: the hub has no JT/T 808 or OsmAnd port"
    ]


async def test_only_the_protocol_the_hub_has_runs() -> None:
    fleet = _fleet(time.time() - 60, count=20)
    platform = Platform()
    server = await asyncio.start_server(platform.handle, "127.0.0.1", 0)
    link = FleetLink(
        fleet, SimClock(fleet.start, 20.0), "127.0.0.1", server.sockets[0].getsockname()[1], None
    )
    await link.start()
    await asyncio.sleep(2.0)
    await link.stop()
    server.close()
    assert platform.by_terminal() and link.counts["osmand"] == 0


async def test_the_simulated_site_has_roads_and_a_unit_registry(tmp_path) -> None:
    from console.hub.site import load_site
    from console.sim.__main__ import parse_args, prepare

    prepare(parse_args(["--site", str(tmp_path), "--history-hours", "0"]))
    network = RoadNetwork.load(tmp_path / "roads.geojson")
    assert network.nodes > 1000 and network.length.sum() > 1_000_000  # over 1,000 km of roads
    rows = list(csv.DictReader((tmp_path / "units.csv").open(encoding="utf-8")))
    assert len(rows) == 300 and len({r["id"] for r in rows}) == 300
    assert {r["kind"] for r in rows} == {k.value for k in UnitKind}
    assert (
        sum(r["source"] == "jt808" for r in rows) == 150 and sum(r["source"] == "osmand" for r in rows) == 150
    )
    towns = {t.name for t in REGION.townships}
    assert all(r["team"].removesuffix("应急队") in towns for r in rows)
    assert len({r["team"] for r in rows}) == len(towns)  # a team in every township
    assert {r["device"] for r in rows if r["source"] == "jt808"} == {
        u.info.device for u in Fleet(REGION, 7, roads()).units if u.info.source is UnitSource.JT808
    }  # the simulator's fleet is the registry's
    load_site(tmp_path)  # the hub still reads the site
    zones = json.loads((tmp_path / "zones.geojson").read_text(encoding="utf-8"))
    fences = Geofences.from_geojson(zones, ZoneKind.EXCLUSION)
    assert len(fences.zones) == len(REGION.scenic)
    wall = REGION.scenic[0]  # 八达岭长城
    assert fences.at(wall.lon, wall.lat) == {"NOFLY-01"} and fences.at(wall.lon + 0.03, wall.lat) == set()
    watch = FenceWatch(fences)
    path = [Fix("UAV-001", t, wall.lat, wall.lon - 0.04 + 0.01 * t) for t in range(9)]
    assert [(e.zone, e.kind, e.ts) for e in watch.update_all(path)] == [
        ("NOFLY-01", "enter", 3),
        ("NOFLY-01", "exit", 6),
    ]


async def test_a_one_second_report_interval_makes_every_unit_report_each_second() -> None:
    def fixes_per_unit() -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for conn in platform.connections:
            for m in conn.messages:
                if m.header.msg_id == jt808.LOCATION:
                    counts[m.header.terminal] += 1
        for device, _, _, _ in phones.reports:
            counts[device] += 1
        return counts

    start = time.time()
    for report_s in (1.0, None):
        fleet = Fleet(REGION, 7, roads(), start=start, count=20, report_s=report_s)
        fleet.silent_at, fleet.outage_every_s = {}, 1e9  # every unit in coverage the whole time
        platform, phones, _ = await _run(fleet, 4.5, accel=1.0)
        counts = fixes_per_unit()
        if report_s:  # the wall benchmark's setting: a fix a second from every unit
            assert len(counts) == 20 and min(counts.values()) >= 3
        else:  # by kind, as devices in the field are set up: every 5 s or slower
            assert max(counts.values(), default=0) <= 1


async def test_a_report_interval_that_is_not_a_duration_is_refused() -> None:
    from console.hub.__main__ import parse_args as hub_args
    from console.sim.simulator import parse_args as sim_args

    for bad in ("0", "-1", "nan", "soon"):
        with pytest.raises(SystemExit):
            hub_args(["--unit-interval", bad])
        with pytest.raises(SystemExit):
            sim_args(["--hj212", "127.0.0.1:9212", "--unit-interval", bad])
    with pytest.raises(ValueError, match="report interval"):
        Fleet(REGION, 7, roads(), count=2, report_s=0.0)
    assert hub_args(["--unit-interval", "1"]).unit_interval == 1.0
