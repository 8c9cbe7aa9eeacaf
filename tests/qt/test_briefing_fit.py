"""Every briefing page fits its 1920×1080 screens at every AQI level, with long names, in both languages:
no text cut, squashed, overlapping or outside its screen."""

from __future__ import annotations

import dataclasses
import functools
import os
import random
from datetime import date, timedelta

import msgspec
import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLabel, QWidget

from console.core import summary
from console.core.briefing import BriefingConfig, ForecastDay, good_day_progress, open_problems, periods_as_of
from console.core.clock import ManualClock
from console.core.incident_book import IncidentBook
from console.core.incidents import Incident, IncidentState, Level, Severity, Source
from console.core.report_figures import parse_period, report
from console.core.store import Store
from console.viewmodels.briefing import BriefingViewModel, Snapshot
from console.views.briefing import BriefingView
from console.widgets import theme
from tests.qt.waiting import until

pytestmark = pytest.mark.asyncio(loop_factories=["qasync"])
AS_OF = date(2015, 12, 20)
NOW = 1_450_620_000.0  # 2015-12-20 22:00 local
SHOTS = os.environ.get("BRIEFING_SHOTS", "")
AQI_BY_LEVEL = {1: 50, 2: 100, 3: 150, 4: 200, 5: 300, 6: 500}
NAMES = {  # (township, problem title)
    "en": (
        "Economic and Technological Development Zone Riverside Sub-district {n}",
        "Station {n} dust and smoke found at the northern gate of the riverside wetland park",
    ),
    "zh_CN": ("经济技术开发区管理委员会永定河畔街道办事处{n}", "永定河畔湿地公园北门{n}号发现扬尘和烟雾"),
}


@functools.cache
def _reports(township: str) -> dict[str, dict]:
    """The day, month-to-date and year-to-date reports of 15 townships of two stations each."""
    rng = random.Random(7)
    stations, township_of, names = {}, {}, {}
    for t in range(15):
        names[f"T{t:02d}"] = township.format(n=t + 1)
        for s in range(2):
            sid = f"S{t:02d}{s}"
            township_of[sid] = f"T{t:02d}"
            days = {}
            day = date(2014, 12, 1)
            while day <= AS_OF:
                pm = rng.choice((20, 60, 100, 140, 200, 300))
                days[day] = {
                    "PM25_24H": pm,
                    "PM10_24H": pm * 1.4,
                    "SO2_24H": 12.0,
                    "NO2_24H": 45.0,
                    "CO_24H": 1.4,
                    "O3_8H": 90.0,
                }
                day += timedelta(days=1)
            stations[sid] = days
    out = {}
    for key, (kind, period) in zip(
        ("day", "month", "year"), dataclasses.astuple(periods_as_of(AS_OF)), strict=True
    ):
        figures = report(
            stations,
            parse_period(kind, period),
            township_of=township_of,
            township_names=names,
            station_names={s: s for s in stations},
            as_of=AS_OF,
        )
        out[key] = msgspec.to_builtins(figures)
    return out


def _problems(title: str) -> list[Incident]:
    states = [
        IncidentState.DISCOVERED,
        IncidentState.DISPATCHED,
        IncidentState.HANDLING,
        IncidentState.FEEDBACK,
    ]
    return [
        Incident(
            id=f"INC-{n}",
            version=1,
            state=states[n % 4],
            source=Source.RULE,
            category="air",
            severity=Severity(4 - n % 4),
            title=title.format(n=n),
            reason="",
            created=NOW - 3600 * n,
            updated=NOW,
            township=f"T{n:02d}",
            level=Level.TOWNSHIP,
            deadline=NOW - 90_000 * n,
            dispatched=NOW - 200_000 * n,
        )
        for n in range(14)
    ]


def _snapshot(lang: str, level: int) -> Snapshot:
    township, title = NAMES[lang]
    reports = _reports(township)
    city = summary.CitySummary(AQI_BY_LEVEL[level], ("PM2.5", "PM10", "O3"), {}, {}, NOW, 12)
    names = {f"T{t:02d}": township.format(n=t + 1) for t in range(15)}
    forecast = tuple(
        ForecastDay(AS_OF + timedelta(days=d), 1 + (level + d) % 6, "PM2.5", title.format(n=d))
        for d in range(1, 4)
    )
    return Snapshot(
        taken_at=NOW,
        as_of=AS_OF,
        periods=periods_as_of(AS_OF),
        reports=reports,
        errors={},
        city=city,
        problems=open_problems(_problems(title), NOW),
        township_names=names,
        forecast=forecast,
        good_days=good_day_progress(0.8, reports["year"]["good_days"], AS_OF),
    )


def _labels(window: QWidget) -> list[QLabel]:
    return [label for label in window.findChildren(QLabel) if label.isVisibleTo(window) and label.text()]


def _faults(window: QWidget) -> list[str]:
    """What a leader would see wrong on one screen."""
    faults = []
    screen = window.rect()
    boxes: list[tuple[QRect, str, QWidget]] = []
    for label in _labels(window):
        box = QRect(label.mapTo(window, label.rect().topLeft()), label.size())
        name = label.text()[:30]
        if not screen.contains(box):
            faults.append(f"outside the screen: {name!r} at {box.getRect()}")
        if label.height() < label.fontMetrics().height() - 1:
            faults.append(
                f"squashed: {name!r} {label.height()} px for a {label.fontMetrics().height()} px line"
            )
        if isinstance(label, theme.WrappedLabel):
            if label.heightForWidth(label.width()) > label.height() + 1:
                faults.append(f"wrapped text cut: {name!r}")
        elif not isinstance(label, theme.ElidedLabel) and label.sizeHint().width() > label.width() + 1:
            faults.append(f"cut: {name!r} needs {label.sizeHint().width()} px, has {label.width()}")
        boxes.append((box, name, label.parentWidget()))
    for n, (a, name_a, parent_a) in enumerate(boxes):
        for b, name_b, parent_b in boxes[n + 1 :]:
            if parent_a is parent_b and a.intersected(b).height() > 2 and a.intersected(b).width() > 2:
                faults.append(f"overlap: {name_a!r} and {name_b!r}")
    return faults


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_every_page_fits_its_screens_at_every_level(qapp, lang) -> None:
    from PySide6.QtCore import QTranslator

    from console.i18n import install_translator

    install_translator(qapp, lang)
    style, font = qapp.styleSheet(), qapp.font()
    theme.apply_theme(
        qapp, theme.WallScale(55, 4.0)
    )  # the wall's own sizes around the briefing, as in the console
    clock = ManualClock(NOW)
    vm = BriefingViewModel(Store(), IncidentBook(clock.now), BriefingConfig(), as_of=AS_OF, clock=clock)
    view = BriefingView(vm, theme.WallScale(55, 5.0))
    try:
        vm.start()
        await until(lambda: vm.snapshot is not None and vm.snapshot.loaded, 10, "the first snapshot")
        faults = []
        for level in range(1, 7):
            snap = _snapshot(lang, level)
            vm.snapshot = snap
            vm.snapshot_changed.emit(snap)
            vm.presenter.stale_since = NOW  # the longest bar: the badge shown
            vm.toggle_pause()
            for n, page in enumerate(vm.presenter.pages):
                vm.go_to(n)
                qapp.processEvents()
                for k, window in enumerate(view.screens):
                    assert window.parts, f"page {page} left screen {k + 1} empty"
                    faults += [f"{lang} level {level} {page} screen {k + 1}: {f}" for f in _faults(window)]
                    if SHOTS:  # to look at: BRIEFING_SHOTS=/tmp/dir
                        window.grab().save(f"{SHOTS}/briefing-{n + 1}-{page}-{k + 1}-{lang}-{level}.png")
            vm.toggle_pause()
        assert not faults, "\n".join(faults[:20])
        assert view.screens[0].bar.badge().startswith("实时数据" if lang == "zh_CN" else "Live data")
    finally:
        vm.stop()
        qapp.setStyleSheet(style)
        qapp.setFont(font)
        install_translator(qapp, "en")
        for translator in qapp.findChildren(QTranslator):
            qapp.removeTranslator(translator)
            translator.deleteLater()
