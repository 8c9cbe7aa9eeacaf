"""Child process of test_fit.py: every wall window and the dispatch desk, filled with the longest texts.

Run as ``python tests/qt/fit_child.py '<json>'`` with QT_QPA_PLATFORM pointing to an offscreen screen
configuration (and FONTCONFIG_FILE, to take a font away). The JSON argument holds ``lang`` (zh_CN or en),
``stretch`` (the console font's stretch in percent, 100 = as the font comes) and ``shots`` (a folder for
PNGs, or ""). The script builds the three wall views on three screens and the dispatch desk maximised on
the fourth, shows each AQI level 1..6 in turn with long category words, several primary pollutants,
four-digit values and long township, station and event texts, and prints one JSON document on stdout:
``{"font": ..., "levels": [{"aqi": ..., "windows": [...], "numbers": [...]}], "errors": [...]}``.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for `console`

from PySide6 import QtWebEngineWidgets  # noqa: F401  (before the QApplication, as in the console)
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QFontInfo, QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from console.core import protocol, summary
from console.core.clock import ManualClock
from console.core.event_log import EventRow
from console.core.incident_book import IncidentBook
from console.core.incidents import AuditEntry, Incident, IncidentState, Level, Severity, Source
from console.core.link import LinkState, LinkStatus
from console.core.models import Station, StationKind
from console.core.store import Store
from console.i18n import install_translator
from console.viewmodels.forecast import ForecastViewModel, picture_of
from console.viewmodels.incidents import IncidentViewModel
from console.viewmodels.wall import WallViewModel
from console.views.dispatch import DispatchWindow
from console.views.forecast_wall import ForecastWall
from console.views.layout import default_layout
from console.views.screens import ActionView, MapScreenView, SituationView
from console.views.window import WallWindows
from console.widgets import theme
from console.widgets.map_view import MapView

NOW = 1_763_728_212.0  # 2025-11-21 20:30:12 local
AQI_BY_LEVEL = {1: 50, 2: 100, 3: 150, 4: 200, 5: 300, 6: 500}
POLLUTANTS = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3")
# Long names as a city could have them, in the language of the interface.
NAMES = {
    "en": {
        "township": "Economic and Technological Development Zone Riverside Sub-district {n}",
        "station": "Riverside Wetland Park Northern Gate Micro Air Quality Station {n}",
        "title": "Environmental Monitoring and Emergency Command Centre of the Development Zone",
        "event": "Station {name} offline: no data for 2 h 45 min after a power failure at the cabinet",
        "person": "Alexandra Montgomery-Fitzwilliam",
    },
    "zh_CN": {
        "township": "经济技术开发区管理委员会永定河畔街道办事处{n}",
        "station": "永定河畔湿地公园北门微型空气质量监测站{n}",
        "title": "经济技术开发区生态环境监测预警与应急指挥中心",
        "event": "{name}离线：机柜停电后 2 小时 45 分钟无数据",
        "person": "欧阳娜娜·阿不都热合曼",
    },
}
errors: list[str] = []


def spin(seconds: float = 0.3) -> None:
    """Run the event loop (layouts, polish, deferred deletes) for a while."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        time.sleep(0.01)


def widen_font(app: QApplication, stretch: int) -> None:
    """The console font made wider than any real one: every widget's text, painted or laid out."""
    if stretch == 100:
        return
    font = app.font()
    font.setStretch(stretch)
    app.setFont(font)


def incidents_of(names: dict[str, str]) -> list[Incident]:
    """Open incidents of every stage and severity with long titles, stations and people."""
    states = [
        IncidentState.DISCOVERED,
        IncidentState.DISPATCHED,
        IncidentState.HANDLING,
        IncidentState.FEEDBACK,
    ]
    out = []
    for n in range(12):
        state = states[n % 4]
        dispatched = state != IncidentState.DISCOVERED
        out.append(
            Incident(
                id=f"INC-20251121-{n:04d}",
                version=1,
                state=state,
                source=Source.RULE,
                category="air",
                severity=Severity(4 - n % 4),
                title=names["event"].format(name=names["station"].format(n=n)),
                reason="PM2.5 1 h 888 > 150",
                created=NOW - 3600 * n,
                updated=NOW,
                station=f"S{n:03d}",
                township=f"T{n:02d}",
                grid="G-0123-4567",
                level=Level.DISTRICT,
                responsible=names["person"],
                assignee=names["person"] if dispatched else "",
                deadline=NOW + 600 - 1800 * n if dispatched else None,
                dispatched=NOW - 7200 if dispatched else None,
                escalations=12,
                returns=8,
            )
        )
    return out


def trail_of(incident: Incident, names: dict[str, str]) -> list[AuditEntry]:
    return [
        AuditEntry(
            incident=incident.id,
            n=n,
            ts=NOW - 600 * (6 - n),
            actor=names["person"],
            role="duty",
            action="comment",
            from_state="dispatched",
            to_state="handling",
            version=n,
            comment=names["event"].format(name=names["station"].format(n=n)) * 2,
        )
        for n in range(1, 6)
    ]


class Wall:
    """The wall's views and windows and the dispatch desk, fed through their view-models."""

    def __init__(self, lang: str) -> None:
        self.names = NAMES[lang]
        self.store = Store()
        self.vm = WallViewModel(self.store)
        self.book = IncidentBook(lambda: NOW)
        self.incidents = IncidentViewModel(self.book)
        self.views = {
            "situation": SituationView(self.vm),
            "map": MapScreenView(self.vm, MapView(), self.incidents),
            "action": ActionView(self.vm, self.incidents),
        }
        self.wall = WallWindows(self.views, default_layout(3))
        self.wall.arrange()
        self.desk = DispatchWindow(self.incidents)
        self._fill_once()
        self._place_desk()
        self._add_forecast()

    def _add_forecast(self) -> None:
        """The forecast strip on the situation screen and two warnings (one issued, one proposed to a
        leader, the longest words) on every window."""
        self.forecast = ForecastViewModel(clock=ManualClock(NOW))
        self.views["situation"].set_forecast(self.forecast)
        self.dress = ForecastWall(self.forecast)
        self.dress.sources = [lambda: [*self.wall.windows, self.desk]]
        self.dress.dress_all()
        measures = self.names["event"].format(name=self.names["title"])
        day = date(2025, 11, 21)
        self.forecast.set_role("leader")
        later = day + timedelta(days=4)
        self.forecast.set_warnings([
            protocol.WarningState(1, "red", "issued", f"{day}", f"{later}", NOW + 4 * 86400, measures),
            protocol.WarningState(2, "orange", "proposed", f"{later}", f"{later + timedelta(days=2)}",
                                  NOW + 7 * 86400, measures),
        ])  # fmt: skip
        days = [(n, 280 + n * 40, 6) for n in range(5)]
        body = {
            "local": {"issued_for_day": f"{day - timedelta(days=1)}", "city": [
                {"lead": n + 1, "valid_date": f"{day + timedelta(days=n)}", "pm25": 888.8, "aqi": 488,
                 "level": 6, "skill": {"model": {"level_accuracy": 0.888}}} for n in range(3)]},
            "official": [{"valid_date": f"{day + timedelta(days=n)}", "aqi_low": low, "aqi_high": low + 120,
                          "level": lv, "primary_pollutant": "PM2.5", "source": self.names["title"]}
                         for n, low, lv in days],
        }  # fmt: skip
        self.forecast.picture = picture_of(body, day)
        self.forecast.forecast_changed.emit(self.forecast.picture)

    def _place_desk(self) -> None:
        """The desk on the fourth screen, maximised, as a coordinator keeps it."""
        screen = desk_screen()
        self.desk.winId()
        self.desk.windowHandle().setScreen(screen)
        self.desk.setGeometry(screen.availableGeometry())
        self.desk.showMaximized()

    def _fill_once(self) -> None:
        names = self.names
        station = Station(
            id="S001",
            name=names["station"].format(n=1),
            kind=StationKind.AIR,
            township="T01",
            lon=116.0,
            lat=40.0,
            mn="MN",
            st="22",
            factors=("a34004", "a34002", "a05024", "a21004", "a21026", "a21005"),
        )
        self.store.stations[station.id] = station
        self.vm.data_time_changed.emit(NOW - 4000)
        self.vm.station_series_changed.emit(station.id)
        self.vm.wind_changed.emit((315.0, 18.8, NOW - 4000))
        detail = "refused by the hub: the session token expired, log in again at the duty desk"
        self.vm.link_changed.emit(LinkStatus(LinkState.CONNECTING, "http://hub/ws", since=NOW - 9000))
        self.vm.link_changed.emit(LinkStatus(LinkState.REFUSED, detail))
        banner = self.views["map"].banner
        banner.set_title(names["title"])
        banner.set_backfill(0.88)
        banner.set_warning(names["event"].format(name=names["title"]))
        self.vm.events_changed.emit(
            [
                EventRow(
                    NOW - 60 * n,
                    ("critical", "warning", "info")[n % 3],
                    names["event"].format(name=names["station"].format(n=n)),
                )
                for n in range(12)
            ]
        )
        self._fill_incidents()

    def _fill_incidents(self) -> None:
        names = self.names
        found = self.incidents_list = incidents_of(names)
        for incident in found:
            self.book.put(incident)
        self.book.set_audit(found[0].id, trail_of(found[0], names))
        self.incidents.set_township_names({f"T{n:02d}": names["township"].format(n=n) for n in range(12)})
        self.incidents.set_station_names(
            {i.station: names["station"].format(n=n) for n, i in enumerate(found)}
        )
        self.desk.set_townships(self.incidents.township_names)
        self.incidents.on_changes(self.book.replace_all(found))
        self.incidents.select(found[0].id)
        self.incidents.flush()

    def show_level(self, level: int) -> None:
        """The city at one AQI level, everything read at its longest."""
        aqi = AQI_BY_LEVEL[level]
        primary = () if level == 1 else ("PM2.5", "PM10", "O3", "NO2")
        conc = {p: 8888.0 for p in POLLUTANTS} | {"CO": 88.8}
        iaqi = dict.fromkeys(POLLUTANTS, aqi)
        self.vm.city_changed.emit(summary.CitySummary(aqi, primary, iaqi, conc, NOW - 4000, 20))
        rows = [
            summary.TownshipRow(f"T{n:02d}", self.names["township"].format(n=n), 888.0 - n, aqi, 8)
            for n in range(18)
        ]
        self.vm.ranking_changed.emit(rows)
        kinds = ("air", "micro", "scenic", "water", "noise", "fume", "source", "odour")
        self.vm.health_changed.emit([summary.HealthRow(k, 8888, 8000, 888, 888, 888) for k in kinds])


def desk_screen():
    return sorted(QGuiApplication.screens(), key=lambda s: s.geometry().x())[-1]


def rect(r) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def windows_of(wall: Wall) -> list[dict]:
    shown = [(w.objectName(), w) for w in wall.wall.windows] + [("dispatch", wall.desk)]
    out = []
    for name, window in shown:
        handle = window.windowHandle()
        out.append(
            {
                "name": name,
                "geometry": rect(window.frameGeometry()),  # the desk has a frame
                "screen": rect(handle.screen().geometry()) if handle and handle.screen() else None,
                "minimum": [window.minimumSizeHint().width(), window.minimumSizeHint().height()],
            }
        )
    return out


def number_labels(wall: Wall) -> list[dict]:
    """Labels whose text is a number that must show whole: the headline and each tile's figure."""
    situation = wall.views["situation"]
    labels = [("headline", situation.headline._number)]
    labels += [(f"tile {p}", situation.headline.tile(p)._value) for p in POLLUTANTS]
    return [whole(name, label) for name, label in labels]


def situation_of(wall: Wall) -> dict:
    """What the left screen shows under the warnings: the ranking's rows and the health table's lines
    shown (of how many), each panel's height against what its header and rows need, the forecast strip's
    state."""
    view = wall.views["situation"]
    strip = view.forecast_panel
    return {
        "ranking_rows": [view.ranking.shown_rows(), len(view.ranking.ranked_rows())],
        "health_rows": [view.health.shown_rows(), view.health.row_count()],
        "ranking_height": [view.ranking.height(), view.ranking.needed_height()],
        "health_height": [view.health.height(), view.health.needed_height()],
        "panels": [
            [p.geometry().top(), p.geometry().bottom()]
            for p in (view.city_panel, view.ranking_panel, view.health_panel, strip)
            if p.isVisible()
        ],
        "forecast": "hidden" if not strip.isVisible() else "brief" if view.forecast.is_brief() else "whole",
    }


def counts(wall: Wall) -> list[dict]:
    """Stage counts on the wall and the desk: the count at the end of each tile, as shown."""
    boards = (("wall", wall.views["action"].board.counts), ("desk", wall.desk.counts))
    return [
        {"name": f"{where} {key}", "shown": tile.text(), "count": board.texts()[key].rsplit(" ", 1)[-1]}
        for where, board in boards
        for key, tile in board.tiles.items()
    ]


def whole(name: str, label: QLabel) -> dict:
    """What a label needs for its text (plain or rich) against what it was given."""
    label.ensurePolished()
    if label.textFormat() == Qt.TextFormat.RichText or "<span" in label.text():
        need = label.sizeHint().width() - 2 * label.margin()
    else:
        need = label.fontMetrics().horizontalAdvance(label.text())
    return {
        "name": name,
        "text": label.text() if "<" not in label.text() else getattr(label.parent(), "_value_plain", ""),
        "need": need,
        "width": label.contentsRect().width(),
        "visible_width": label.visibleRegion().boundingRect().width(),
    }


def main() -> int:
    options = json.loads(sys.argv[1])
    sys.excepthook = lambda kind, value, tb: errors.append(
        "".join(traceback.format_exception(kind, value, tb))
    )
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    install_translator(app, options["lang"])
    theme.apply_theme(app, theme.WallScale())
    widen_font(app, options["stretch"])
    shots = Path(options["shots"]) if options.get("shots") else None
    font = app.font()
    result = {"font": {"family": QFontInfo(font).family(), "stretch": font.stretch()}, "levels": []}
    try:
        wall = Wall(options["lang"])
        for level in sorted(AQI_BY_LEVEL):
            wall.show_level(level)
            spin()
            result["levels"].append(
                {
                    "aqi": AQI_BY_LEVEL[level],
                    "windows": windows_of(wall),
                    "numbers": number_labels(wall),
                    "counts": counts(wall),
                    "situation": situation_of(wall),
                }
            )
            if shots is not None:
                save(wall, shots, level)
    except Exception:
        errors.append(traceback.format_exc())
    result["errors"] = errors
    print(json.dumps(result), flush=True)
    return 1 if errors else 0


def save(wall: Wall, shots: Path, level: int) -> None:
    shots.mkdir(parents=True, exist_ok=True)
    windows: list[QWidget] = [*wall.wall.windows, wall.desk]
    for n, window in enumerate(windows, 1):
        name = "dispatch" if window is wall.desk else f"wall-{n}"
        window.grab().save(str(shots / f"level{level}-{name}.png"))


if __name__ == "__main__":
    sys.exit(main())
