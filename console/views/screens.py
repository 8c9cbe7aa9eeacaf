"""The duty wall's three views: the situation in numbers, the map, and what needs action."""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from console.core import summary
from console.core.event_log import EventRow
from console.core.link import LinkState, LinkStatus
from console.core.models import INVALID_FLAGS, StationKind
from console.viewmodels.forecast import ForecastViewModel
from console.viewmodels.incidents import IncidentMarker, IncidentViewModel
from console.viewmodels.units import UnitViewModel
from console.viewmodels.wall import Spread, WallViewModel
from console.views.dispatch import bind_queue
from console.widgets import network_health, theme
from console.widgets.aqi_headline import AqiHeadline
from console.widgets.event_list import EventList
from console.widgets.forecast_panel import ForecastFrame, ForecastTable
from console.widgets.incident_queue import AlarmSound, IncidentQueue, StageCounts
from console.widgets.incident_words import incident_title
from console.widgets.map_view import MapView
from console.widgets.network_health import NetworkHealth
from console.widgets.panel import Panel
from console.widgets.ranking_chart import RankingChart
from console.widgets.sos_bar import SosBar
from console.widgets.status_banner import StatusBanner
from console.widgets.trend_plot import AIR_STATION_FACTORS, StationTrends, TrendPlot
from console.widgets.wind_widget import WindWidget

DAY_S = 86400.0
OFFLINE_AFTER_ATTEMPTS = 3  # failed reconnects (≈ 4 s) before the banner says OFFLINE


def _panel(
    title: str,
    body: QWidget,
    *,
    shrink: bool = False,
    narrow: bool = False,
    now: Callable[[], float] = time.time,
) -> Panel:
    """A titled panel; ``shrink`` lets it give up height (``narrow``: width too): a screen never overflows.
    ``now`` is the clock its data age is judged by."""
    policy = QSizePolicy.Policy
    horizontal = policy.Ignored if narrow else policy.Preferred
    panel = Panel(title, now=now)
    panel.set_body(body)
    if shrink or narrow:
        for widget in (body, panel):
            widget.setSizePolicy(horizontal, policy.Ignored)
    return panel


class SituationView(QWidget):
    """Left screen: city AQI now, township ranking and network health."""

    def __init__(self, vm: WallViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("situation")
        self._vm = vm
        self.headline = AqiHeadline(wide=True)
        self.ranking = RankingChart()
        self.health = NetworkHealth()
        self.city_panel = _panel(self.tr("City air quality now"), self.headline, now=vm.now)
        self.ranking_panel = _panel(
            self.tr("Township ranking · PM2.5"), self.ranking, shrink=True, now=vm.now
        )
        self.health_panel = _panel(self.tr("Network health"), self.health, shrink=True, now=vm.now)
        grid = QGridLayout(self)
        grid.addWidget(self.city_panel, 0, 0, 1, 2)
        grid.addWidget(self.ranking_panel, 1, 0)
        grid.addWidget(self.health_panel, 1, 1)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(1, 3)
        grid.setColumnStretch(0, 1)  # ranking and health share the width: neither text decides it
        grid.setColumnStretch(1, 1)
        vm.city_changed.connect(self._on_city)
        vm.ranking_changed.connect(self._on_ranking)
        vm.health_changed.connect(self._on_health)
        vm.data_time_changed.connect(self._on_data_time)
        self._data_time: float | None = None

    def set_forecast(self, forecast: ForecastViewModel) -> None:
        """The forecast under the ranking and the health (WALL-DESIGN: the left screen carries today's and
        the next days' forecast): the local model and the official forecast side by side, day by day."""
        self.forecast_vm = forecast
        self.forecast = ForecastTable()
        self.forecast_panel = ForecastFrame(self.forecast)
        grid = self.layout()
        assert isinstance(grid, QGridLayout)
        grid.addWidget(self.forecast_panel, 2, 0, 1, 2)
        # the rows' heights are set on resize: the city keeps what it needs, the forecast what its lines
        # need, the ranking and the health the rest; the view never holds its window at a height (nor
        # does its grid: heights shared for a taller view would otherwise keep it taller than its window)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        grid.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        forecast.forecast_changed.connect(self.forecast.set_picture)
        forecast.forecast_changed.connect(self._on_forecast)  # bound: dropped with the view
        self.forecast.set_picture(forecast.picture)
        self.city_panel.installEventFilter(self)  # its content grew (a longer word): share again
        self._share_height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._share_height()

    def _on_forecast(self, _picture: object) -> None:
        self._share_height()  # days came or went: the strip's height with them

    def eventFilter(self, watched, event) -> bool:
        if watched is self.city_panel and event.type() == QEvent.Type.LayoutRequest:
            self._share_height()
        return super().eventFilter(watched, event)

    def _share_height(self) -> None:
        """With the forecast: the city panel the height its content needs; the ranking (its top rows) and
        the health (every kind's line) what they need before anything else; the forecast strip its days
        and figures when that still leaves them room, else one line (today's and tomorrow's levels and
        where the whole forecast is), else nothing; the ranking and the health the rest."""
        panel = getattr(self, "forecast_panel", None)
        grid = self.layout()
        if panel is None or not isinstance(grid, QGridLayout):
            return
        margins = grid.contentsMargins()
        room = self.height() - margins.top() - margins.bottom() - grid.verticalSpacing()
        # no forecast imported: one line says so
        strip = panel.needed_height() if self.forecast.has_days() else panel.brief_height()

        def lower(compact: bool) -> int:  # what the ranking's top rows and every health line need
            ranking_w, health_w = self._widths(grid, compact)
            return max(
                self.ranking_panel.chrome_height(compact, ranking_w) + self.ranking.needed_height(),
                self.health_panel.chrome_height(compact, health_w) + self.health.needed_height(),
            )

        whole = self.city_needed_height(False) + lower(False) + grid.verticalSpacing() + strip
        compact = whole > room
        for each in (self.city_panel, self.ranking_panel, self.health_panel):
            each.set_compact(compact)
        ranking_w, health_w = self._widths(grid, compact)
        for column, stretch in ((0, ranking_w), (1, health_w)):
            if grid.columnStretch(column) != stretch:
                grid.setColumnStretch(column, stretch)
        city = min(room, self.city_needed_height(compact))
        spare = room - city - lower(compact) - grid.verticalSpacing()
        forecast, brief = 0, False
        if spare >= strip:
            forecast = strip
        elif spare >= panel.brief_height():
            forecast, brief = panel.brief_height(), True
        self.forecast.set_brief(brief)
        panel.setVisible(forecast > 0)
        if not forecast:  # no strip, no space for it either
            room += grid.verticalSpacing()
        ranking = max(0, room - city - forecast - (grid.verticalSpacing() if forecast else 0))
        for widget, height in ((self.city_panel, city), (self.ranking_panel, ranking),
                               (self.health_panel, ranking), (panel, forecast)):  # fmt: skip
            widget.setFixedHeight(height)

    def _widths(self, grid: QGridLayout, short: bool) -> tuple[int, int]:
        """The ranking's and the health's widths: half and half; short of height, the health panel as wide
        as keeps its title and data age on one line (a line of height saved), while the ranking keeps at
        least 40 % of the width."""
        margins = grid.contentsMargins()
        width = self.width() - margins.left() - margins.right() - grid.horizontalSpacing()
        health = width // 2
        if short:
            header = self.health_panel.header_width() + theme.current_scale().gap_px * 2  # the layout's slack
            health = min(max(width // 2, header), int(width * 0.6))
        return max(1, width - health), max(1, health)

    def city_needed_height(self, compact: bool) -> int:
        """The height the city panel's content takes at its width (its arrangement chosen for the least
        height), with its header."""
        body = self.headline.layout()
        assert body is not None
        content = self.headline.width() or self.city_panel.width()
        need = body.totalHeightForWidth(content) if body.hasHeightForWidth() else 0
        need = max(need, body.totalMinimumSize().height())
        return self.city_panel.chrome_height(compact) + need

    def set_replay(self, at: float | None) -> None:
        """Replaying, the headline's title says so (never "now"); None: live again."""
        title = self.tr("City air quality as replayed") if at is not None else self.tr("City air quality now")
        self.city_panel.set_title(title)

    def _on_data_time(self, ts: float) -> None:
        self._data_time = ts or None

    def _on_city(self, city: summary.CitySummary) -> None:
        self.headline.set_city(city.aqi, city.primary, city.iaqi, city.conc, city.ts or 0.0)
        self.city_panel.set_data_time(city.ts)

    def _on_ranking(self, rows: list[summary.TownshipRow]) -> None:
        self.ranking.set_ranking(
            [(r.name, r.pm25, r.aqi) for r in rows], self.tr("PM2.5 µg/m³"), full_scale=75
        )
        self.ranking_panel.set_data_time(self._data_time if rows else None)
        self._share_height()  # more or fewer townships: the "+ n more" line comes or goes

    def _on_health(self, rows: list[summary.HealthRow]) -> None:
        self.health.set_rows(
            [
                network_health.HealthRow(r.kind, r.total, r.online, r.offline, r.fault, r.alarm, r.awaiting)
                for r in rows
            ]
        )
        self.health_panel.set_data_time(self._data_time)
        self._share_height()  # a kind more or less: its line needs room


class MapScreenView(QWidget):
    """Centre screen: the connection banner and clock along the top, the map below."""

    def __init__(
        self,
        vm: WallViewModel,
        map_view: MapView,
        incidents: IncidentViewModel | None = None,
        parent: QWidget | None = None,
        *,
        units: UnitViewModel | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("map")
        self.units_vm = units
        self.banner = StatusBanner(now=vm.now)
        self.map = map_view
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.map, 1)
        self._data_time: float | None = None
        self._lost_at: float | None = None  # when the link was lost (start-up, if it never was live)
        self._was_live = False
        self._failure = ""  # why the last connection attempt failed
        self._hub = ""  # which of several hubs the link is on or trying ('' with a single hub)
        self._replaying = False
        vm.markers_changed.connect(self.map.update_markers)
        vm.selection_changed.connect(self._on_selection)  # bound: dropped when this view is deleted
        vm.link_changed.connect(self._on_link)
        vm.data_time_changed.connect(self._on_data_time)
        vm.backfill_changed.connect(self.banner.set_backfill)
        self.map.station_clicked.connect(vm.select_station)
        self.map.tooltip_requested.connect(lambda sid: self.map.set_tooltip(sid, vm.tooltip_for(sid)))
        self.map.ready.connect(self.map.fit_district)
        self._refit = QTimer(self, singleShot=True, interval=300)
        self._refit.timeout.connect(self.map.fit_district)
        self.wind_panel: Panel | None = None
        if incidents is not None:  # incidents with deadline halos; picking one centres the map on it
            incidents.markers_changed.connect(self._on_incident_markers)
            incidents.selection_changed.connect(self.map.focus_incident)
            self.map.incident_clicked.connect(incidents.select)
            # the right screen's room goes to incidents: the wind sits over the map's top-left corner,
            # open sky outside the district, next to what it drives
            self.wind = WindWidget()
            self.wind_panel = _panel(self.tr("Wind"), self.wind, narrow=True, now=vm.now)
            # the panel as tall as the wind's words (wrapped in a narrow panel), never cut
            self.wind.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self.wind_panel.setParent(self)
            self.wind_panel.raise_()
            for widget in (self.banner, self.wind_panel):  # a taller banner, or wrapped words: place again
                widget.installEventFilter(self)
            vm.wind_changed.connect(self._on_wind)  # a bound method: disconnected when this view goes
        if units is not None:  # the emergency units above the stations, batched like the stations
            units.markers_changed.connect(self._on_unit_markers)
            self.map.units_requested.connect(self._send_all_units)
            self.map.unit_clicked.connect(self.map.select_unit)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """The window took its final size (or a monitor changed): show the whole district again."""
        super().resizeEvent(event)
        self._place_wind()
        if self.map.is_ready:
            self._refit.start()

    def eventFilter(self, watched, event) -> bool:
        if (watched is self.banner and event.type() == QEvent.Type.Resize) or (
            watched is self.wind_panel and event.type() == QEvent.Type.LayoutRequest
        ):
            self._place_wind()
        return super().eventFilter(watched, event)

    def _place_wind(self) -> None:
        if self.wind_panel is None:
            return
        gap = theme.current_scale().gap_px
        top = (self.banner.geometry().bottom() + 1 if self.banner.isVisibleTo(self) else 0) + gap
        height = max(int(self.height() * 0.3), self.wind_panel.minimumSizeHint().height())
        self.wind_panel.setGeometry(gap, top, int(self.width() * 0.3), height)
        self.wind_panel.raise_()

    def _on_data_time(self, ts: float) -> None:
        self._data_time = ts or None

    def set_replay(self, at: float | None) -> None:
        """Replaying (``at``: the replayed moment), the status bar gives way to the PLAYBACK banner above it,
        which says the same and more, and the map gets its height; link states are ignored (a replay has
        no link). None: live again."""
        replaying = at is not None
        if replaying == self._replaying:
            return
        self._replaying = replaying
        state, shown = ("replay", at) if replaying else ("live", self._data_time)
        self.banner.set_link_state(state, "" if replaying else self._hub, shown)
        self.banner.setVisible(not replaying)
        self._place_wind()

    def _on_selection(self, station_id: str) -> None:
        self.map.select_station(station_id or None)

    def _on_wind(self, wind: tuple[float, float, float] | None) -> None:
        if self.wind_panel is not None:
            show_wind(self.wind, self.wind_panel, wind)

    def _on_unit_markers(self, markers: list) -> None:
        if self.units_vm is not None:
            self.map.update_units(markers, self.units_vm.now())

    def _send_all_units(self) -> None:
        """The page (re)loaded: every unit again, with its whole trail."""
        if self.units_vm is not None:
            self.map.update_units(self.units_vm.markers(), self.units_vm.now())

    def _on_incident_markers(self, markers: list[IncidentMarker]) -> None:
        """The map names an incident as the queue does: the rule's words in the operator's language."""
        self.map.set_incidents(
            [dataclasses.replace(m, title=incident_title(m.title, m.rule, m.why)) for m in markers]
        )

    def _on_link(self, status: LinkStatus) -> None:
        """Live; reconnecting for the first attempts; after that offline, showing how old the data are."""
        if self._replaying:  # a replay has no link: the banner says REPLAY whatever a link does
            return
        # with several hubs, which one: the room sees a failover, and where the console now gets its data
        self._hub = (
            StatusBanner.hub_detail(status.hub_number, status.hub_count, status.hub)
            if status.hub_count > 1 and status.hub
            else ""
        )
        if status.state == LinkState.LIVE:
            self._lost_at = None
            self._failure = ""
            self._was_live = True
            self.banner.set_link_state("live", self._hub, self._data_time)
            return
        if self._lost_at is None:  # the first state after live (or since start-up): the link is lost now
            self._lost_at = status.since
        lost = (
            status.state == LinkState.REFUSED
            or status.attempt > OFFLINE_AFTER_ATTEMPTS
            or (not self._was_live and status.attempt > 0)  # started without the hub: offline at once
        )
        if status.state != LinkState.CONNECTING:
            self._failure = status.detail
        if lost:
            # a new attempt keeps the reason of the last failure on the banner rather than the hub's address
            detail = self._failure or status.detail
            self.banner.set_link_state("offline", detail, self._data_time, since=self._lost_at)
        else:
            attempt, retry_s = status.attempt, status.next_retry_s
            retry = StatusBanner.reconnect_detail(attempt, retry_s) if attempt else ""
            detail = " · ".join(part for part in (self._hub, retry) if part)  # the hub tried now, then when
            self.banner.set_link_state("reconnecting", detail, self._data_time)


class IncidentBoard(QWidget):
    """The wall's incident panel body: counts by stage, the queue, and one button that acknowledges every
    new critical incident (they pulse and the alarm sounds until then).

    Signals:
        acknowledge_requested(): the duty officer acknowledged the new critical incidents.
    """

    acknowledge_requested = Signal()

    def __init__(self, now: Callable[[], float] = time.time, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts = StageCounts()
        self.queue = IncidentQueue(wall=True, now=now)
        self.acknowledge = theme.ElidedButton("◆ " + self.tr("Acknowledge new critical incidents"))
        self.acknowledge.setStyleSheet(
            f"QPushButton {{ color: {theme.ALERT}; border: 2px solid {theme.ALERT}; font-weight: bold; }}"
            f" QPushButton:disabled {{ color: {theme.OFFLINE}; border-color: {theme.OFFLINE}; }}"
        )
        self.acknowledge.clicked.connect(self.acknowledge_requested)
        self.acknowledge.hide()
        self.alarm = AlarmSound(self)
        self.sos = SosBar(self)  # a unit's SOS: its own button and tone
        top = QHBoxLayout()
        top.addWidget(self.counts, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.sos)
        layout.addWidget(self.acknowledge)
        layout.addWidget(self.queue, 1)

    def set_pulsing(self, ids: set[str]) -> None:
        """New critical incidents waiting for acknowledgement: button shown, alarm on; none: both off."""
        self.acknowledge.setVisible(bool(ids))
        self.alarm.set_active(bool(ids))

    def set_commands_enabled(self, enabled: bool) -> None:
        """While replaying the button is greyed (saying why) and the alarm silent: nothing happens now."""
        self.acknowledge.setEnabled(enabled)
        self.acknowledge.setToolTip(
            theme.plain_tip(self.acknowledge.full_text())
            if enabled
            else self.tr("playback: commands are disabled")
        )
        self.alarm.muted = not enabled


class ActionView(QWidget):
    """Right screen: incidents (counts by stage and the queue), latest events, the selected station's 24 h
    trends, the city trend."""

    def __init__(
        self,
        vm: WallViewModel,
        incidents: IncidentViewModel | None = None,
        parent: QWidget | None = None,
        *,
        units: UnitViewModel | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("action")
        self.units_vm = units
        self.vm = vm
        self.incidents_vm = incidents
        self.board = IncidentBoard(incidents.now if incidents is not None else vm.now)
        self.incidents_panel = _panel(self.tr("Incidents"), self.board, shrink=True, now=vm.now)
        self.events = EventList(now=vm.now)
        # beside the incidents the trends get one row of tall plots: two rows would each be too flat to read
        self.trends = StationTrends(columns=8 if incidents is not None else 4)
        if incidents is not None:  # the panel title names the station: its own name line gives the plots room
            for name_line in self.trends.findChildren(
                QLabel, options=Qt.FindChildOption.FindDirectChildrenOnly
            ):
                name_line.hide()
        self.city = TrendPlot()
        self.events_panel = _panel(self.tr("Latest events"), self.events, shrink=True, now=vm.now)
        self.trends_panel = _panel(self.tr("Selected station · 24 h"), self.trends, shrink=True, now=vm.now)
        self.city_panel = _panel(
            self.tr("City PM2.5 and AQI · hourly, 24 h"), self.city, narrow=True, now=vm.now
        )
        layout = QVBoxLayout(self)
        if incidents is None:  # no incident panel: the wind keeps its place here (else it is on the map)
            self.wind = WindWidget()
            self.wind_panel = _panel(self.tr("Wind"), self.wind, narrow=True, now=vm.now)
            vm.wind_changed.connect(self._on_wind)
            self.incidents_panel.hide()
            layout.addWidget(self.events_panel, 2)
            layout.addWidget(self.trends_panel, 8)
            bottom = QHBoxLayout()
            bottom.addWidget(self.city_panel, 2)
            bottom.addWidget(self.wind_panel, 1)
            layout.addLayout(bottom, 3)
        else:  # what needs action first; the latest events share the bottom row with the city trend
            layout.addWidget(self.incidents_panel, 9)
            layout.addWidget(self.trends_panel, 9)
            row = QWidget()  # a widget: its height follows the stretch, not its children's size hints
            row.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
            bottom = QHBoxLayout(row)
            bottom.setContentsMargins(0, 0, 0, 0)
            bottom.addWidget(self.events_panel, 1)
            bottom.addWidget(self.city_panel, 1)  # the wind is on the map screen
            layout.addWidget(row, 6)
            self._rows = ((self.incidents_panel, 0.35), (self.trends_panel, 0.31), (row, 0.34))
            # the rows' fixed heights must not hold the view at its last height: a replay banner over it
            # takes height from it, and the rows shrink with it
            self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
            self._bind_incidents(incidents)
        if units is not None:
            units.sos_changed.connect(self._on_sos)
            self.board.sos.acknowledge_requested.connect(self._on_sos_acknowledged)
        self._shown_station = ""
        self._plots = Spread(self)
        vm.events_changed.connect(self._on_events)
        vm.station_series_changed.connect(self._on_station_series)
        vm.city_trend_changed.connect(self._on_city_trend)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """With incidents, the rows keep fixed shares of the height: a plot's size hint must not squeeze
        the queue (stretch factors alone give way to expanding children)."""
        super().resizeEvent(event)
        rows = getattr(self, "_rows", ())
        layout = self.layout()
        if not rows or layout is None:
            return
        margins = layout.contentsMargins()
        room = self.height() - margins.top() - margins.bottom() - layout.spacing() * (len(rows) - 1)
        for widget, share in rows:
            widget.setFixedHeight(max(0, int(room * share)))

    def _bind_incidents(self, incidents: IncidentViewModel) -> None:
        bind_queue(incidents, self.board.queue, self.board.counts)
        incidents.pulsing_changed.connect(self.board.set_pulsing)
        incidents.critical_raised.connect(self._on_critical_raised)
        incidents.counts_changed.connect(self._on_incident_counts)
        self.board.acknowledge_requested.connect(incidents.acknowledge)
        incidents.commands_enabled_changed.connect(self.board.set_commands_enabled)
        self.board.set_commands_enabled(incidents.commands_enabled)
        incidents.flush()  # what the book holds already (the cached picture) shows at once
        self.board.set_pulsing(incidents.pulsing())

    # bound methods, not lambdas: Qt drops these connections when the view is deleted
    def _on_sos(self, unit_ids: set[str]) -> None:
        if self.units_vm is not None:
            self.board.sos.set_sos(self.units_vm.callsigns(unit_ids))

    def _on_sos_acknowledged(self) -> None:
        if self.units_vm is not None:
            self.units_vm.acknowledge_sos()

    def _on_critical_raised(self, _incident_id: str) -> None:
        self.board.alarm.set_active(True)

    def _on_incident_counts(self, _counts: dict[object, int]) -> None:
        if self.incidents_vm is not None:
            self.incidents_panel.set_data_time(self.incidents_vm.now())

    def _on_events(self, rows: list[EventRow]) -> None:
        self.events.set_events(rows)
        self.events_panel.set_data_time(self.vm.data_time() or None)

    def _on_station_series(self, station_id: str) -> None:
        station = self.vm.station(station_id)
        if station is None:
            return
        if station_id != self._shown_station:
            self._shown_station = station_id
            factors = AIR_STATION_FACTORS if station.kind == StationKind.AIR else station.factors
            name = "" if self.incidents_vm is not None else station.name  # the panel title names it: room
            self.trends.set_station(name, list(factors), zone=station.zone)
            self.trends_panel.set_title(self.tr("Selected station · 24 h · {0}").format(station.name))
        # one plot per turn of the event loop: eight plots at once would hold a frame up
        self._plots.run(
            *(functools.partial(self._draw_factor, station_id, code) for code in self.trends.factors())
        )

    def _draw_factor(self, station_id: str, code: str) -> None:
        series = self.vm.series_for(station_id, code)
        if station_id != self._shown_station or series is None or not len(series):
            return
        ts = np.fromiter(series.times, float, len(series))
        values = np.fromiter(series.values, float, len(series))
        invalid = np.fromiter((f in INVALID_FLAGS for f in series.flags), bool, len(series))
        self.trends.set_factor_series(code, ts, values, invalid, backfilled=self.vm.backfilled_mask(ts))
        self.trends.plot(code).setXRange(ts[-1] - DAY_S, ts[-1], padding=0)  # always the last 24 h
        self.trends_panel.set_data_time(ts[-1])

    def _on_city_trend(self, trend: dict[str, tuple[list[float], list[float]]]) -> None:
        times, values = trend["pm25"]
        if not times:
            return
        self.city.set_series("pm25", self.tr("PM2.5 µg/m³"), np.asarray(times), np.asarray(values))
        aqi_times, aqi_values = trend["aqi"]
        if aqi_times:
            self.city.set_series(
                "aqi", self.tr("AQI (hourly)"), np.asarray(aqi_times), np.asarray(aqi_values)
            )
        self.city.set_limit(self.tr("GB 3095 II 24 h"), 75.0)
        end = times[-1] + 3600
        self.city.setXRange(end - DAY_S, end, padding=0)
        self.city_panel.set_data_time(min(end, self.vm.data_time() or end))  # never a time to come

    def _on_wind(self, wind: tuple[float, float, float] | None) -> None:
        show_wind(self.wind, self.wind_panel, wind)


def show_wind(widget: WindWidget, panel: Panel, wind: tuple[float, float, float] | None) -> None:
    """The latest wind (direction, speed, time) in a wind widget and its panel's data age."""
    if wind is None:
        widget.set_wind(None, None, None)
        panel.set_data_time(None)
        return
    widget.set_wind(*wind)
    panel.set_data_time(wind[2])
