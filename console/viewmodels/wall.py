"""The wall's view-model: coalesces store change sets and emits narrow signals at most 20 times a second."""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from console.core import summary
from console.core.clock import LIVE_CLOCK, Clock
from console.core.event_log import EventRow
from console.core.factors import FACTORS, unit_of
from console.core.grading import Look, MarkerState, station_look
from console.core.link import LinkStatus
from console.core.models import Station, StationKind, StationStatus
from console.core.store import ChangeSet, Series, Store

TICK_MS = 50  # redraw at most twenty times a second, whatever the network rate
CITY_EVERY_S = 1.0  # city-level figures (AQI, ranking, health, wind) at most once a second
MAX_EVENTS = 40


def local_hour(ts: float) -> int:
    return int(((ts + 8 * 3600) % 86400) // 3600)


class Spread(QObject):
    """Runs a list of steps one per turn of the event loop (a new list replaces what is left of the old)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps: list[Callable[[], object]] = []
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._next)

    def run(self, *steps: Callable[[], object]) -> None:
        self._steps = list(steps)
        self._timer.start()

    def _next(self) -> None:
        if self._steps:
            self._steps.pop(0)()
        if self._steps:
            self._timer.start()


class WallViewModel(QObject):
    """Adapts the store to the wall's widgets.

    Signals:
        markers_changed(list): MarkerState of stations whose look changed.
        city_changed(object): CitySummary.
        ranking_changed(list): TownshipRow, worst first.
        health_changed(list): HealthRow per network kind.
        wind_changed(object): (direction from, speed m/s, ts) or None.
        events_changed(list): EventRow, newest first.
        selection_changed(str): the selected station id ('' for none).
        station_series_changed(str): the selected station's series changed (read them from ``series_for``).
        city_trend_changed(object): {"pm25": (times, values), "aqi": (times, values)}, hourly city means.
        link_changed(object): LinkStatus.
        data_time_changed(float): newest data time applied.
        backfill_changed(object): progress of filling a gap from the hub's history (0..1), None when done.

    ``now()`` is the console's clock: views judge the age of what they show ("as of …") by it.
    """

    markers_changed = Signal(list)
    city_changed = Signal(object)
    ranking_changed = Signal(list)
    health_changed = Signal(list)
    wind_changed = Signal(object)
    events_changed = Signal(list)
    selection_changed = Signal(str)
    station_series_changed = Signal(str)
    city_trend_changed = Signal(object)
    link_changed = Signal(object)
    data_time_changed = Signal(float)
    backfill_changed = Signal(object)

    def __init__(
        self,
        store: Store,
        township_names: dict[str, str] | None = None,
        parent: QObject | None = None,
        *,
        clock: Clock = LIVE_CLOCK,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.clock = clock
        self.township_names = dict(township_names or {})
        self.looks: dict[str, Look] = {}
        self.selected = ""
        self.events: deque[EventRow] = deque(maxlen=MAX_EVENTS)
        self._pending = ChangeSet()
        self._last_city = 0.0
        self._city_due = False  # a change has come that the city figures do not show yet
        self._spread = Spread(self)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start()

    # --- inputs --------------------------------------------------------------------------------------------

    def on_changes(self, change: ChangeSet) -> None:
        """Called for every applied message: only marks what is dirty; the timer redraws."""
        if change:
            self._pending.merge(change)

    def on_link_status(self, status: LinkStatus) -> None:
        self.link_changed.emit(status)

    def on_backfill(self, fraction: float | None) -> None:
        """Progress of filling a gap from the hub's history (0..1); None when no fill runs."""
        self.backfill_changed.emit(fraction)

    def now(self) -> float:
        """The console's time (Unix seconds): live, the wall clock; in playback, the replayed one."""
        return self.clock.now()

    def data_time(self) -> float:
        """The newest data time applied (Unix seconds; 0 before any data)."""
        return self.store.data_time

    def stations(self) -> list[Station]:
        """Every known station (the map is built for them)."""
        return list(self.store.stations.values())

    def station(self, station_id: str) -> Station | None:
        """A station by id, or None if unknown."""
        return self.store.stations.get(station_id)

    def set_township_names(self, names: dict[str, str]) -> None:
        self.township_names = dict(names)

    def select_station(self, station_id: str) -> None:
        """A view asked to select a station (map click, ranking, event)."""
        if station_id == self.selected or (station_id and station_id not in self.store.stations):
            return
        self.selected = station_id
        self.selection_changed.emit(station_id)
        self.station_series_changed.emit(station_id)

    def _select_default(self) -> None:
        """Nothing chosen yet: show the first standard air station, so no trend panel starts empty."""
        air = sorted(s.id for s in self.store.stations_of(StationKind.AIR))
        if air:
            self.select_station(air[0])

    def flush(self) -> None:
        """Redraw now (tests and snapshots); normally the timer does this."""
        self._on_tick(force_city=True)

    # --- the tick ------------------------------------------------------------------------------------------

    def _on_tick(self, force_city: bool = False) -> None:
        change, self._pending = self._pending, ChangeSet()
        if change:
            if change.snapshot and not self.selected:
                self._select_default()
            self._update_markers(change)
            self._note_status_events(change)
            self.data_time_changed.emit(self.store.data_time)
            if self.selected and (change.snapshot or self.selected in change.stations):
                self.station_series_changed.emit(self.selected)
        # a change inside the second after the last city update is kept for a later tick, not dropped
        self._city_due = self._city_due or bool(change)
        now = time.monotonic()
        if force_city or (self._city_due and now - self._last_city >= CITY_EVERY_S) or change.snapshot:
            self._last_city = now
            self._city_due = False
            self._update_city()

    def _update_markers(self, change: ChangeSet) -> None:
        store = self.store
        ids = store.stations.keys() if change.snapshot else change.stations
        hour = local_hour(store.data_time)
        states = []
        for sid in ids:
            station = store.stations.get(sid)
            if station is None:
                continue
            look = station_look(
                station, store.latest.get(sid, {}), store.station_status(sid), store.data_time, hour
            )
            previous = self.looks.get(sid)
            if look != previous or change.snapshot:
                self.looks[sid] = look
                self._note_look_event(station, previous, look)
                states.append(self.marker(station, look))
        if states:
            self.markers_changed.emit(states)

    def marker(self, station: Station, look: Look) -> MarkerState:
        return MarkerState(
            station.id, station.kind.value, look.color, look.state, look.label, self.tooltip(station)
        )

    def tooltip_for(self, station_id: str) -> list[str]:
        """A station's tooltip lines by id (the map asks when the pointer reaches it); none if unknown."""
        station = self.store.stations.get(station_id)
        return self.tooltip(station) if station is not None else []

    def tooltip(self, station: Station) -> list[str]:
        """Plain-text lines: name, township, latest values with units and flags, data time, status."""
        lines = [
            station.name,
            f"{self.township_names.get(station.township, station.township)} · {station.id}",
        ]
        values = self.store.latest.get(station.id, {})
        for code in (*station.factors, "AQI_H"):
            v = values.get(code)
            if v is None:
                continue
            factor = FACTORS.get(code)
            name = factor.name_zh if factor else code
            decimals = factor.decimals if factor else 2
            flag = "" if v.flag == "N" else f" [{v.flag}]"
            lines.append(f"{name} {v.value:.{decimals}f} {unit_of(code, station.kind)}{flag}".rstrip())
        newest = max((v.ts for v in values.values()), default=None)
        if newest:
            lines.append(
                self.tr("Data time {0}").format(time.strftime("%m-%d %H:%M", time.gmtime(newest + 8 * 3600)))
            )
        entry = self.store.status.get(station.id)
        if entry and entry.status != StationStatus.ONLINE:
            word = self.status_word(entry.status)
            lines.append(f"{word}: {self.reason_text(entry.reason)}" if entry.reason else word)
        return lines

    def status_word(self, status: StationStatus) -> str:
        """A station's link state in the console's language."""
        words = {
            StationStatus.ONLINE: self.tr("online"),
            StationStatus.AWAITING: self.tr("awaiting first report"),
            StationStatus.OFFLINE: self.tr("offline"),
            StationStatus.FAULT: self.tr("fault"),
        }
        return words.get(status, str(status))

    def _update_city(self) -> None:
        """City figures, one per turn of the event loop so no single turn holds a frame up."""
        store = self.store
        self._spread.run(
            lambda: self.city_changed.emit(summary.city_summary(store)),
            lambda: self.ranking_changed.emit(summary.township_ranking(store, self.township_names)),
            lambda: self.health_changed.emit(summary.network_health(store, self.looks)),
            lambda: self.wind_changed.emit(summary.city_wind(store)),
            lambda: self.city_trend_changed.emit(
                {"pm25": summary.city_series(store, "a34004"), "aqi": summary.city_series(store, "AQI_H")}
            ),
        )

    # --- events --------------------------------------------------------------------------------------------

    def _note_status_events(self, change: ChangeSet) -> None:
        if change.snapshot:
            return
        for sid in change.status:
            entry = self.store.status.get(sid)
            station = self.store.stations.get(sid)
            if entry is None or station is None:
                continue
            if entry.status == StationStatus.OFFLINE:
                self._event(
                    "warning",
                    self.tr("{0} offline: {1}").format(station.name, self.reason_text(entry.reason)),
                    entry.since,
                )
            elif entry.status == StationStatus.FAULT:
                self._event(
                    "warning",
                    self.tr("{0} instrument fault: {1}").format(station.name, self.reason_text(entry.reason)),
                    entry.since,
                )

    def reason_text(self, reason: str) -> str:
        """The hub's reason for a station state, in the console's language (unknown wording as it came)."""
        if reason == "no data yet":
            return self.tr("no data yet")
        if reason == "hub receives no data from the network":
            return self.tr("the hub receives no data from the network")
        silent = re.fullmatch(r"no data for (\d+) s", reason)
        if silent:
            minutes = int(silent.group(1)) // 60
            if minutes < 2:
                return self.tr("no data for {0} s").format(silent.group(1))
            if minutes < 120:
                return self.tr("no data for {0} min").format(minutes)
            return self.tr("no data for {0} h").format(minutes // 60)
        words = {
            "instrument fault": self.tr("instrument fault"),
            "instrument stopped": self.tr("instrument stopped"),
            "instrument link error": self.tr("instrument link error"),
        }
        for english, translated in words.items():
            reason = reason.replace(english, translated)
        return reason

    def _note_look_event(self, station: Station, previous: Look | None, look: Look) -> None:
        if previous is None:
            return
        if look.state == "alarm" and previous.state != "alarm":
            text = self.tr("{0} exceeds its limit ({1})").format(station.name, look.reason)
            self._event("warning", text, self.store.data_time)
        elif station.kind == StationKind.AIR and (look.level or 0) >= 4 > (previous.level or 0):
            text = self.tr("{0}: AQI {1}, heavily polluted air").format(station.name, look.label)
            self._event("critical", text, self.store.data_time)

    def note_events(self, rows: list[EventRow]) -> None:
        """Events from elsewhere (a unit crossing a geofence) join the list, newest first."""
        for row in sorted(rows, key=lambda r: r.ts):
            self.events.appendleft(row)
        if rows:
            self.events_changed.emit(list(self.events))

    def _event(self, severity: str, text: str, ts: float) -> None:
        self.events.appendleft(EventRow(ts, severity, text))
        self.events_changed.emit(list(self.events))

    # --- series for trends -------------------------------------------------------------------------------

    def series_for(self, station_id: str, code: str) -> Series | None:
        """The store's recent series of a factor at a station, or None."""
        return self.store.series.get((station_id, code))

    def backfilled_mask(self, ts: np.ndarray) -> np.ndarray:
        """Which of these times fall in a stretch filled from the hub's history (dashed on charts)."""
        mask = np.zeros(len(ts), bool)
        for start, end in self.store.backfilled:
            mask |= (ts >= start) & (ts <= end)
        return mask
