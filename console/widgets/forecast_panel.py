"""The wall's forecast: a row per day (today and the days after it), the local model's forecast and the
official one side by side as level bars, each with its figures and, for the model, its verified skill at
that lead ("+1 d · level right 45 %"). Painted, so it fits whatever height its screen leaves it: rows
that do not fit are left out from the last day back, never squeezed into unreadable text."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QSizePolicy, QVBoxLayout, QWidget

from console.core.aqi import category_of
from console.widgets import theme

AQI_SCALE = 300.0  # a full bar; heavier days fill it (their word and number say how heavy)
_LEVEL_AQI = {1: 25, 2: 75, 3: 125, 4: 175, 5: 250, 6: 350}  # one AQI inside each level, for its colour


class ForecastTable(QWidget):
    """Setters in: ``set_picture`` with a ForecastPicture (console/viewmodels/forecast.py)."""

    def __init__(self, scale: theme.WallScale | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scale = scale or theme.current_scale()
        self._picture: object | None = None
        self._brief = False  # one line: today's and tomorrow's levels and where the whole forecast is
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(0, 0)

    def sizeHint(self) -> QSize:
        s = self._scale
        return QSize(s.body_px * 30, self._line(s.body_px) + self._row_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, 0)

    def set_picture(self, picture: object) -> None:
        self._picture = picture
        self.update()

    def set_brief(self, brief: bool) -> None:
        """Brief: the strip gave way to the panels above it; one line says today's and tomorrow's levels
        and where the whole forecast is (the briefing's forecast page)."""
        if brief != self._brief:
            self._brief = brief
            self.update()

    def is_brief(self) -> bool:
        return self._brief

    def has_days(self) -> bool:
        """Whether there is a forecast to show (else one line says there is none)."""
        picture = self._picture
        return bool(getattr(picture, "rows", ())) if picture is not None else False

    def brief_height(self) -> int:
        """The height of the one line the brief strip shows."""
        return self._line(self._scale.body_px)

    def where_text(self) -> str:
        """Where the whole forecast is, when the strip shows only its first days."""
        return self.tr("whole forecast: briefing page “Forecast and warnings”")

    # --- words ------------------------------------------------------------------------------------------

    def day_word(self, day: date, today: date) -> str:
        if day == today:
            return self.tr("Today")
        if (day - today).days == 1:
            return self.tr("Tomorrow")
        return f"{day:%m-%d} " + (self.tr("Mon"), self.tr("Tue"), self.tr("Wed"), self.tr("Thu"),
                                  self.tr("Fri"), self.tr("Sat"), self.tr("Sun"))[day.weekday()]  # fmt: skip

    def local_words(self, local) -> tuple[str, str]:  # a LocalDay
        """The level word, then the AQI."""
        return theme.category_short(local.level), str(local.aqi)

    def skill_text(self, local) -> str:  # a LocalDay
        """The model's verified skill at this lead: the share of held-back days whose level it got right."""
        if local.level_accuracy is None:
            return self.tr("model +{0} d: not verified").format(local.lead)
        return self.tr("model +{0} d: level right {1} %").format(
            local.lead, round(local.level_accuracy * 100)
        )

    def official_words(self, official) -> tuple[str, str]:  # an OfficialDay
        """The level word, then the AQI range and the primary pollutant."""
        figure = f"{official.aqi_low}–{official.aqi_high}"
        return theme.category_short(official.level), " · ".join(p for p in (figure, official.primary) if p)

    def empty_text(self) -> str:
        picture = self._picture
        if picture is None or not getattr(picture, "loaded", False):
            return self.tr("Forecast not loaded yet.")
        return self.tr("No forecast imported.")

    def texts(self) -> list[str]:
        """What the rows say, as shown (for tests and the log); the empty text when there is none."""
        picture = self._picture
        rows = getattr(picture, "rows", ()) if picture is not None else ()
        if not rows:
            return [self.empty_text()]
        out = []
        for row in rows:
            parts = [self.day_word(row.day, picture.today)]  # type: ignore[union-attr]
            parts.append(" ".join(self.local_words(row.local)) if row.local else "—")
            if row.local:
                parts.append(self.skill_text(row.local))
            parts.append(" ".join(self.official_words(row.official)) if row.official else "—")
            out.append(" | ".join(parts))
        return out

    # --- painting ---------------------------------------------------------------------------------------

    def _line(self, px: int) -> int:
        return round(px * 1.35)

    def _row_height(self) -> int:
        """A day's line under its name: the chip and the figures of each source, the range bars under them
        (as tall as the two small lines beside it in the label column)."""
        s = self._scale
        return max(self._line(s.body_px) + max(3, s.gap_px // 2) + s.gap_px, 2 * self._line(s.small_px))

    def _columns(self, rows: int) -> int:
        """How many days fit side by side, each at least about twelve body characters wide (both sources'
        figures whole): three days on a wall tile, days 4 and 5 where there is room."""
        return max(1, min(rows, (self.width() - self._label_width()) // max(1, self._scale.body_px * 12)))

    def _label_width(self) -> int:
        return int(self.width() * 0.14)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = self._scale
        picture = self._picture
        rows = getattr(picture, "rows", ()) if picture is not None else ()
        if not rows:
            painter.setPen(QColor(theme.TEXT_SECONDARY))
            painter.setFont(theme.font_px(s.body_px))
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(self.rect(), flags, self.empty_text())
            painter.end()
            return
        today = picture.today  # type: ignore[union-attr]
        if self._brief:
            self._paint_brief(painter, rows[:2], today)
            painter.end()
            return
        label_w = self._label_width()
        shown = rows[: self._columns(len(rows))]
        col_w = (self.width() - label_w) // len(shown)
        head = self._line(s.body_px)
        block = self._row_height()
        if head + block > self.height():  # not even one line whole: the days alone, never squeezed
            block = 0
        self._paint_labels(painter, label_w - s.gap_px, head, block)
        for n, row in enumerate(shown):
            x = label_w + n * col_w
            painter.setPen(QColor(theme.TEXT))
            painter.setFont(theme.font_px(s.body_px, bold=True))
            day = painter.fontMetrics().elidedText(
                self.day_word(row.day, today), Qt.TextElideMode.ElideRight, col_w - s.gap_px
            )
            painter.drawText(QRect(x, 0, col_w - s.gap_px, head), Qt.AlignmentFlag.AlignLeft, day)
            if row.local is not None:  # the model's skill beside its day, in small print
                left = x + painter.fontMetrics().horizontalAdvance(day) + s.gap_px
                painter.setFont(theme.font_px(s.small_px))
                painter.setPen(QColor(theme.TEXT_SECONDARY))
                room = QRect(left, 0, max(0, x + col_w - s.gap_px * 2 - left), head)
                skill = painter.fontMetrics().elidedText(  # cut from the left: the figure stays
                    self.skill_text(row.local), Qt.TextElideMode.ElideLeft, room.width()
                )
                painter.drawText(room, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, skill)
            if not block:
                continue
            local, official = row.local, row.official
            half = int((col_w - s.gap_px * 3) * 0.5)
            cells = (
                (QRect(x, head, half, block), self.local_words(local) if local else None,
                 (0, local.aqi) if local else None),
                (QRect(x + half + s.gap_px, head, col_w - half - s.gap_px * 3, block),
                 self.official_words(official) if official else None,
                 (official.aqi_low, official.aqi_high) if official else None),
            )  # fmt: skip
            for cell, words, span in cells:
                self._paint_cell(painter, cell, words, span)
        painter.end()

    def _paint_brief(self, painter: QPainter, rows, today: date) -> None:
        """One line: "Forecast", each day's name with its level chip (the model's, else the official
        one) and, in small print to the right, where the whole forecast is."""
        s = self._scale
        head = self._line(s.body_px)
        painter.setPen(QColor(theme.TEXT))
        painter.setFont(theme.font_px(s.body_px, bold=True))
        metrics = painter.fontMetrics()
        x = 0
        for text, level in [(self.tr("Forecast"), None)] + [
            (self.day_word(row.day, today), (row.local or row.official).level)
            for row in rows
            if row.local or row.official
        ]:
            painter.setPen(QColor(theme.TEXT))
            painter.drawText(QRect(x, 0, metrics.horizontalAdvance(text) + 2, head),
                             Qt.AlignmentFlag.AlignVCenter, text)  # fmt: skip
            x += metrics.horizontalAdvance(text) + s.gap_px // 2
            if level is not None:
                chip = QRectF(x, 2, metrics.horizontalAdvance("6") + s.gap_px, head - 4)
                painter.setPen(QPen(QColor(theme.OUTLINE), 1))
                painter.setBrush(QColor(*category_of(_LEVEL_AQI[level]).colour))
                painter.drawRoundedRect(chip, 3, 3)
                painter.setPen(theme.chip_text_colour(level))
                painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, str(level))
                painter.setPen(QColor(theme.TEXT))
                word = theme.category_short(level)
                x = int(chip.right()) + s.gap_px // 2
                painter.drawText(QRect(x, 0, metrics.horizontalAdvance(word) + 2, head),
                                 Qt.AlignmentFlag.AlignVCenter, word)  # fmt: skip
                x += metrics.horizontalAdvance(word)
            x += s.gap_px * 2
        painter.setFont(theme.font_px(s.small_px))
        painter.setPen(QColor(theme.TEXT_SECONDARY))
        room = QRect(x, 0, max(0, self.width() - x), head)
        where = painter.fontMetrics().elidedText(self.where_text(), Qt.TextElideMode.ElideLeft, room.width())
        painter.drawText(room, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, where)

    def _paint_labels(self, painter: QPainter, width: int, head: int, block: int) -> None:
        """The panel's title over the label column, then what the two halves of a day are and when the
        forecast was issued (how old it is)."""
        s = self._scale
        painter.setPen(QColor(theme.TEXT))
        painter.setFont(theme.font_px(s.body_px, bold=True))
        title = painter.fontMetrics().elidedText(self.tr("Forecast"), Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRect(0, 0, width, head), Qt.AlignmentFlag.AlignLeft, title)
        if not block:
            return
        painter.setFont(theme.font_px(s.small_px))
        painter.setPen(QColor(theme.TEXT_SECONDARY))
        line = self._line(s.small_px)
        for n, text in enumerate((self.tr("Model | Official"), self.issued_text())):
            elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width)
            painter.drawText(QRect(0, head + n * line, width, line), Qt.AlignmentFlag.AlignLeft, elided)

    def issued_text(self) -> str:
        """When the shown forecast was issued (the local model's at the end of its day), and whether the
        model learnt the days it forecasts (a replay of its training years)."""
        picture = self._picture
        issued = getattr(picture, "issued_for", None)
        text = (
            self.tr("official only")
            if issued is None
            else self.tr("issued {0}").format(f"{issued + timedelta(days=1):%m-%d} 00:00")
        )
        if getattr(picture, "hindcast", False):
            text += " · " + self.tr("model trained on these days")
        return text

    def _paint_cell(self, painter: QPainter, cell: QRect, words, span) -> None:
        """The level chip (its word on the HJ 633 colour) and the figures beside it, and the AQI range as a
        bar under them on a 0–300 track."""
        s = self._scale
        line_h = self._line(s.body_px)
        if words is None or span is None:
            painter.setPen(QColor(theme.OFFLINE))
            painter.setFont(theme.font_px(s.body_px))
            painter.drawText(
                QRect(cell.x(), cell.y(), cell.width(), line_h), Qt.AlignmentFlag.AlignVCenter, "—"
            )
            return
        category = category_of(max(span[1], 0))
        colour = QColor(*category.colour)
        painter.setFont(theme.font_px(s.body_px, bold=True))
        metrics = painter.fontMetrics()
        # the level number on its HJ 633 colour (the word is in the tooltip-free row label's legend and in
        # every screen's headline; a number is what fits a day's cell)
        chip = QRectF(cell.x(), cell.y() + 2, metrics.horizontalAdvance("6") + s.gap_px, line_h - 4)
        painter.setPen(QPen(QColor(theme.OUTLINE), 1))  # purple and maroon stay visible on navy
        painter.setBrush(colour)
        painter.drawRoundedRect(chip, 3, 3)
        painter.setPen(theme.chip_text_colour(category.level))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, str(category.level))
        figure, _sep, rest = words[1].partition(" · ")
        left = int(chip.right()) + s.gap_px // 2
        painter.setPen(QColor(theme.TEXT))
        room = max(0, cell.right() - left)
        figure = metrics.elidedText(figure, Qt.TextElideMode.ElideRight, room)
        painter.drawText(QRect(left, cell.y(), room, line_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, figure)  # fmt: skip
        left += metrics.horizontalAdvance(figure) + s.gap_px // 2
        painter.setFont(theme.font_px(s.small_px))
        painter.setPen(QColor(theme.TEXT_SECONDARY))
        small = QRect(left, cell.y(), max(0, cell.right() - left), line_h)
        rest = painter.fontMetrics().elidedText(rest, Qt.TextElideMode.ElideRight, small.width())
        painter.drawText(small, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, rest)
        top = cell.y() + line_h + 1
        bar_h = max(3, s.gap_px // 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.PANEL_EDGE))
        painter.drawRect(QRectF(cell.x(), top, cell.width(), bar_h))
        x0 = cell.x() + cell.width() * min(span[0], AQI_SCALE) / AQI_SCALE
        x1 = max(cell.x() + cell.width() * min(span[1], AQI_SCALE) / AQI_SCALE, x0 + bar_h)
        painter.setBrush(colour)
        painter.drawRect(QRectF(x0, top, x1 - x0, bar_h))


class ForecastFrame(QFrame):
    """The forecast table in a panel's frame, its title drawn by the table itself (a panel's title row
    would cost the left screen a line it does not have)."""

    def __init__(self, table: ForecastTable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ForecastFrame")
        self.table = table
        gap = theme.current_scale().gap_px
        layout = QVBoxLayout(self)
        layout.setContentsMargins(gap * 2, gap, gap * 2, gap)
        layout.addWidget(table)
        self.setStyleSheet(
            f"QFrame#ForecastFrame {{ background: {theme.PANEL}; border: 1px solid {theme.PANEL_EDGE};"
            " border-radius: 6px; }"
        )
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)

    def needed_height(self) -> int:
        """The height that shows the days and one line of figures whole."""
        return self.table.sizeHint().height() + self._chrome()

    def brief_height(self) -> int:
        """The height of the brief strip's one line (see ForecastTable.set_brief)."""
        return self.table.brief_height() + self._chrome()

    def _chrome(self) -> int:
        margins = self.layout().contentsMargins()  # type: ignore[union-attr]
        border = 2  # the frame's 1 px line, top and bottom
        return margins.top() + margins.bottom() + border
