"""Render the duty-wall map of the simulated Yanqing network to docs/screenshots/map.png (offscreen)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: F401 (before QApplication)
from PySide6.QtWidgets import QApplication

from console.core import aqi, standards
from console.core.factors import FACTORS, unit_of
from console.core.grading import MarkerState
from console.core.models import FAULT_FLAGS, INVALID_FLAGS
from console.sim.citymodel import CityModel
from console.sim.network import StationSpec, build_network
from console.sim.regions import PRESETS, boundary_geojson
from console.views.shutdown import close_application
from console.widgets.map_view import MapView

ROOT = Path(__file__).resolve().parents[1]
START = 1_700_000_000.0  # 2023-11-14 22:13 UTC: any fixed time keeps the picture reproducible
COMPLIANT = "#56b4e9"  # Okabe-Ito sky blue: within limits (water, noise, fume, sources, odour)
EXCEEDING = "#e69f00"  # Okabe-Ito orange: above a limit
GREY = "#6b7585"
LABELS_ZH = {
    "layers": "图层",
    "aqi": "空气质量指数",
    "status": "状态",
    "air": "空气站",
    "micro": "微型站",
    "scenic": "景区站",
    "water": "水质站",
    "noise": "噪声站",
    "fume": "餐饮油烟",
    "source": "重点污染源",
    "odour": "恶臭监测",
    "state_ok": "正常",
    "state_alarm": "超标",
    "state_awaiting": "等待首次上报",
    "state_offline": "离线",
    "state_stale": "数据滞后",
    "state_fault": "仪器故障",
    "state_invalid": "无效数据",
    "state_selected": "选中",
    "approximate": "乡镇边界为近似范围",
    "aqi_1": "优",
    "aqi_2": "良",
    "aqi_3": "轻度污染",
    "aqi_4": "中度污染",
    "aqi_5": "重度污染",
    "aqi_6": "严重污染",
}
_HOURLY_KEYS = {"a34004": "PM25_1H", "a34002": "PM10_1H", "a21026": "SO2_1H", "a21004": "NO2_1H"}
_HOURLY_KEYS |= {"a21005": "CO_1H", "a05024": "O3_1H"}


def _line(code: str, value: float, kind: str) -> str:
    factor = FACTORS.get(code)
    name = factor.name_en if factor else code
    decimals = factor.decimals if factor else 1
    return f"{name}  {value:.{decimals}f} {unit_of(code, kind)}".rstrip()


def _air_state(spec: StationSpec, values: dict[str, float]) -> tuple[str, str, str]:
    kind = str(spec.station.kind)
    if kind == "air":
        result = aqi.hourly_aqi({_HOURLY_KEYS[c]: v for c, v in values.items() if c in _HOURLY_KEYS})
        index = result.aqi if result else 0
    else:
        index = aqi.iaqi("PM25_24H", values.get("a34004", 0.0)) or 0
    colour = "#{:02x}{:02x}{:02x}".format(*aqi.category_of(index).colour)
    return colour, "alarm" if index > 200 else "ok", str(index)


def _water_state(spec: StationSpec, values: dict[str, float]) -> tuple[str, str, str]:
    result = standards.water_class_from_codes(values)
    if result is None:
        return GREY, "invalid", ""
    target = ["I", "II", "III", "IV", "V"].index(spec.station.zone or "III") + 1
    worse = result.grade > target
    return (EXCEEDING if worse else COMPLIANT), ("alarm" if worse else "ok"), result.label


def _limit_state(spec: StationSpec, values: dict[str, float]) -> tuple[str, str, str]:
    kind = str(spec.station.kind)
    if kind == "noise":
        over = values.get("Leq", 0.0) > standards.noise_limit(spec.station.zone or "2", night=False)
    elif kind == "fume":
        over = values.get("a34041", 0.0) > standards.FUME_LIMIT
    elif kind == "odour":
        over = any(values.get(c, 0.0) > lim for c, lim in standards.ODOUR_LIMITS.items())
    else:
        over = any(values.get(c, 0.0) > lim for c, lim in standards.EMISSION_LIMITS.items())
    return (EXCEEDING if over else COMPLIANT), ("alarm" if over else "ok"), ""


def marker_state(spec: StationSpec, sample: dict[str, tuple[float, str]] | None) -> MarkerState:
    """The marker of one station from one simulated sample (None = the logger is offline)."""
    station = spec.station
    if sample is None:
        return MarkerState(station.id, str(station.kind), GREY, "offline", "", ["离线 Offline"])
    values = {code: value for code, (value, _) in sample.items()}
    flags = {flag for _, flag in sample.values()}
    kind = str(station.kind)
    if kind in ("air", "micro", "scenic"):
        colour, state, label = _air_state(spec, values)
    elif kind == "water":
        colour, state, label = _water_state(spec, values)
    else:
        colour, state, label = _limit_state(spec, values)
    if flags & FAULT_FLAGS:
        state = "fault"
    elif flags & INVALID_FLAGS:
        state = "invalid"
    lines = [_line(code, value, kind) for code, value in list(values.items())[:6]]
    return MarkerState(station.id, kind, colour, state, label, lines)


def build_states(specs: list[StationSpec], model: CityModel, t: float, seed: int) -> list[MarkerState]:
    """Marker states of every station at time t, with a few stations marked stale for the picture."""
    states = [marker_state(spec, sample) for spec, sample in zip(specs, model.sample_all(t), strict=True)]
    rng = np.random.default_rng(seed)
    for i in rng.choice(len(states), size=len(states) // 40, replace=False):
        if states[i].state == "ok":
            s = states[i]
            states[i] = MarkerState(s.id, s.kind, s.color, "stale", s.label, s.tooltip)
    return states


def most_polluted_air_station(states: list[MarkerState]) -> str | None:
    """Id of the standard air station with the highest AQI (the one a duty officer would select)."""
    air = [s for s in states if s.kind == "air" and s.label.isdigit()]
    return max(air, key=lambda s: int(s.label)).id if air else None


def parse_args() -> argparse.Namespace:
    """Command line: output file, simulated hour, window size and wall font size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "map.png")
    parser.add_argument("--hours", type=float, default=12.0, help="simulated hours after the start")
    parser.add_argument("--size", default="1600x900")
    parser.add_argument("--font-px", type=int, default=26)
    return parser.parse_args()


def main() -> int:
    """Build the page, push one batch of states, wait for the canvas and save the PNG."""
    args = parse_args()
    app = QApplication(sys.argv)
    region = PRESETS["yanqing"]
    specs = build_network(region, seed=1)
    states = build_states(specs, CityModel(specs, region, seed=1, start=START), START + args.hours * 3600, 1)
    view = MapView(cache_dir=Path(tempfile.mkdtemp(prefix="render-map-")))
    view.resize(*(int(v) for v in args.size.split("x")))
    view.show()

    def grab() -> None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        view.grab().save(str(args.out))
        print(f"wrote {args.out} (blocked network requests: {view.blocked_requests})")
        app.quit()

    def on_ready() -> None:
        view.update_markers(states)
        view.select_station(most_polluted_air_station(states))
        QTimer.singleShot(2500, grab)  # let the canvas draw the batch

    view.ready.connect(on_ready)
    stations = [s.station for s in specs]
    view.load_map(boundary_geojson(region), stations, font_px=args.font_px, labels=LABELS_ZH)
    QTimer.singleShot(30_000, app.quit)
    app.exec()
    close_application(app)  # the page before the view, the view before the application
    return 0 if args.out.exists() else 1


if __name__ == "__main__":
    raise SystemExit(main())
