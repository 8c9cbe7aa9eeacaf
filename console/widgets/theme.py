"""Sizes from viewing geometry, the console palette, AQI colours and the Qt/pyqtgraph theme."""

from __future__ import annotations

import html
import logging
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QWidget,
)

from console.core.aqi import Category, category_of

# Visual angle of one character, in arc-minutes, behind each size of the legibility table.
_ARCMIN = {"small": 17.9, "body": 22.35, "figure": 27.8, "title": 33.25, "headline": 62.7}

# Palette: dark, calm; colour is reserved for the abnormal (ISA-101).
BACKGROUND = "#0B1220"  # deep navy window background
PANEL = "#111A2B"  # panel fill
PANEL_EDGE = "#24324A"  # panel frame and separators
GRID = "#1E2A40"  # chart grid lines
TEXT = "#E8EDF4"  # primary text, 15.9:1 on the background
TEXT_SECONDARY = "#A9B4C6"  # secondary text, 8.9:1
OFFLINE = "#8B95A5"  # offline / no data (grey, always with an icon or a word)
AMBER = "#F5A524"  # stale, fault, reconnecting: abnormal but not AQI
ALERT = "#FF6B5E"  # alarm, critical, connection lost: abnormal but not AQI
FOCUS = "#22D3EE"  # cyan: selection and keyboard focus only
PLAYBACK = "#E040FB"  # magenta: a replay of the past (banner, window frame) and nothing else, never live
OUTLINE = "#E8EDF4"  # light outline around AQI chips (purple and maroon are < 3:1 on navy)
# Okabe-Ito for multi-line charts, with sky blue in place of its dark blue and light grey for black.
SERIES = ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442", "#D55E00", "#D0D0D0")

LOCAL_TZ = timezone(timedelta(hours=8))  # the command centre's local time (China, no DST)
_FAMILY = "Noto Sans CJK SC"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WallScale:
    """Pixel sizes of text for a tile size and viewing distance (≈ 18–63 arc-minutes per character).

    The pixel pitch of the tile (16:9) and the viewing distance give the visual angle of a pixel; each
    role has a fixed visual angle, so 46" tiles come out ×1.2 and 65" tiles ×0.85 of 55" ones.
    """

    tile_diagonal_in: float = 55
    viewing_distance_m: float = 4.0
    tile_height_px: int = 1080

    @classmethod
    def desk(cls) -> WallScale:
        """A 24" 1080p desk monitor seen from 65 cm (body text ≈ 15 px)."""
        return cls(tile_diagonal_in=24, viewing_distance_m=0.65, tile_height_px=1080)

    def shared_by(self, views: int) -> WallScale:
        """The scale when ``views`` views share one tile side by side: text a little under 1/``views`` as
        large (the views' frames and gaps need room too), as if the viewers stood that much closer, but
        never smaller than desk text (three views on one 1080p screen)."""
        if views <= 1:
            return self
        shared = replace(self, viewing_distance_m=self.viewing_distance_m / (views * 1.1))
        desk = WallScale.desk()
        return desk if shared.body_px < desk.body_px else shared

    @property
    def pixel_pitch_mm(self) -> float:
        """Height of one pixel of the tile in millimetres."""
        height_in = self.tile_diagonal_in * 9 / math.hypot(16, 9)
        return height_in * 25.4 / self.tile_height_px

    def px_for_arcmin(self, arcmin: float) -> int:
        """Pixels that subtend `arcmin` arc-minutes at the viewing distance."""
        size_mm = 2 * self.viewing_distance_m * 1000 * math.tan(math.radians(arcmin / 60) / 2)
        return round(size_mm / self.pixel_pitch_mm)

    @property
    def small_px(self) -> int:
        """The smallest readable text (axis ticks, units, secondary notes): the table's minimum body."""
        return self.px_for_arcmin(_ARCMIN["small"])

    @property
    def body_px(self) -> int:
        """Body text (the table's preferred body size)."""
        return self.px_for_arcmin(_ARCMIN["body"])

    @property
    def figure_px(self) -> int:
        """Figures that matter (values in tiles and tables)."""
        return self.px_for_arcmin(_ARCMIN["figure"])

    @property
    def title_px(self) -> int:
        """Panel titles."""
        return self.px_for_arcmin(_ARCMIN["title"])

    @property
    def headline_px(self) -> int:
        """Headline numbers (city AQI)."""
        return self.px_for_arcmin(_ARCMIN["headline"])

    @property
    def gap_px(self) -> int:
        """Spacing between and inside panels."""
        return max(4, round(self.body_px * 0.4))


_current = WallScale()


def current_scale() -> WallScale:
    """The scale passed to the last apply_theme() (55" at 4 m before that)."""
    return _current


def font_px(px: int, *, bold: bool = False) -> QFont:
    """The console font at a pixel size; painted text follows the application font (its stretch and
    spacing too), so what a layout measures in labels is what a painter draws."""
    font = QFont(QApplication.font()) if QApplication.instance() is not None else QFont()
    if _has_cjk_font():
        font.setFamily(_FAMILY)
    font.setPixelSize(max(1, px))
    font.setBold(bold)
    return font


def contrast_ratio(fg: str | QColor, bg: str | QColor) -> float:
    """WCAG contrast ratio of two colours (1–21)."""
    lf, lb = _luminance(QColor(fg)), _luminance(QColor(bg))
    return (max(lf, lb) + 0.05) / (min(lf, lb) + 0.05)


def _luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())
    )


def aqi_category(aqi: float) -> Category:
    """HJ 633 category of an AQI or IAQI value."""
    return category_of(aqi)


def aqi_colour(aqi: float) -> QColor:
    """HJ 633 colour of an AQI or IAQI value."""
    return QColor(*category_of(aqi).colour)


def chip_text_colour(level: int) -> QColor:
    """Text colour that reads on the HJ 633 colour of a level (dark on 1–4, white on purple/maroon)."""
    return QColor(BACKGROUND) if level <= 4 else QColor("#FFFFFF")


def category_word(level: int) -> str:
    """Translated full name of an AQI category (优, 良, 轻度污染 …)."""
    words = {
        1: QCoreApplication.translate("AqiCategory", "Excellent"),
        2: QCoreApplication.translate("AqiCategory", "Good"),
        3: QCoreApplication.translate("AqiCategory", "Lightly polluted"),
        4: QCoreApplication.translate("AqiCategory", "Moderately polluted"),
        5: QCoreApplication.translate("AqiCategory", "Heavily polluted"),
        6: QCoreApplication.translate("AqiCategory", "Severely polluted"),
    }
    return words[level]


def category_short(level: int) -> str:
    """Translated short name of an AQI category for tight rows (优, 良, 轻度, 中度, 重度, 严重)."""
    words = {
        1: QCoreApplication.translate("AqiCategoryShort", "Excellent"),
        2: QCoreApplication.translate("AqiCategoryShort", "Good"),
        3: QCoreApplication.translate("AqiCategoryShort", "Light"),
        4: QCoreApplication.translate("AqiCategoryShort", "Moderate"),
        5: QCoreApplication.translate("AqiCategoryShort", "Heavy"),
        6: QCoreApplication.translate("AqiCategoryShort", "Severe"),
    }
    return words[level]


def local_time(ts: float) -> datetime:
    """A Unix timestamp (UTC seconds) as the command centre's local time (UTC+8)."""
    return datetime.fromtimestamp(ts, LOCAL_TZ)


def set_role(widget: QWidget, name: str, value: str) -> None:
    """Set a style property (role, state) and re-apply the stylesheet when it changed."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def label(text: str, role: str = "body", *, rich: bool = False) -> QLabel:
    """A QLabel with a style role: body, strong, secondary, small, compact(_strong), figure, title, headline.

    small is secondary text at the minimum size; compact is primary text at that size (dense tables).
    The text is plain (what operators and the network send is shown as typed, never as markup) unless
    ``rich``: markup the console itself builds.
    """
    widget = QLabel(text)
    widget.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    set_role(widget, "role", role)
    return widget


def plain_tip(text: str) -> str:
    """A tooltip that shows ``text`` as typed: Qt guesses whether a tooltip is markup, so the text goes
    escaped inside markup of its own (an empty text stays empty: no tooltip)."""
    if not text:
        return ""
    return "<span>" + html.escape(text).replace("\n", "<br>") + "</span>"


class ElidedLabel(QLabel):
    """A one-line label that ends in … when its text does not fit; the full text is its tooltip.

    Its natural width never widens a layout (the width policy is Ignored): it takes the room it is given.
    """

    def __init__(self, text: str = "", role: str = "body") -> None:
        super().__init__()
        self._full = text
        self.setTextFormat(Qt.TextFormat.PlainText)
        set_role(self, "role", role)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        """Set the text (elided to the label's width)."""
        self._full = text
        self.setToolTip(plain_tip(text))
        self._elide()

    def full_text(self) -> str:
        """The text before eliding."""
        return self._full

    def natural_width(self) -> int:
        """Pixels the whole text needs in the label's (polished) font."""
        self.ensurePolished()
        return QFontMetrics(self.font()).horizontalAdvance(self._full) + 2 * self.margin()

    def sizeHint(self) -> QSize:
        """The whole text's size (a layout that heeds the hint shows it all when there is room)."""
        hint = super().sizeHint()
        return QSize(self.natural_width() + self.contentsMargins().left() + self.contentsMargins().right(),
                     hint.height())  # fmt: skip

    def minimumSizeHint(self) -> QSize:
        """Room for "…" only: whatever the text, the label never holds a layout wider."""
        hint = super().minimumSizeHint()
        return QSize(QFontMetrics(self.font()).horizontalAdvance("…"), hint.height())

    def is_elided(self) -> bool:
        """Whether the text shown is shortened."""
        return self.text() != self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._elide()  # a role's font size arrives with the stylesheet

    def _elide(self) -> None:
        width = max(self.contentsRect().width(), 10)
        self.setText(QFontMetrics(self.font()).elidedText(self._full, Qt.TextElideMode.ElideRight, width))


class ElidedButton(QPushButton):
    """A push button whose words end in … when the button is narrow; ``keep`` (a count, say) stays whole
    after them. Its natural width never widens a layout; the full text is its tooltip."""

    def __init__(self, text: str = "", keep: str = "") -> None:
        super().__init__()
        policy = self.sizePolicy()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, policy.verticalPolicy())
        self.set_full_text(text, keep)

    def set_full_text(self, text: str, keep: str = "") -> None:
        """Words (elided when narrow) and a part that always shows whole after them."""
        self._words, self._keep = text, keep
        self.setToolTip(plain_tip(self.full_text()))
        self._elide()

    def full_text(self) -> str:
        """The text before eliding."""
        return self._words + self._keep

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        self.ensurePolished()
        keep = QFontMetrics(self.font()).horizontalAdvance(f"…{self._keep}")
        return QSize(keep + self._padding(), hint.height())

    def _padding(self) -> int:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = ""
        empty = self.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, option, QSize(0, 0), self)
        return empty.width()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._elide()

    def _elide(self) -> None:
        metrics = QFontMetrics(self.font())
        room = max(self.width() - self._padding() - metrics.horizontalAdvance(self._keep), 0)
        words = metrics.elidedText(self._words, Qt.TextElideMode.ElideRight, room) if self._words else ""
        self.setText(words + self._keep)


class WrappedLabel(QLabel):
    """A label whose words wrap onto more lines when it is narrow; it asks for the height that takes,
    since a wrapped label's height for its width does not always reach the window through the layouts."""

    def __init__(self, text: str = "", role: str = "body") -> None:
        super().__init__(text)
        self.setTextFormat(Qt.TextFormat.PlainText)
        set_role(self, "role", role)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit_height()

    def _fit_height(self) -> None:
        self.ensurePolished()
        before = self.minimumHeight()
        self.setMinimumHeight(0)  # else the label answers with its current minimum
        need = self.heightForWidth(max(self.width(), 1)) if self.text() else 0
        self.setMinimumHeight(need if need > 0 else before)


def tight_height(widget: QWidget, px: int) -> None:
    """Fix a one-line widget's height to 1.3 × its text size (the CJK font's own line is 1.45 em)."""
    widget.setFixedHeight(round(px * 1.3))


_cjk_font: bool | None = None  # whether _FAMILY is installed; looked up once a QApplication exists


def _has_cjk_font() -> bool:
    global _cjk_font
    if _cjk_font is None and QApplication.instance() is not None:
        _cjk_font = _FAMILY in QFontDatabase.families()
        if not _cjk_font:
            log.warning("font %s is not installed: Chinese text may show as boxes (fonts-noto-cjk)", _FAMILY)
    return bool(_cjk_font)


def stylesheet(scale: WallScale) -> str:
    """The console's QSS for a scale: roles (title, figure, headline, secondary, small) and states."""
    s = scale
    return f"""
    QMainWindow, QDialog {{ background: {BACKGROUND}; }}
    QWidget {{ color: {TEXT}; }}
    QLabel {{ background: transparent; }}
    QLabel[role="secondary"] {{ color: {TEXT_SECONDARY}; }}
    QLabel[role="small"] {{ color: {TEXT_SECONDARY}; font-size: {s.small_px}px; }}
    QLabel[role="strong"] {{ font-weight: bold; }}
    QLabel[role="compact"] {{ font-size: {s.small_px}px; }}
    QLabel[role="compact_strong"] {{ font-size: {s.small_px}px; font-weight: bold; }}
    QLabel[role="figure"] {{ font-size: {s.figure_px}px; font-weight: bold; }}
    QLabel[role="title"] {{ font-size: {s.title_px}px; font-weight: bold; }}
    QLabel[role="headline"] {{ font-size: {s.headline_px}px; font-weight: bold; }}
    QLabel[state="stale"] {{ color: {AMBER}; }}
    QLabel[state="offline"] {{ color: {OFFLINE}; }}
    QLabel[state="alert"] {{ color: {ALERT}; }}
    QLabel[state="dim"] {{ color: {TEXT_SECONDARY}; }}
    QToolTip {{ background: {PANEL}; color: {TEXT}; border: 1px solid {PANEL_EDGE}; }}
    """


def apply_theme(app: QApplication, scale: WallScale | None = None) -> WallScale:
    """Theme the application: font, stylesheet and pyqtgraph defaults; returns the scale in use.

    Call after the QApplication exists and before building widgets: layouts, plots and chips take their
    sizes from the scale when they are created (painted text reads it at every paint).
    """
    global _current
    _current = scale or WallScale()
    app.setFont(font_px(_current.body_px))
    app.setStyleSheet(stylesheet(_current))
    pg.setConfigOptions(background=BACKGROUND, foreground=TEXT_SECONDARY, antialias=False)
    return _current
