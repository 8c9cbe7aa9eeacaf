"""Render the forecast panel and the warning banner offscreen into PNGs, to look at them.

    .venv/bin/python tools/render_forecast.py [--out DIR] [--lang zh_CN|en] [--level 1..6] [--warnings 0|1|2]

Writes forecast_situation.png (the left wall screen, 1920×1080, under a red warning in force, with the
forecast strip: the local model and the official forecast side by side), warning_banner.png (an issued
red warning and a proposed orange one as a leader sees them, as wide as a screen) and forecast_empty.png
(no forecast imported). ``--level`` sets the city's AQI level (5 by default), ``--warnings`` how many
warnings the left screen carries (1: the red one in force, 2: with the orange one proposed to a leader);
forecast_situation_l<level>_w<n>.png is then written too. The forecast is an answer of /api/forecast as
the hub gives it (with docs/forecast.md's verified skill).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from console.core import protocol, summary
from console.core.clock import Clock
from console.core.store import Store
from console.i18n import install_translator
from console.viewmodels.forecast import ForecastViewModel, picture_of
from console.viewmodels.wall import WallViewModel
from console.views.screens import SituationView
from console.widgets import theme
from console.widgets.warning_banner import WarningBanner

NOW = 1_449_014_400.0 + 9 * 3600  # 2015-12-02 09:00 local (UTC+8)
TODAY = date(2015, 12, 2)
SKILL = {
    1: {"model": {"rmse": 41.6, "level_accuracy": 0.453}, "persistence": {"rmse": 63.5}},
    2: {"model": {"rmse": 69.3, "level_accuracy": 0.28}, "persistence": {"rmse": 84.9}},
    3: {"model": {"rmse": 71.7, "level_accuracy": 0.32}, "persistence": {"rmse": 91.0}},
}


class FixedClock(Clock):
    def now(self) -> float:
        return NOW


def forecast_body() -> dict:
    local = [
        {"lead": n, "valid_date": (TODAY + timedelta(days=n - 1)).isoformat(), "pm25": pm, "aqi": a,
         "level": lv, "skill": SKILL[n]}
        for n, pm, a, lv in ((1, 212.0, 262, 5), (2, 160.0, 210, 5), (3, 96.0, 128, 3))
    ]  # fmt: skip
    days = ((0, 280, 320, 6, "PM2.5"), (1, 200, 250, 5, "PM2.5"), (2, 150, 200, 4, "PM2.5"),
            (3, 60, 90, 2, "PM10"), (4, 30, 50, 1, ""))  # fmt: skip
    official = [
        {"source": "北京市环境保护监测中心", "area": "北京", "issued": NOW - 17 * 3600,
         "valid_date": (TODAY + timedelta(days=n)).isoformat(),
         "aqi_low": lo, "aqi_high": hi, "level": lv, "primary_pollutant": p}
        for n, lo, hi, lv, p in days
    ]  # fmt: skip
    model = {"version": 2, "trained_until": "2015-02-28",
             "verified": {"from": "2016-03-01", "to": "2017-02-28", "held_back": True}}  # fmt: skip
    issued = (TODAY - timedelta(days=1)).isoformat()
    return {"local": {"issued_for_day": issued, "city": local, "model": model},
            "local_error": None, "official": official}  # fmt: skip


def warnings() -> list[protocol.WarningState]:
    end = TODAY + timedelta(days=2)
    return [
        protocol.WarningState(3, "red", "issued", TODAY.isoformat(), end.isoformat(), NOW + 3 * 86400,
                              "强制性减排措施, 重型车辆限行; mandatory cuts, heavy vehicles restricted",
                              NOW - 3600, 2, NOW - 3600, "leader"),
        protocol.WarningState(4, "orange", "proposed", (end + timedelta(days=1)).isoformat(),
                              (end + timedelta(days=3)).isoformat(), NOW + 6 * 86400,
                              "强制性减排措施; mandatory emission cuts, construction earthworks stopped"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/forecast-shots"))
    parser.add_argument("--lang", choices=("zh_CN", "en"), default="en")
    parser.add_argument("--level", type=int, choices=range(1, 7), default=5)
    parser.add_argument("--warnings", type=int, choices=(0, 1, 2), default=1)
    args = parser.parse_args()
    app = QApplication([])
    install_translator(app, args.lang)
    theme.apply_theme(app, theme.WallScale())
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.lang == "en" else "_zh"

    vm = WallViewModel(Store(), clock=FixedClock())
    forecast = ForecastViewModel(clock=FixedClock())
    situation = SituationView(vm)
    situation.set_forecast(forecast)
    window = QWidget()  # the left wall screen while a red warning is in force
    column = QVBoxLayout(window)
    column.setContentsMargins(6, 6, 6, 6)
    on_screen = WarningBanner()
    column.addWidget(on_screen)
    column.addWidget(situation, 1)
    on_screen.set_warnings(ForecastViewModel(clock=FixedClock()).warnings())
    banner = WarningBanner()  # both warnings, as a leader's console shows them
    banner.setFixedWidth(1920)
    forecast.warnings_changed.connect(banner.set_warnings)
    forecast.set_warnings(warnings())
    banner.set_can_issue(True)
    on_screen.set_can_issue(args.warnings == 2)
    on_screen.set_warnings(forecast.warnings()[: args.warnings])
    aqi = {1: 42, 2: 88, 3: 128, 4: 176, 5: 262, 6: 388}[args.level]
    primary = () if args.level == 1 else ("PM2.5",)
    iaqi = {"PM2.5": aqi, "PM10": 180, "SO2": 12, "NO2": 80, "CO": 40, "O3": 10}
    conc = {"PM2.5": 212.0, "PM10": 310.0, "SO2": 20.0, "NO2": 95.0, "CO": 2.4, "O3": 18.0}
    vm.city_changed.emit(summary.CitySummary(aqi, primary, iaqi, conc, NOW - 600, 12))
    vm.data_time_changed.emit(NOW - 600)
    kinds = ("air", "micro", "water", "noise", "fume", "source")
    vm.health_changed.emit([summary.HealthRow(k, 40 + 8 * n, 38 + 7 * n, 2 + n, n % 2, 0)
                            for n, k in enumerate(kinds)])  # fmt: skip
    rows = [summary.TownshipRow(f"T{n}", f"镇 {n}", 260.0 - 9 * n, 300 - 9 * n, 4) for n in range(8)]
    vm.ranking_changed.emit(rows)
    forecast.picture = picture_of(forecast_body(), TODAY)
    forecast.forecast_changed.emit(forecast.picture)
    window.show()
    window.setFixedSize(1920, 1080)
    for _ in range(3):  # the heights shared, then the layouts that follow them
        app.processEvents()
    window.grab().save(str(args.out / f"forecast_situation{suffix}.png"))
    window.grab().save(str(args.out / f"forecast_situation_l{args.level}_w{args.warnings}{suffix}.png"))
    banner.show()
    app.processEvents()
    banner.grab().save(str(args.out / f"warning_banner{suffix}.png"))
    nothing = {"local": None, "local_error": "no model", "official": []}
    forecast.forecast_changed.emit(picture_of(nothing, TODAY))
    app.processEvents()
    situation.forecast_panel.grab().save(str(args.out / f"forecast_empty{suffix}.png"))
    print(args.out)


if __name__ == "__main__":
    main()
