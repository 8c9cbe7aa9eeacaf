"""Township ranking: horizontal bars, worst first, in HJ 633 colours with the value and category word."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from console.widgets import theme

Row = tuple[str, float | None, int | None]  # (township, value, AQI or IAQI that colours the bar)


class RankingChart(QWidget):
    """Bars sorted worst first; each in the colour of its AQI (or IAQI) category with a light outline,
    the township name, the value and the category word, so colour is never the only cue.

    Rows that do not fit are summarised as "+ n more" under the last bar.

    Signals:
        township_requested(str): the user clicked a township's row.
    """

    township_requested = Signal(str)
    MIN_ROWS = 3  # the top rows the chart keeps whatever its height: the worst townships

    def __init__(self, parent: QWidget | None = None, *, decimals: int = 0) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._metric = ""
        self._decimals = decimals
        self._full_scale: float | None = None
        self._shown = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_ranking(self, rows: list[Row], metric_label: str, *, full_scale: float | None = None) -> None:
        """Rows of (name, value, aqi_or_None); `metric_label` names the value ("AQI", "PM2.5 µg/m³").

        Bars are scaled to the larger of the worst value and `full_scale` (e.g. 100 for AQI, so a day of
        all-excellent values does not fill the bars).
        """
        self._rows = sorted(rows, key=lambda r: (r[1] is None, -(r[1] or 0.0), r[0]))
        self._metric = metric_label
        self._full_scale = full_scale
        self.updateGeometry()
        self.update()

    def ranked_rows(self) -> list[tuple[str, str, str]]:
        """(name, value text, category word) in display order, worst first."""
        return [(name, self._value_text(value), self._word(aqi)) for name, value, aqi in self._rows]

    def _value_text(self, value: float | None) -> str:
        return "—" if value is None else f"{value:.{self._decimals}f}"

    def _word(self, aqi: int | None) -> str:
        return self.tr("no data") if aqi is None else theme.category_short(theme.aqi_category(aqi).level)

    # -- geometry ------------------------------------------------------------------------------------------

    def _row_height(self) -> int:
        return round(theme.current_scale().body_px * 1.4)

    def _compact_row_height(self) -> int:
        return round(theme.current_scale().body_px * 1.2)

    def _header_height(self) -> int:
        return round(theme.current_scale().small_px * 1.6)

    def _more_height(self) -> int:
        return round(theme.current_scale().small_px * 1.4)

    def _plan(self) -> tuple[int, int, int]:
        """(header height, row height, rows shown) for the height the chart has now. The metric over the
        bars and roomy rows while the top rows fit with them; else closer rows and the metric on the
        "+ n more" line, so the top rows stay (MIN_ROWS, never squeezed into unreadable ones)."""
        rows = len(self._rows)
        for top, row_h, more in (
            (self._header_height(), self._row_height(), self._row_height()),
            (0, self._compact_row_height(), self._more_height()),
        ):
            room = self.height() - top
            if room >= rows * row_h:
                return top, row_h, rows
            fits = max(0, (room - more) // row_h)
            if fits >= min(rows, self.MIN_ROWS):
                return top, row_h, fits
        compact = self._compact_row_height()
        return 0, compact, max(0, (self.height() - self._more_height()) // compact)

    def shown_rows(self) -> int:
        """How many townships the chart shows at its height (the rest are summed up in "+ n more")."""
        return min(len(self._rows), self._plan()[2])

    def needed_height(self, rows: int | None = None) -> int:
        """The least height that shows the top ``rows`` townships (MIN_ROWS) whole with the "+ n more"
        line under them (compact rows, the metric on that line)."""
        rows = min(len(self._rows), self.MIN_ROWS if rows is None else rows)
        more = self._more_height() if rows < len(self._rows) or not self._rows else 0
        return rows * self._compact_row_height() + more

    def sizeHint(self) -> QSize:
        return QSize(800, self._header_height() + self._row_height() * max(len(self._rows), 3))

    def minimumSizeHint(self) -> QSize:
        return QSize(400, self._header_height() + self._row_height() * 3)

    def _columns(self) -> dict[str, float]:
        """Left x of each column: rank, name, bar, value (right edge), word."""
        gap = theme.current_scale().gap_px
        body = QFontMetrics(theme.font_px(theme.current_scale().body_px))
        bold = QFontMetrics(theme.font_px(theme.current_scale().body_px, bold=True))
        rank_w = body.horizontalAdvance(str(max(len(self._rows), 1))) + gap
        value_w = max((bold.horizontalAdvance(v) for _, v, _ in self.ranked_rows()), default=0)
        word_w = max((body.horizontalAdvance(w) for *_, w in self.ranked_rows()), default=0)
        # names give way (…) to the value, the word and a bar of a few gaps: those never overlap a name
        room = self.width() - rank_w - value_w - word_w - gap * 10
        name_w = min(max((body.horizontalAdvance(r[0]) for r in self._rows), default=0), self.width() * 0.35)
        name_w = max(0, min(name_w, room))
        word_x = self.width() - word_w
        value_right = word_x - gap * 2
        return {
            "rank": 0,
            "name": rank_w,
            "bar": rank_w + name_w + gap * 2,
            "value_right": value_right,
            "bar_end": value_right - value_w - gap * 2,
            "word": word_x,
        }

    # -- painting ------------------------------------------------------------------------------------------

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        cols = self._columns()
        top, row_h, shown = self._plan()
        self._shown = min(shown, len(self._rows))
        if top:
            self._paint_header(painter, cols)
        scale = max([r[1] for r in self._rows if r[1] is not None] + [self._full_scale or 0, 1e-9])
        for i, row in enumerate(self._rows[: self._shown]):
            self._paint_row(painter, cols, QRectF(0, top + i * row_h, self.width(), row_h), i + 1, row, scale)
        if self._shown < len(self._rows) or not top:
            self._paint_more(painter, cols, top + self._shown * row_h, self._more_height(), metric=not top)

    def _paint_header(self, painter: QPainter, cols: dict[str, float]) -> None:
        painter.setFont(theme.font_px(theme.current_scale().small_px))
        painter.setPen(QColor(theme.TEXT_SECONDARY))
        rect = QRectF(cols["name"], 0, self.width() - cols["name"], self._header_height())
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, self._metric)

    def _paint_row(
        self, painter: QPainter, cols: dict[str, float], rect: QRectF, rank: int, row: Row, scale: float
    ) -> None:
        name, value, aqi = row
        body = theme.font_px(theme.current_scale().body_px)
        painter.setFont(body)
        self._text(painter, QRectF(0, rect.y(), cols["name"] * 0.8, rect.height()), str(rank), right=True)
        name_rect = QRectF(cols["name"], rect.y(), cols["bar"] - cols["name"], rect.height())
        width = math.floor(name_rect.width())
        elided = QFontMetrics(body).elidedText(name, Qt.TextElideMode.ElideRight, width)
        self._text(painter, name_rect, elided, colour=theme.TEXT)
        self._paint_bar(painter, cols, rect, value, aqi, scale)
        muted = aqi is None  # no category: grey value and words
        painter.setFont(theme.font_px(theme.current_scale().body_px, bold=True))
        value_rect = QRectF(0, rect.y(), cols["value_right"], rect.height())
        self._text(painter, value_rect, self._value_text(value), theme.OFFLINE if muted else theme.TEXT, True)
        painter.setFont(body)
        word_rect = QRectF(cols["word"], rect.y(), self.width() - cols["word"], rect.height())
        self._text(painter, word_rect, self._word(aqi), theme.OFFLINE if muted else theme.TEXT_SECONDARY)

    @staticmethod
    def _text(
        painter: QPainter, rect: QRectF, text: str, colour: str = theme.TEXT_SECONDARY, right: bool = False
    ) -> None:
        side = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
        painter.setPen(QColor(colour))
        painter.drawText(rect, side | Qt.AlignmentFlag.AlignVCenter, text)

    def _paint_bar(
        self,
        painter: QPainter,
        cols: dict[str, float],
        rect: QRectF,
        value: float | None,
        aqi: int | None,
        scale: float,
    ) -> None:
        if value is None:
            return  # no bar for no data: the row says so in words
        span = max(0.0, cols["bar_end"] - cols["bar"])
        height = rect.height() * 0.56
        length = span * value / scale
        bar = QRectF(cols["bar"], rect.center().y() - height / 2, max(length, 3.0), height)
        if aqi is None:
            painter.setPen(QPen(QColor(theme.OFFLINE), 2, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        else:
            painter.setPen(QPen(QColor(theme.OUTLINE), 1.5))
            painter.setBrush(theme.aqi_colour(aqi))
        painter.drawRoundedRect(bar, 3, 3)

    def _paint_more(
        self, painter: QPainter, cols: dict[str, float], y: float, row_h: float, *, metric: bool = False
    ) -> None:
        """The "+ n more, all lower" line under the last bar; with ``metric`` (no line above the bars for
        it) the metric at the line's right end."""
        hidden = len(self._rows) - self._shown
        painter.setFont(theme.font_px(theme.current_scale().small_px))
        painter.setPen(QColor(theme.TEXT_SECONDARY))
        rect = QRectF(cols["name"], y, self.width() - cols["name"], row_h)
        if metric:
            painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, self._metric)
            rect.setRight(rect.right() - painter.fontMetrics().horizontalAdvance(self._metric) - 20)
        if hidden <= 0:
            return
        missing = any(value is None for _, value, _ in self._rows[self._shown :])
        more = self.tr("+ {n} more, lower or without data") if missing else self.tr("+ {n} more, all lower")
        text = painter.fontMetrics().elidedText(more.format(n=hidden), Qt.TextElideMode.ElideRight,
                                                max(0, int(rect.width())))  # fmt: skip
        painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter, text)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        top, row_h, _shown = self._plan()
        index = int((event.position().y() - top) // row_h)
        if 0 <= index < self._shown:
            self.township_requested.emit(self._rows[index][0])
