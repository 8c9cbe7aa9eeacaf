"""The replay's timeline: the whole range with its data coverage, pollution episodes and incidents, and
the moment shown; clicking or dragging seeks, hovering shows the time under the pointer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from console.core.aqi import category_of
from console.widgets import theme
from console.widgets.playback_words import DAY_S, HOUR_S, moment_text

# tick spacings of the timeline's scale, the first that leaves room for its labels is used
_TICK_STEPS: tuple[float, ...] = (600.0, 1800.0, HOUR_S, 3 * HOUR_S, 6 * HOUR_S, 12 * HOUR_S)
_TICK_STEPS += (DAY_S, 2 * DAY_S, 7 * DAY_S)
_MONTH_STEPS = (1, 3, 6, 12)  # longer ranges: ticks on the first of every n months
_COVERAGE = "#3A4E70"  # stretches with data: a quiet band, gaps stay dark
_EPISODE = QColor(*category_of(250).colour)  # 重度 (level 5): city AQI over 200
_EPISODE_EDGE = QColor(*category_of(400).colour)  # 严重 (level 6) along its top edge


class Timeline(QWidget):
    """The replay range: data coverage, pollution episodes (city AQI > 200, in the AQI colours of levels
    5 and 6), incident markers and the moment shown. Clicking or dragging seeks; the pointer's time shows
    while it hovers. It shows the whole range, or a stretch of it (``set_view``: the detail strip under a
    long range), and can outline a stretch (``set_mark``: where the detail strip looks).

    Signals:
        seek_requested(float): the operator clicked or dragged to this moment (Unix seconds).
    """

    seek_requested = Signal(float)

    def __init__(self, scale: theme.WallScale | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PlaybackTimeline")
        self._scale = scale
        self.start = 0.0
        self.end = 0.0
        self.at = 0.0
        self.view: tuple[float, float] | None = None  # None: the whole range
        self.mark: tuple[float, float] | None = None
        self.coverage: list[tuple[float, float]] = []
        self.episodes: list[tuple[float, float]] = []
        self.incidents: list[tuple[float, str]] = []
        self.hover: float | None = None
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.compact = False
        self.setFixedHeight(round(self.scale().small_px * 4.4))
        self.setToolTip(self.tr("Click or drag to go to a moment"))

    def scale(self) -> theme.WallScale:
        return self._scale or theme.current_scale()

    # --- setters -----------------------------------------------------------------------------------------

    def set_range(self, start: float, end: float) -> None:
        """The first and last moment that can be replayed."""
        if (start, max(start, end)) != (self.start, self.end):
            self.start, self.end = float(start), float(max(start, end))
            self.update()

    def set_view(self, view: tuple[float, float] | None) -> None:
        """Show only this stretch of the range (None: the whole range)."""
        if view != self.view:
            self.view = view
            self.update()

    def set_mark(self, mark: tuple[float, float] | None) -> None:
        """Outline this stretch (None: nothing)."""
        if mark != self.mark:
            self.mark = mark
            self.update()

    def set_compact(self, compact: bool) -> None:
        """A thinner strip (the overview above a detail strip)."""
        if compact != self.compact:
            self.compact = compact
            self.setFixedHeight(round(self.scale().small_px * (3.4 if compact else 4.4)))
            self.update()

    def shown(self) -> tuple[float, float]:
        """The stretch drawn across the widget."""
        return self.view or (self.start, self.end)

    def set_position(self, at: float) -> None:
        """The moment shown on every screen (repainted when its needle moves by a pixel or more)."""
        moved = round(self.x_of(at)) != round(self.x_of(self.at))
        self.at = float(at)
        if moved:
            self.update()

    def set_timeline(
        self,
        coverage: Sequence[tuple[float, float]],
        episodes: Sequence[tuple[float, float]],
        incidents: Sequence[tuple[float, str]],
    ) -> None:
        """Stretches with data, pollution episodes and incidents' first findings (time, id)."""
        self.coverage, self.episodes, self.incidents = list(coverage), list(episodes), list(incidents)
        self.update()

    # --- geometry ----------------------------------------------------------------------------------------

    def track(self) -> QRectF:
        """Where the range is drawn: between the markers' row above and the scale's labels below."""
        small = self.scale().small_px
        margin = small * 0.6
        top = small * 1.2
        height = small * (0.8 if self.compact else 1.6)
        return QRectF(margin, top, max(1.0, self.width() - 2 * margin), height)

    def x_of(self, ts: float) -> float:
        track = self.track()
        first, last = self.shown()
        fraction = 0.0 if last <= first else (ts - first) / (last - first)
        return track.left() + min(1.0, max(0.0, fraction)) * track.width()

    def time_at(self, x: float) -> float:
        """The moment under a horizontal position (clamped to what is shown)."""
        track = self.track()
        first, last = self.shown()
        fraction = min(1.0, max(0.0, (x - track.left()) / track.width()))
        return first + fraction * (last - first)

    def _visible(self, a: float, b: float) -> bool:
        first, last = self.shown()
        return b >= first and a <= last

    # --- mouse -------------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.end > self.start:
            self.seek_requested.emit(self.time_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.end <= self.start:
            return
        self.hover = self.time_at(event.position().x())
        self.update()
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.seek_requested.emit(self.hover)

    def leaveEvent(self, event) -> None:
        self.hover = None
        self.update()
        super().leaveEvent(event)

    def hover_text(self) -> str:
        """The pointer's moment as shown while hovering, with the episode and the incidents under it ('' when
        the pointer is elsewhere)."""
        if self.hover is None:
            return ""
        parts = [moment_text(self.hover, seconds=False)]
        if any(a <= self.hover <= b for a, b in self.episodes):
            parts.append(self.tr("heavy pollution (city AQI > 200)"))
        x, near = self.x_of(self.hover), self.scale().small_px * 0.6
        parts += [incident for ts, incident in self.incidents if abs(self.x_of(ts) - x) <= near][:2]
        return " · ".join(parts)

    # --- painting ----------------------------------------------------------------------------------------

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(theme.font_px(self.scale().small_px))
        track = self.track()
        painter.fillRect(track, QColor(theme.PANEL))
        if self.end > self.start:
            self._paint_bands(painter, track)
            self._paint_mark(painter, track)
            self._paint_scale(painter, track)
            self._paint_incidents(painter, track)
            self._paint_moment(painter, track)
            self._paint_hover(painter, track)
        painter.setPen(QPen(QColor(theme.PANEL_EDGE), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(track)
        painter.end()

    def _band(self, a: float, b: float, track: QRectF) -> QRectF:
        left, right = self.x_of(a), self.x_of(b)
        return QRectF(left, track.top(), max(2.0, right - left), track.height())

    def _paint_bands(self, painter: QPainter, track: QRectF) -> None:
        for a, b in self.coverage:
            if self._visible(a, b):
                painter.fillRect(self._band(a, b, track), QColor(_COVERAGE))
        painter.setPen(QPen(QColor(theme.OUTLINE), 1))  # purple and maroon are < 3:1 on navy: an outline
        for a, b in self.episodes:
            if not self._visible(a, b):
                continue
            band = self._band(a, b, track).adjusted(0, 2, 0, -2)
            painter.setBrush(_EPISODE)
            painter.drawRect(band)
            top = QRectF(band.left(), band.top(), band.width(), band.height() * 0.3)
            painter.fillRect(top, _EPISODE_EDGE)

    def _paint_mark(self, painter: QPainter, track: QRectF) -> None:
        if self.mark is None or not self._visible(*self.mark):
            return
        painter.setPen(QPen(QColor(theme.TEXT), 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self._band(*self.mark, track).adjusted(0, -3, 0, 3))

    def ticks(self, label_px: float) -> list[tuple[float, str]]:
        """The scale's ticks over what is shown, as (time, label), spaced for labels ``label_px`` wide."""
        first, last = self.shown()
        room = max(1, int(self.track().width() // label_px))
        span = last - first
        step = next((s for s in _TICK_STEPS if span / s <= room), None)
        if step is None:
            months = next((m for m in _MONTH_STEPS if span / (m * 30.4 * DAY_S) <= room), 12)
            return _month_ticks(first, last, months)
        offset = 8 * HOUR_S  # ticks on local (UTC+8) hours and midnights
        out = []
        ts = (int((first + offset) // step) + 1) * step - offset
        while ts <= last:
            local = theme.local_time(ts)
            midnight = local.hour == 0 and local.minute == 0
            out.append((ts, f"{local:%m-%d}" if step >= DAY_S or midnight else f"{local:%m-%d %H:%M}"))
            ts += step
        return out

    def _paint_scale(self, painter: QPainter, track: QRectF) -> None:
        small = self.scale().small_px
        metrics = painter.fontMetrics()
        painter.setPen(QColor(theme.TEXT_SECONDARY))
        for ts, text in self.ticks(metrics.horizontalAdvance("00-00 00:00") * 1.3):
            x = self.x_of(ts)
            painter.drawLine(QPointF(x, track.bottom()), QPointF(x, track.bottom() + small * 0.3))
            width = metrics.horizontalAdvance(text)
            left = min(max(0.0, x - width / 2), self.width() - width)
            painter.drawText(QPointF(left, track.bottom() + small * 1.3), text)

    def _paint_incidents(self, painter: QPainter, track: QRectF) -> None:
        size = self.scale().small_px * 0.45
        painter.setPen(QPen(QColor(theme.BACKGROUND), 1))
        painter.setBrush(QColor(theme.ALERT))
        for ts, _incident in self.incidents:
            if not self._visible(ts, ts):
                continue
            x, y = self.x_of(ts), track.top() - size * 1.1
            diamond = QPainterPath()
            diamond.moveTo(x, y - size)
            diamond.lineTo(x + size, y)
            diamond.lineTo(x, y + size)
            diamond.lineTo(x - size, y)
            diamond.closeSubpath()
            painter.drawPath(diamond)

    def _paint_moment(self, painter: QPainter, track: QRectF) -> None:
        # the moment shown: a light needle through the track under a magenta head, clear on any band
        if not self._visible(self.at, self.at):
            return
        x = self.x_of(self.at)
        width = max(3.0, self.scale().small_px * 0.22)
        head = self.scale().small_px * 0.5
        painter.setPen(QPen(QColor(theme.BACKGROUND), 1))
        painter.setBrush(QColor(theme.TEXT))
        painter.drawRect(QRectF(x - width / 2, track.top() - 2, width, track.height() + 4))
        triangle = QPainterPath()
        triangle.moveTo(x - head, track.top() - head * 1.4)
        triangle.lineTo(x + head, track.top() - head * 1.4)
        triangle.lineTo(x, track.top())
        triangle.closeSubpath()
        painter.setBrush(QColor(theme.PLAYBACK))
        painter.drawPath(triangle)

    def _paint_hover(self, painter: QPainter, track: QRectF) -> None:
        if self.hover is None:
            return
        x = self.x_of(self.hover)
        painter.setPen(QPen(QColor(theme.FOCUS), 1))
        painter.drawLine(QPointF(x, track.top()), QPointF(x, track.bottom()))
        text = self.hover_text()
        metrics = painter.fontMetrics()
        width, height = metrics.horizontalAdvance(text) + 8, metrics.height()
        left = min(max(0.0, x - width / 2), self.width() - width)
        box = QRectF(left, 0, width, height)
        painter.fillRect(box, QColor(theme.PANEL))
        painter.setPen(QColor(theme.FOCUS))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def _month_ticks(first: float, last: float, months: int) -> list[tuple[float, str]]:
    """Ticks on the first day of every ``months`` months (local time), labelled 2015-12 (or 2015)."""
    local = theme.local_time(first)
    year, month = local.year, local.month
    out: list[tuple[float, str]] = []
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        if (month - 1) % months:
            continue
        ts = datetime(year, month, 1, tzinfo=theme.LOCAL_TZ).timestamp()
        if ts > last:
            return out
        out.append((ts, f"{year}" if months == 12 else f"{year}-{month:02d}"))
