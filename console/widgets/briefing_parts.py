"""Dumb parts of the briefing pages: a headline figure card, an AQI level card, a table, a plain message,
a bar of days by level and the page's header and footer. Setters in; no signals (the briefing only reads).

Sizes come from the roles of the briefing screen's stylesheet (see console/views/briefing.py), which are
the leaders' sizes: text for 4–6 m.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from console.core.aqi import CATEGORY_BY_LEVEL
from console.widgets import theme

_SCALE: theme.WallScale | None = None


def use_scale(scale: theme.WallScale | None) -> None:
    """The sizes the parts built from now on take (the leaders' sizes; None: the wall's)."""
    global _SCALE
    _SCALE = scale


def _scale() -> theme.WallScale:
    return _SCALE or theme.current_scale()


def _frame(widget: QFrame) -> None:
    widget.setObjectName("briefingPart")
    widget.setStyleSheet(
        f"QFrame#briefingPart {{ background: {theme.PANEL}; border: 1px solid {theme.PANEL_EDGE}; }}"
    )


class FigureCard(QFrame):
    """A caption, one large figure with its unit, and lines under it (last year's figure, a change)."""

    def __init__(
        self, caption: str, value: str, unit: str = "", notes: Sequence[str] = (), *, big: bool = True
    ):
        super().__init__()
        _frame(self)
        gap = _scale().gap_px
        layout = QVBoxLayout(self)
        layout.setContentsMargins(gap * 3, gap * 2, gap * 3, gap * 2)
        layout.setSpacing(gap)
        self.caption = theme.WrappedLabel(caption, "title")
        layout.addWidget(self.caption)
        row = QHBoxLayout()
        row.setSpacing(gap * 2)
        self.value = theme.label(value, "headline" if big else "figure")
        self.value.setObjectName("figureValue")
        row.addWidget(self.value, 0, Qt.AlignmentFlag.AlignBottom)
        self.unit = theme.label(unit, "body")
        row.addWidget(self.unit, 0, Qt.AlignmentFlag.AlignBottom)
        row.addStretch(1)
        layout.addLayout(row)
        self.notes = [theme.WrappedLabel(text, "body") for text in notes]
        for note in self.notes:
            layout.addWidget(note)
        layout.addStretch(1)


class LevelCard(QFrame):
    """An AQI value (or only a level) with the HJ 633 colour chip and the category word beside it."""

    def __init__(
        self, caption: str, aqi: int | None, level: int | None, word: str, notes: Sequence[str] = ()
    ):
        super().__init__()
        _frame(self)
        gap = _scale().gap_px
        layout = QVBoxLayout(self)
        layout.setContentsMargins(gap * 3, gap * 2, gap * 3, gap * 2)
        layout.setSpacing(gap)
        layout.addWidget(theme.WrappedLabel(caption, "title"))
        row = QHBoxLayout()
        row.setSpacing(gap * 2)
        self.value = theme.label("—" if aqi is None else str(aqi), "headline")
        self.value.setObjectName("figureValue")
        row.addWidget(self.value, 0, Qt.AlignmentFlag.AlignVCenter)
        self.chip = LevelChip(level, word)
        row.addWidget(self.chip, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addStretch(1)
        if aqi is None and level is not None:
            self.value.hide()
        layout.addLayout(row)
        for text in notes:
            layout.addWidget(theme.WrappedLabel(text, "body"))
        layout.addStretch(1)


class LevelChip(QWidget):
    """The category word on its HJ 633 colour, with a light outline (purple and maroon on navy)."""

    def __init__(self, level: int | None, word: str) -> None:
        super().__init__()
        self.level, self.word = level, word
        scale = _scale()
        self._font = theme.font_px(scale.title_px, bold=True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        metrics = QFontMetrics(self._font)
        self.setFixedSize(metrics.horizontalAdvance(word) + scale.title_px, round(scale.title_px * 1.6))
        self.setAccessibleName(word)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        fill = QColor(*CATEGORY_BY_LEVEL[self.level].colour) if self.level else QColor(theme.PANEL_EDGE)
        painter.setPen(QPen(QColor(theme.OUTLINE), 2))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 8, 8)
        painter.setFont(self._font)
        painter.setPen(theme.chip_text_colour(self.level) if self.level else QColor(theme.TEXT))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.word)


class Table(QFrame):
    """A caption and rows of cells. Text columns (the first, and those in ``elide`` with their share of the
    room) end in … when narrow; the other columns are figures, right-aligned and always whole. Rows in
    ``alert_rows`` have their last cell (how late) in the alert colour."""

    def __init__(
        self,
        caption: str,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        note: str = "",
        strong_first: bool = False,
        alert_rows: Sequence[int] = (),
        elide: dict[int, int] | None = None,
    ) -> None:
        super().__init__()
        _frame(self)
        gap = _scale().gap_px
        layout = QVBoxLayout(self)
        layout.setContentsMargins(gap * 3, gap * 2, gap * 3, gap * 2)
        layout.setSpacing(gap)
        layout.addWidget(theme.WrappedLabel(caption, "title"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(gap * 3)
        grid.setVerticalSpacing(0)  # the font's own line (1.45 em) leaves room enough
        self.cells: list[list[QWidget]] = []
        stretch = {0: 1, **(elide or {})}
        for column, text in enumerate(header):
            cell = self._cell(text, column in stretch, "secondary")
            grid.addWidget(cell, 0, column)
        for r, row in enumerate(rows, 1):
            cells = []
            for column, text in enumerate(row):
                role = "strong" if strong_first and column == 0 else "body"
                cell = self._cell(text, column in stretch, role)
                if r - 1 in alert_rows and column == len(row) - 1:  # the late figure, not the whole row
                    theme.set_role(cell, "state", "alert")
                grid.addWidget(cell, r, column)
                cells.append(cell)
            self.cells.append(cells)
        for column, share in stretch.items():
            grid.setColumnStretch(column, share)
        layout.addLayout(grid)
        if note:
            layout.addWidget(theme.WrappedLabel(note, "secondary"))
        layout.addStretch(1)

    @staticmethod
    def _cell(text: str, words: bool, role: str) -> QWidget:
        if words:
            return theme.ElidedLabel(text, role)
        cell = theme.label(text, role)
        cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return cell


class Message(QFrame):
    """A caption and a plain sentence: what is missing, said in words rather than zeros."""

    def __init__(self, caption: str, text: str, detail: str = "") -> None:
        super().__init__()
        _frame(self)
        gap = _scale().gap_px
        layout = QVBoxLayout(self)
        layout.setContentsMargins(gap * 3, gap * 2, gap * 3, gap * 2)
        layout.setSpacing(gap * 2)
        layout.addWidget(theme.WrappedLabel(caption, "title"))
        layout.addStretch(1)
        self.text = theme.WrappedLabel(text, "figure")
        self.text.setObjectName("briefingMessage")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.text)
        if detail:
            more = theme.WrappedLabel(detail, "body")
            more.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(more)
        layout.addStretch(2)


class LevelDays(QFrame):
    """Days by AQI level as rows: chip with the word, then the count now and the count a year before."""

    def __init__(self, caption: str, header: Sequence[str], rows: Sequence[tuple[int, str, str, str]]):
        super().__init__()
        _frame(self)
        gap = _scale().gap_px
        layout = QVBoxLayout(self)
        layout.setContentsMargins(gap * 3, gap * 2, gap * 3, gap * 2)
        layout.setSpacing(gap)
        layout.addWidget(theme.WrappedLabel(caption, "title"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(gap * 3)
        grid.setVerticalSpacing(0)  # the font's own line (1.45 em) leaves room enough
        for column, text in enumerate(header):
            cell = theme.label(text, "secondary")
            if column:
                cell.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(cell, 0, column)
        for r, (level, word, now, before) in enumerate(rows, 1):
            grid.addWidget(SmallChip(level, word), r, 0)
            for column, text in ((1, now), (2, before)):
                cell = theme.label(text, "figure" if column == 1 else "body")
                cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                grid.addWidget(cell, r, column)
        grid.setColumnStretch(0, 1)
        layout.addLayout(grid)
        layout.addStretch(1)


class SmallChip(LevelChip):
    """A level chip at body size, for table rows."""

    def __init__(self, level: int, word: str) -> None:
        QWidget.__init__(self)
        self.level, self.word = level, word
        scale = _scale()
        self._font = theme.font_px(scale.body_px, bold=True)
        metrics = QFontMetrics(self._font)
        self.setFixedSize(metrics.horizontalAdvance(word) + scale.body_px, round(scale.body_px * 1.45))
        self.setAccessibleName(word)


class PageBar(QWidget):
    """The line along the bottom of a briefing screen: the page's title, when its figures were taken (or,
    in amber, that live data has changed since), the presenter's state and the page indicator."""

    def __init__(self) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(_scale().gap_px * 3)
        self.title = theme.label("", "strong")
        self.title.setObjectName("pageTitle")
        self.when: theme.ElidedLabel = theme.ElidedLabel("", "secondary")
        self.when.setObjectName("pageWhen")
        self.state = theme.label("", "body")
        self.state.setObjectName("presenterState")
        theme.set_role(self.state, "state", "stale")
        self.indicator = theme.label("", "body")
        self.indicator.setObjectName("pageIndicator")
        row.addWidget(self.title, 0)
        row.addWidget(self.when, 1)
        row.addWidget(self.state, 0)
        row.addWidget(self.indicator, 0)
        self._when = ""
        self._badge = ""

    def set_title(self, title: str, when: str) -> None:
        self.title.setText(title)
        self._when = when
        self._show_when()

    def set_badge(self, text: str) -> None:
        """The "live data has changed" badge ("" when the snapshot is current): it takes the place of the
        snapshot's time, in amber."""
        self._badge = text
        self._show_when()

    def badge(self) -> str:
        return self._badge

    def set_state(self, text: str, indicator: str) -> None:
        self.state.setText(text)
        self.state.setVisible(bool(text))
        self.indicator.setText(indicator)

    def _show_when(self) -> None:
        self.when.set_full_text(self._badge or self._when)
        theme.set_role(self.when, "state", "stale" if self._badge else "")
        theme.set_role(self.when, "role", "body" if self._badge else "secondary")
