"""Wind now as an arrow pointing downwind, with a label in words and an optional 16-sector rose."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF, QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from console.widgets import theme

CALM_MS = 0.3  # below this speed there is no direction to speak of (calm)


def compass_word(dir_deg: float) -> str:
    """Translated 8-point compass name of a direction (315 → NW)."""
    names = (
        QCoreApplication.translate("Compass", "N"),
        QCoreApplication.translate("Compass", "NE"),
        QCoreApplication.translate("Compass", "E"),
        QCoreApplication.translate("Compass", "SE"),
        QCoreApplication.translate("Compass", "S"),
        QCoreApplication.translate("Compass", "SW"),
        QCoreApplication.translate("Compass", "W"),
        QCoreApplication.translate("Compass", "NW"),
    )
    return names[round((dir_deg % 360) / 45) % 8]


def rose_fractions(samples: Sequence[tuple[float, float]], calm_ms: float = CALM_MS) -> list[float]:
    """Share of the non-calm samples (direction from, speed) in each of 16 sectors, N first, clockwise."""
    counts = [0] * 16
    for direction, speed in samples:
        if speed >= calm_ms:
            counts[round((direction % 360) / 22.5) % 16] += 1
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


class CompassView(QWidget):
    """The painted compass: ring with N/E/S/W, the rose petals (where wind came from) and the arrow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.direction: float | None = None  # where the wind comes from, degrees clockwise from north
        self.speed: float | None = None
        self.rose: list[float] = []
        self.setMinimumSize(QSize(120, 120))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height())
        painter.translate(self.width() / 2, self.height() / 2)
        small = theme.current_scale().small_px
        radius = side / 2 - small * 1.1
        self._paint_ring(painter, radius, small)
        self._paint_rose(painter, radius)
        if self.speed is not None and self.direction is not None and self.speed >= CALM_MS:
            self._paint_arrow(painter, radius, self.direction)
        elif self.speed is not None:
            painter.setPen(QPen(QColor(theme.TEXT), 3))
            painter.drawEllipse(QPointF(0, 0), radius * 0.15, radius * 0.15)  # calm

    def _paint_ring(self, painter: QPainter, radius: float, small: int) -> None:
        painter.setPen(QPen(QColor(theme.PANEL_EDGE), 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(0, 0), radius, radius)
        painter.setFont(theme.font_px(small))
        painter.setPen(QColor(theme.TEXT_SECONDARY))
        for angle, text in ((0, "N"), (90, "E"), (180, "S"), (270, "W")):
            x = math.sin(math.radians(angle)) * (radius + small * 0.6)
            y = -math.cos(math.radians(angle)) * (radius + small * 0.6)
            box = QRectF(x - small, y - small * 0.6, small * 2, small * 1.2)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, QCoreApplication.translate("Compass", text))

    def _paint_rose(self, painter: QPainter, radius: float) -> None:
        peak = max(self.rose, default=0.0)
        if peak <= 0:
            return
        petal = QColor(theme.SERIES[0])
        petal.setAlpha(110)
        painter.setPen(QPen(QColor(theme.SERIES[0]), 1))
        painter.setBrush(petal)
        for i, share in enumerate(self.rose):
            length = radius * 0.95 * share / peak
            path = QPainterPath(QPointF(0, 0))
            path.arcTo(QRectF(-length, -length, 2 * length, 2 * length), 90 - i * 22.5 - 9, 18)
            path.closeSubpath()
            painter.drawPath(path)

    def _paint_arrow(self, painter: QPainter, radius: float, direction: float) -> None:
        painter.save()
        painter.rotate(direction + 180)  # drawn pointing north, turned to where the wind blows to
        width = radius * 0.16
        shaft = QPolygonF(
            [
                QPointF(-width * 0.35, radius * 0.75),
                QPointF(width * 0.35, radius * 0.75),
                QPointF(width * 0.35, -radius * 0.35),
                QPointF(-width * 0.35, -radius * 0.35),
            ]
        )
        head = QPolygonF(
            [
                QPointF(-width * 1.4, -radius * 0.3),
                QPointF(width * 1.4, -radius * 0.3),
                QPointF(0, -radius * 0.85),
            ]
        )
        painter.setPen(QPen(QColor(theme.BACKGROUND), 2))
        painter.setBrush(QColor(theme.TEXT))
        painter.drawPolygon(shaft)
        painter.drawPolygon(head)
        painter.restore()


class WindWidget(QWidget):
    """Wind now: an arrow pointing downwind, "NW 3.2 m/s" in words (direction = where it comes from),
    the data time, and optionally a 16-sector rose of recent samples (petals point where wind came from).

    The text sits beside the compass when the widget is wide, under it when it is tall.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ts: float | None = None
        self._compass = CompassView()
        self._label = theme.WrappedLabel(
            self.tr("no data"), "figure"
        )  # a narrow panel: the speed wraps whole
        self._caption = theme.WrappedLabel("", "small")
        text = QVBoxLayout()
        text.setSpacing(theme.current_scale().gap_px)
        text.addStretch(1)
        text.addWidget(self._label)
        text.addWidget(self._caption)
        text.addStretch(1)
        self._layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(theme.current_scale().gap_px * 2)
        self._layout.addWidget(self._compass, 1)
        self._layout.addLayout(text, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = self.width() > self.height() * 1.4
        self._layout.setDirection(
            QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        )
        align = Qt.AlignmentFlag.AlignLeft if wide else Qt.AlignmentFlag.AlignHCenter
        for label in (self._label, self._caption):
            label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)

    def set_wind(self, dir_deg: float | None, speed_ms: float | None, ts: float | None) -> None:
        """Wind direction (where it comes FROM, degrees from north) and speed (m/s) at data time `ts`."""
        self._compass.direction, self._compass.speed, self._ts = dir_deg, speed_ms, ts
        self._label.setText(self._words(dir_deg, speed_ms))
        self._refresh_caption()
        self._compass.update()

    def _words(self, dir_deg: float | None, speed_ms: float | None) -> str:
        if speed_ms is None:
            return self.tr("no data")
        if speed_ms < CALM_MS or dir_deg is None:
            return self.tr("Calm {speed:.1f} m/s").format(speed=speed_ms)
        return self.tr("{dir} {speed:.1f} m/s").format(dir=compass_word(dir_deg), speed=speed_ms)

    def _refresh_caption(self) -> None:
        key = self.tr("arrow: towards · petals: from") if self._compass.rose else self.tr("arrow: towards")
        if self._ts is None:
            self._caption.setText(key)
            return
        stamp = self.tr("at {time}").format(time=theme.local_time(self._ts).strftime("%H:%M"))
        self._caption.setText(f"{stamp} · {key}")

    def set_rose(self, samples: Sequence[tuple[float, float]]) -> None:
        """Recent (direction from, speed) samples for the rose; an empty list hides it."""
        self._compass.rose = rose_fractions(samples) if samples else []
        self._refresh_caption()
        self._compass.update()

    def label_text(self) -> str:
        """The wind in words as shown ("NW 3.2 m/s")."""
        return self._label.text()
