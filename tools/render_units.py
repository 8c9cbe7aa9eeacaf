"""Render the emergency units to docs/screenshots: the wall map with units, the desk's nearest units, the
tracking list and the emergency board of a closed incident (offscreen, a fixed scene, real widgets)."""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QTimer
from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: F401 (before QApplication)
from PySide6.QtWidgets import QApplication

from console.core import protocol
from console.core.clock import ManualClock
from console.core.incident_book import IncidentBook
from console.core.incidents import AuditEntry, Incident, IncidentState, Severity, Source
from console.core.store import Store
from console.core.unit_book import UnitBook
from console.core.units import Fix, UnitInfo, UnitKind, UnitState, UnitStatus
from console.i18n import install_translator
from console.sim.network import build_network
from console.sim.regions import PRESETS, boundary_geojson
from console.viewmodels.incidents import IncidentViewModel
from console.viewmodels.units import UnitViewModel
from console.viewmodels.wall import WallViewModel
from console.views.dispatch import DispatchWindow
from console.views.map_loader import map_labels
from console.views.screens import MapScreenView
from console.views.shutdown import close_application
from console.widgets import theme
from console.widgets.map_view import MapView

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
T0 = 1_763_700_000.0  # 2025-11-21 12:40 in the command centre
SCENE = (115.985, 40.465)  # the incident, near the district's centre (lon, lat)
KINDS = list(UnitKind)
STATUSES = [UnitStatus.AVAILABLE] * 5 + [UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.OFF_DUTY]


def fleet(rng: random.Random, count: int) -> tuple[list[UnitState], list[Fix]]:
    """Units scattered round the scene, each with ten minutes of trail; a few stale, two lost, one SOS."""
    states, fixes = [], []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        info = UnitInfo(
            id=f"U{n:03d}", name=_callsign(kind, n), kind=kind, team=("北区", "南区", "机动")[n % 3]
        )
        angle, radius = rng.uniform(0, 2 * math.pi), rng.uniform(0.01, 0.12)
        lon, lat = SCENE[0] + radius * math.cos(angle) * 1.3, SCENE[1] + radius * math.sin(angle)
        heading = rng.uniform(0, 360)
        age = 2400.0 if n in (7, 19) else 480.0 if n % 9 == 4 else rng.uniform(1, 20)
        step = 0.0009 if kind != UnitKind.DRONE else 0.002
        moving = kind not in (UnitKind.INSTRUMENT,)
        track = []
        for i in range(20):
            back = (20 - i) * step if moving else 0.0
            x = lon - math.sin(math.radians(heading)) * back
            y = lat - math.cos(math.radians(heading)) * back
            track.append(Fix(info.id, T0 - age - (20 - i) * 30, y, x, 35.0, heading, True, ()))
        alarms = ("sos",) if n == 11 else ()
        last = Fix(info.id, T0 - age, lat, lon, 35.0, heading, True, alarms)
        status = STATUSES[n % len(STATUSES)]
        incident = "INC-0412" if status in (UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE) else ""
        states.append(UnitState(info=info, status=status, incident=incident, last=last, alarms=alarms))
        fixes += track
    return states, fixes


def _callsign(kind: UnitKind, n: int) -> str:
    prefix = {UnitKind.INSPECTOR: "巡查", UnitKind.GRID_MEMBER: "网格", UnitKind.MONITORING_VAN: "监测车",
              UnitKind.SPRINKLER: "洒水车", UnitKind.ENFORCEMENT: "执法", UnitKind.DRONE: "无人机",
              UnitKind.INSTRUMENT: "便携仪"}[kind]  # fmt: skip
    return f"{prefix}{n:02d}"


def incidents() -> tuple[list[Incident], list[AuditEntry]]:
    common = dict(source=Source.RULE, category="air", township="110119001", lon=SCENE[0], lat=SCENE[1])
    live = Incident(
        id="INC-0412", version=3, state=IncidentState.DISPATCHED, severity=Severity.HIGH,
        title="工地扬尘 PM10 超标", reason="PM10 1 h 420 µg/m³", created=T0 - 1500, updated=T0 - 900,
        dispatched=T0 - 900, deadline=T0 + 7 * 3600, assignee="网格员 G-07", **common,
    )  # fmt: skip
    closed = Incident(
        id="INC-0398", version=7, state=IncidentState.CLOSED, severity=Severity.MEDIUM,
        title="餐饮油烟净化器停运", reason="净化器关闭 2 h", created=T0 - 30000, updated=T0 - 20000,
        dispatched=T0 - 29000, deadline=T0 - 29000 + 12 * 3600, closed=T0 - 20000, assignee="执法02",
        **common,
    )  # fmt: skip
    audit = [
        _entry(1, T0 - 29000, "dispatch", "dispatched", "派发至执法中队"),
        _entry(2, T0 - 28940, "assign_unit", "dispatched", unit="U004"),
        _entry(3, T0 - 28930, "assign_unit", "dispatched", unit="U002"),
        _entry(4, T0 - 28210, "unit_status", "dispatched", unit="U004", status="on_scene"),
        _entry(5, T0 - 27900, "unit_status", "dispatched", unit="U002", status="on_scene"),
        _entry(6, T0 - 27000, "handle", "handling", "责令恢复净化器运行，已拍照取证"),
        _entry(7, T0 - 24000, "feedback", "feedback", "净化器恢复运行，油烟浓度达标"),
        _entry(8, T0 - 20000, "assess", "closed", "处置及时，通过"),
    ]
    return [live, closed], audit


def _entry(n: int, ts: float, action: str, to: str, comment: str = "", **details: str) -> AuditEntry:
    return AuditEntry(
        incident="INC-0398", n=n, ts=ts, actor="调度员 王", role="coordinator", action=action,
        from_state="dispatched", to_state=to, version=n, comment=comment, details=details,
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--units", type=int, default=40)
    args = parser.parse_args()
    app = QApplication(sys.argv)
    install_translator(app, args.lang)
    theme.apply_theme(app, theme.WallScale.desk())
    clock = ManualClock(T0)
    book, units = IncidentBook(clock.now), UnitBook(clock.now)
    opened, audit = incidents()
    states, fixes = fleet(random.Random(7), args.units)
    snapshot = protocol.Snapshot("e", 1, [], [], [], incidents=opened, units=states)
    book.apply(snapshot)
    book.set_audit("INC-0398", audit)
    units.apply(snapshot)
    units.apply(protocol.UnitEvent(epoch="e", seq=2, fixes=fixes))
    incidents_vm, units_vm = IncidentViewModel(book, role="coordinator"), UnitViewModel(units, book)
    units_vm.eta = None
    OUT.mkdir(parents=True, exist_ok=True)
    done = _render_desk(app, incidents_vm, units_vm)
    specs = build_network(PRESETS["yanqing"], seed=1, total=300)
    wall = WallViewModel(Store(), clock=clock)
    map_view = MapView(cache_dir=Path(tempfile.mkdtemp(prefix="render-units-")))
    view = MapScreenView(wall, map_view, units=units_vm)
    view.resize(1600, 1000)
    view.show()

    def grab() -> None:
        map_view.grab().save(str(OUT / "units-map.png"))
        print(OUT / "units-map.png")
        zoom_in = (
            "(function () { var m = window[Object.keys(window).find(function (k) {"
            " return /^map_/.test(k); })];"
            f" m.setView([{SCENE[1]}, {SCENE[0] - 0.02}], 12.5, {{animate: false}}); return 1; }})()"
        )
        map_view.evaluate(zoom_in, lambda _r: QTimer.singleShot(2000, grab_close))

    def grab_close() -> None:
        map_view.grab().save(str(OUT / "units-map-town.png"))
        print(OUT / "units-map-town.png")
        app.quit()

    map_view.ready.connect(lambda: QTimer.singleShot(2500, grab))
    map_view.load_map(
        boundary_geojson(PRESETS["yanqing"]), [s.station for s in specs], font_px=22, labels=map_labels(),
        center=(SCENE[1] - 0.01, SCENE[0]), zoom=11,
    )  # fmt: skip
    QTimer.singleShot(40_000, app.quit)
    app.exec()
    view.close()
    close_application(app)
    return 0 if done and (OUT / "units-map.png").exists() else 1


def _render_desk(app: QApplication, incidents_vm: IncidentViewModel, units_vm: UnitViewModel) -> bool:
    window = DispatchWindow(incidents_vm, units=units_vm)
    window.sos.alarm.muted = True
    window.resize(1600, 900)
    window.show()
    incidents_vm.flush()
    window.queue.incident_selected.emit("INC-0412")
    units_vm.flush()
    shots = [("units-desk.png", 0), ("units-list.png", 1)]
    for name, tab in shots:
        window.tabs.setCurrentIndex(tab)
        for _ in range(3):
            app.processEvents()
        window.grab().save(str(OUT / name))
        print(OUT / name)
    window.queue.incident_selected.emit("INC-0398")
    track = {u: [f for f in units_vm.book.trail(u)] for u in ("U004", "U002")}
    for unit, points in track.items():  # the hub's tracks of that morning: the trails, moved in time
        shift = T0 - 28930 - points[0].ts  # from the assignment on
        units_vm.tracks[("INC-0398", unit)] = [
            Fix(unit, p.ts + shift, p.lat, p.lon, p.speed_kmh, p.heading, True, ()) for p in points
        ]
    units_vm.flush()
    units_vm.select_incident("INC-0398")
    window.tabs.setCurrentIndex(2)
    for _ in range(3):
        app.processEvents()
    window.grab().save(str(OUT / "units-board.png"))
    print(OUT / "units-board.png")
    window.close()
    return True


if __name__ == "__main__":
    raise SystemExit(main())
