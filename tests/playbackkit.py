"""A small history for replay tests: a hub database with three hours of one-minute data at four stations
(a fault, an outage, hourly AQI) and incidents raised, dispatched, escalated and closed by the hub's own
incident service on a test clock, every published version recorded."""

from __future__ import annotations

import dataclasses
import math
import uuid
from dataclasses import dataclass
from pathlib import Path

import msgspec

from console.core import protocol
from console.core.incidents import AuditEntry, Incident, Severity
from console.core.models import Reading, StationKind
from console.core.reasons import Why
from console.core.session import ConsoleSession
from console.core.units import UnitInfo, UnitKind
from console.hub.incident_store import IncidentStore
from console.hub.incidents import IncidentService
from console.hub.responsibility import Responsibility
from console.hub.storage import Storage
from tests.net.hubkit import PW, station, yanqing_site

T0 = 472_222 * 3600.0  # 2023-11-14T22:00Z, a whole hour
MINUTES = 180
GRID = "110119001-01"
STATIONS = [
    msgspec.structs.replace(station(1), grid=GRID),
    msgspec.structs.replace(station(2), grid=GRID),
    station(3),
    station(9, StationKind.NOISE),
]
FAULT = range(60, 71)  # minutes T-002 reports flag D
OUTAGE = range(90, 131)  # minutes T-003 sends nothing


@dataclass
class Finding:
    kind: str
    station: str
    rule: str
    category: str = "air"
    severity: Severity = Severity.MEDIUM
    ts: float = T0
    title: str = "PM2.5 over the limit"
    reason: str = "PM2.5 120 µg/m³ for 3 hours"
    values: dict = dataclasses.field(default_factory=lambda: {"a34004": 120.0})
    why: Why | None = None


UNITS = [UnitInfo(id="V-01", name="监测车1", kind=UnitKind.MONITORING_VAN), UnitInfo(id="P-02", name="巡查2",
          kind=UnitKind.INSPECTOR)]  # fmt: skip
pack = msgspec.msgpack.Encoder().encode


def unit_fixes() -> list[tuple]:
    """Rows of storage.FIX_COLUMNS: V-01 drives every two minutes from minute -30 on (one report without a
    position, one refused as a teleport), P-02 reports twice."""
    rows = []
    for m in range(-30, MINUTES + 1, 2):
        fix, rejected = m != 40, "teleport" if m == 50 else ""
        rows.append(("V-01", T0 + 60 * m + 7, 40.45 + m * 1e-4, 115.97, 30.0, 90.0, fix, "", rejected, T0))
    rows += [
        ("P-02", T0 + 60 * m, 40.46, 115.99, 0.0, 0.0, True, "sos" if m == 90 else "", "", T0)
        for m in (30, 90)
    ]
    return rows


def readings() -> list[Reading]:
    out = []
    for m in range(MINUTES + 1):
        ts = T0 + 60 * m
        for st in STATIONS:
            if st.id == "T-003" and m in OUTAGE:
                continue
            flag = "D" if st.id == "T-002" and m in FAULT else "N"
            n = int(st.id[-1])
            for i, factor in enumerate(st.factors):
                value = round(20 + 10 * n + 5 * i + 8 * math.sin(m / 17 + n + i), 2)
                out.append(Reading(st.id, factor, ts, value, flag))
        if m % 60 == 0:
            for st in STATIONS[:3]:
                if st.id == "T-003" and m in OUTAGE:
                    continue
                out.append(Reading(st.id, "AQI_H", ts, 50.0 + m / 6 + int(st.id[-1]), "N"))
    return out


def build(tmp_path: Path) -> tuple[Storage, list[tuple[Incident, AuditEntry]]]:
    """The hub database in tmp_path/hub.db and every incident version the service published."""
    storage = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    storage.upsert_stations([(s, PW) for s in STATIONS])
    storage.write_readings(readings())
    storage.write_units(unit_fixes(), [(u.id, pack(u), "available", "", 0, "", False) for u in UNITS])
    published: list[tuple[Incident, AuditEntry]] = []
    now = [T0]
    service = IncidentService(
        IncidentStore(storage.engine),
        Responsibility(yanqing_site(), STATIONS),
        lambda incident, audit: published.append((incident, audit)),
        clock=lambda: now[0],
    )

    def at(minute: float) -> None:
        now[0] = T0 + 60 * minute

    def command(user: str, action: str, target: str, **args: object) -> str:
        version = service.incidents[target].version if target in service.incidents else None
        ack = service.apply(
            user, user, protocol.Command(str(uuid.uuid4()), action, target, version, dict(args))
        )
        assert ack.ok, ack.error
        return ack.target

    at(20)
    service.on_findings([Finding("open", "T-001", "pm25-hourly", ts=now[0])])
    first = published[-1][0].id
    at(22)
    command("duty", "acknowledge", first)
    at(25)
    command("duty", "dispatch", first, assignee="张三", deadline=T0 + 60 * 45)
    at(40)
    service.on_findings([Finding("update", "T-001", "pm25-hourly", severity=Severity.HIGH, ts=now[0],
                                 values={"a34004": 130.0})])  # fmt: skip
    at(50)
    assert [i.id for i in service.escalate_overdue()] == [first]  # past its deadline: up one level
    at(55)
    command("duty", "handle", first, comment="on site")
    at(70)
    command("duty", "feedback", first, comment="fixed")
    at(80)
    command("leader", "assess", first, result="return", comment="not yet")
    at(95)
    command("duty", "feedback", first, comment="fixed now")
    at(100)
    command("leader", "assess", first, result="pass")
    at(130)
    second = command("inspector", "report", "", station="T-003", title="dust", category="air")
    at(150)
    command("duty", "dispatch", second, assignee="李四")
    service.close()
    return storage, published


def playback_session(tmp_path: Path, name: str = "playback") -> ConsoleSession:
    """A replay's session: no link, its own cache file, nothing recorded."""
    return ConsoleSession(tmp_path / f"{name}-cache.db")


def picture(session: ConsoleSession) -> dict[str, object]:
    """What the screens show: stations, latest values, link states, series and incidents."""
    store = session.store
    return {
        "stations": dict(store.stations),
        "latest": {s: dict(v) for s, v in store.latest.items()},
        "status": {s: e.status for s, e in store.status.items()},
        "series": {k: list(zip(s.times, s.values, s.flags, strict=True)) for k, s in store.series.items()},
        "incidents": dict(session.book.incidents),
    }
