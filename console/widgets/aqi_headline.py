"""The city's AQI now: the number, its category (word, level and colour chip) and the six pollutants."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QBoxLayout, QFrame, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from console.core.aqi import POLLUTANTS
from console.widgets import theme

# Pollutant -> (unit, decimals) as the tiles show them (CO in mg/m³).
_UNITS: dict[str, tuple[str, int]] = {p: ("µg/m³", 0) for p in POLLUTANTS} | {"CO": ("mg/m³", 1)}


class LevelChip(QWidget):
    """A rounded chip in an HJ 633 colour with the level number and a light outline (grey when empty)."""

    def __init__(self, parent: QWidget | None = None, *, size_px: int | None = None) -> None:
        super().__init__(parent)
        self._level: int | None = None
        self._size_px = size_px
        side = self._side()
        self.setFixedSize(QSize(side, side))

    def _side(self) -> int:
        return self._size_px or round(theme.current_scale().title_px * 1.25)

    def level(self) -> int | None:
        """The level shown (1–6), None when empty."""
        return self._level

    def set_level(self, level: int | None) -> None:
        """Show level 1–6 in its colour, or an empty grey chip."""
        self._level = level
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        radius = rect.height() * 0.18
        if self._level is None:
            painter.setPen(QPen(QColor(theme.OFFLINE), 2, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, radius, radius)
            return
        painter.setPen(QPen(QColor(theme.OUTLINE), 2))
        painter.setBrush(theme.aqi_colour(_LEVEL_AQI[self._level]))
        painter.drawRoundedRect(rect, radius, radius)
        painter.setPen(theme.chip_text_colour(self._level))
        painter.setFont(theme.font_px(round(rect.height() * 0.62), bold=True))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(self._level))


# One AQI value inside each level, to look its colour up through console.core.aqi.
_LEVEL_AQI = {1: 25, 2: 75, 3: 125, 4: 175, 5: 250, 6: 350}


class PollutantTile(QFrame):
    """One pollutant: name and IAQI (with a small level chip) over the concentration and its unit."""

    def __init__(self, pollutant: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pollutant = pollutant
        self.setObjectName("PollutantTile")
        self.setStyleSheet(f"QFrame#PollutantTile {{ border-top: 1px solid {theme.PANEL_EDGE}; }}")
        scale = theme.current_scale()
        self._name = theme.label(pollutant, "secondary")
        self._iaqi = theme.label("", "small")
        self._chip = LevelChip(size_px=round(scale.small_px * 0.9))
        self._value = theme.label("", rich=True)  # the number and its unit, in markup built here
        theme.tight_height(self._name, scale.body_px)  # lines as tall as their text, no taller
        theme.tight_height(self._iaqi, scale.body_px)
        theme.tight_height(self._value, scale.figure_px)
        top = _row(self._name)
        top.addWidget(self._iaqi)
        top.addWidget(self._chip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, scale.gap_px // 2, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self._value)
        self.set_values(None, None)

    def set_values(self, conc: float | None, iaqi: int | None) -> None:
        """Concentration (µg/m³, CO mg/m³) and IAQI; None shows a dash."""
        unit, decimals = _UNITS[self.pollutant]
        scale = theme.current_scale()
        number = "—" if conc is None else f"{conc:.{decimals}f}"
        # One rich-text label, so the number and its unit share a baseline.
        self._value.setText(
            f'<span style="font-size:{scale.figure_px}px; font-weight:bold">{number}</span>'
            f'&nbsp;<span style="font-size:{scale.small_px}px; color:{theme.TEXT_SECONDARY}">{unit}</span>'
        )
        self._value_plain = f"{number} {unit}"
        self._iaqi.setText("IAQI {}".format("—" if iaqi is None else iaqi))
        self._chip.set_level(None if iaqi is None else theme.aqi_category(iaqi).level)

    def texts(self) -> tuple[str, str, str]:
        """(name, value with unit, IAQI) as shown."""
        return self._name.text(), self._value_plain, self._iaqi.text()


class AqiHeadline(QWidget):
    """The city AQI headline: number, level chip, category word, primary pollutants and six tiles.

    Static on purpose: no animation or count-up when the value changes.
    """

    def __init__(self, parent: QWidget | None = None, *, wide: bool = False) -> None:
        super().__init__(parent)
        self._wide = wide  # wide: the six tiles beside the number (a whole 16:9 screen), else below it
        self._number = theme.label("—", "headline")
        theme.tight_height(self._number, round(theme.current_scale().headline_px * 0.92))  # digits only
        self._caption = theme.WrappedLabel(self.tr("AQI"), "small")
        self._chip = LevelChip()
        self._word = theme.label(self.tr("No data"), "title")
        self._primary = theme.label("", "secondary")
        for words in (self._word, self._primary):  # long words (Severely polluted) wrap, never widen a screen
            words.setWordWrap(True)
        self._tiles = {p: PollutantTile(p) for p in POLLUTANTS}
        self._build_layout()

    def _build_layout(self) -> None:
        gap = theme.current_scale().gap_px
        layout = QHBoxLayout(self) if self._wide else QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(gap * 3 if self._wide else gap * 2)
        self._spacing = layout.spacing()
        layout.addLayout(self._top_layout(gap))
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(gap * 3)
        self._grid.setVerticalSpacing(gap)
        self._columns = 0
        self._place_tiles(3)
        layout.addLayout(self._grid, 1 if self._wide else 0)
        if not self._wide:
            layout.addStretch(1)

    def _top_layout(self, gap: int) -> QBoxLayout:
        self._number_box = QVBoxLayout()
        self._number_box.setSpacing(0)
        self._number_box.addWidget(self._number)
        self._number_box.addWidget(self._caption)
        self._category_box = QVBoxLayout()
        self._category_box.setSpacing(gap)
        self._category_box.addLayout(_row(self._chip, self._word))
        self._category_box.addWidget(self._primary)
        self._top = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._top.setSpacing(gap * 4)
        self._top.addLayout(self._number_box)
        self._top.addLayout(self._category_box, 1)
        return self._top

    # -- arrangement: whole figures first ------------------------------------------------------------------

    def _place_tiles(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for i, tile in enumerate(self._tiles.values()):
            self._grid.removeWidget(tile)
            self._grid.addWidget(tile, i // columns, i % columns)

    def tile_columns(self) -> int:
        """How many pollutant tiles stand side by side (3, fewer when the figures need the room)."""
        return self._columns

    def _tiles_width(self, columns: int) -> int:
        widest = max(tile.minimumSizeHint().width() for tile in self._tiles.values())
        return columns * widest + (columns - 1) * self._grid.horizontalSpacing()

    def _top_width(self, side_by_side: bool, wrapped: bool = False) -> int:
        number, category = self._number_box.minimumSize().width(), self._category_width(wrapped)
        return number + self._top.spacing() + category if side_by_side else max(number, category)

    def _category_width(self, wrapped: bool = False) -> int:
        # the category word on one line beside its chip (a word per line would push the panels below
        # off the screen) unless ``wrapped``: a word per line where the tiles beside it are taller anyway;
        # the primary pollutants wrap under it
        self._word.ensurePolished()
        metrics = self._word.fontMetrics()
        text = self._word.text()
        words = text.split() if wrapped else [text]
        word = max(map(metrics.horizontalAdvance, words), default=0)
        row = self._chip.width() + theme.current_scale().gap_px + word + 2
        self._primary.ensurePolished()
        primary = self._primary.fontMetrics().horizontalAdvance(self._primary.text())
        return max(row, primary // 2 + 2, self._category_box.minimumSize().width())  # on two lines at most

    def _tiles_height(self, columns: int) -> int:
        rows = -(-len(self._tiles) // columns)
        tallest = max(tile.minimumSizeHint().height() for tile in self._tiles.values())
        return rows * tallest + (rows - 1) * self._grid.verticalSpacing()

    def _top_height(self, side_by_side: bool, wrapped: bool = False) -> int:
        number = self._number_box.minimumSize().height()
        width = self._category_width(wrapped)
        box = self._category_box
        category = box.totalHeightForWidth(width) if box.hasHeightForWidth() else box.minimumSize().height()
        return max(number, category) if side_by_side else number + self._top.spacing() + category

    def _fit(self) -> None:
        """The arrangement that fits the width in the least height: the category beside the number or under
        it, the tiles beside them in three columns or two; else the category under the number and the tiles
        in one. A number never shrinks: the words and tiles move instead."""
        if not self._wide:
            self._place_tiles(next((n for n in (3, 2) if self._tiles_width(n) <= self.width()), 1))
            return
        room = self.width() - self._spacing
        # (category beside the number, its word may wrap, tile columns)
        options = [(True, False, 3), (True, True, 3), (False, False, 3), (True, False, 2), (False, False, 2)]
        fitting = [o for o in options if self._top_width(o[0], o[1]) + self._tiles_width(o[2]) <= room]
        side_by_side, _wrapped, columns = min(
            fitting,
            key=lambda o: max(self._top_height(o[0], o[1]), self._tiles_height(o[2])),
            default=(False, False, 1),
        )
        direction = QBoxLayout.Direction.LeftToRight if side_by_side else QBoxLayout.Direction.TopToBottom
        if self._top.direction() != direction:
            self._top.setDirection(direction)
            gap = theme.current_scale().gap_px
            self._top.setSpacing(gap * 4 if side_by_side else gap)  # a column under the number: close
        self._place_tiles(columns)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def minimumSizeHint(self) -> QSize:
        """Narrow enough for the number over the words and the tiles in one column, whatever the font."""
        hint = super().minimumSizeHint()
        if self._wide:
            width = self._top_width(False) + self._spacing + self._tiles_width(1)
        else:
            width = max(self._top_width(False), self._tiles_width(1))
        return QSize(width, hint.height())

    def set_city(
        self,
        aqi: int | None,
        primary: tuple[str, ...],
        iaqi: dict[str, int],
        conc: dict[str, float],
        ts: float,
    ) -> None:
        """Show the city AQI (None: no data), its primary pollutants, per-pollutant IAQI and concentration
        (keys PM2.5 PM10 SO2 NO2 CO O3; µg/m³, CO mg/m³) of the hour starting at `ts` (Unix seconds, the
        hub's AQI_H stamp); the caption names the hour as a period, 13:00–14:00."""
        level = None if aqi is None else theme.aqi_category(aqi).level
        self._number.setText("—" if aqi is None else str(aqi))
        self._chip.set_level(level)
        self._word.setText(self.tr("No data") if level is None else theme.category_word(level))
        start, end = theme.local_time(ts), theme.local_time(ts + 3600)
        self._caption.setText(
            self.tr("AQI · {start}–{end}").format(start=f"{start:%H:00}", end=f"{end:%H:00}")
        )
        self._primary.setText(self._primary_text(aqi, primary))
        for pollutant, tile in self._tiles.items():
            tile.set_values(conc.get(pollutant), iaqi.get(pollutant))
        self._fit()  # longer figures may need fewer columns

    def _primary_text(self, aqi: int | None, primary: tuple[str, ...]) -> str:
        if aqi is None:
            return ""
        if not primary:
            return self.tr("Primary pollutant: none")
        return self.tr("Primary pollutant: {names}").format(names=", ".join(primary))

    def texts(self) -> dict[str, str]:
        """What a reader sees: number, level, category word, primary pollutants and caption."""
        level = self._chip.level()
        return {
            "number": self._number.text(),
            "level": "" if level is None else str(level),
            "category": self._word.text(),
            "primary": self._primary.text(),
            "caption": self._caption.text(),
        }

    def tile(self, pollutant: str) -> PollutantTile:
        """The tile of one pollutant."""
        return self._tiles[pollutant]


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(theme.current_scale().gap_px)
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row
