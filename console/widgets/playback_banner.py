"""What makes a replay impossible to mistake for the present: a loud PLAYBACK banner with the replayed
date, time and speed on every screen, and a wide magenta frame around every window while replaying."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from console.widgets import theme
from console.widgets.playback_words import moment_text, speed_text


class PlaybackBanner(QFrame):
    """A magenta strip across the top of a window: PLAYBACK, the replayed moment in the site's local time
    (UTC+8) with its date and weekday, playing or paused, the speed, and the key back to live. Hidden live.
    """

    def __init__(self, scale: theme.WallScale | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PlaybackBanner")
        self._scale = scale or theme.current_scale()
        s = self._scale
        self._mode = theme.label("", "figure")
        self._moment = theme.label("", "figure")
        self._speed = theme.label("", "strong")
        self._zone = theme.ElidedLabel("", "body")  # the small print: the time zone, not live, the key
        self._hint = theme.ElidedLabel("", "body")
        for part in (self._mode, self._moment, self._speed):  # never shortened: they say what is shown
            part.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self._notes = QWidget()
        notes = QVBoxLayout(self._notes)
        notes.setContentsMargins(0, 0, 0, 0)
        notes.setSpacing(0)
        notes.addWidget(self._zone)
        notes.addWidget(self._hint)
        self._rows = QVBoxLayout(self)  # a second line takes the speed and the notes when one is too narrow
        self._rows.setContentsMargins(s.gap_px * 2, 2, s.gap_px * 2, 2)
        self._rows.setSpacing(0)
        self._first, self._second = QHBoxLayout(), QHBoxLayout()
        for row in (self._first, self._second):
            row.setSpacing(s.gap_px * 2)
            self._rows.addLayout(row)
        self._first.addWidget(self._mode)
        self._first.addWidget(self._moment)
        self._place(two_lines=False)
        self.setStyleSheet(
            f"QFrame#PlaybackBanner {{ background: {theme.PLAYBACK}; }}"
            f" QFrame#PlaybackBanner QLabel {{ color: {theme.BACKGROUND}; font-weight: bold; }}"
            f" QFrame#PlaybackBanner QLabel[role='figure'] {{ font-size: {s.figure_px}px; }}"
            f" QFrame#PlaybackBanner QLabel[role='strong'] {{ font-size: {s.body_px}px; }}"
            f" QFrame#PlaybackBanner QLabel[role='body'] {{ font-size: {s.small_px}px; }}"
        )
        self._zone.set_full_text(self.tr("UTC+8 · not live"))
        self._hint.set_full_text(self.tr("Esc: back to live"))
        self.set_state(0.0, 60.0, False, False)
        self.hide()

    def set_state(self, at: float, speed: float, playing: bool, loading: bool) -> None:
        """The replayed moment (Unix seconds), the speed, playing or paused, and whether a seek loads."""
        mode = self.tr("PLAYBACK")
        words = (f"▶ {mode}" if playing else f"❚❚ {mode} · " + self.tr("paused"),
                 self.tr("loading …") if loading else speed_text(speed))  # fmt: skip
        self._moment.setText(moment_text(at))
        if words != (self._mode.text(), self._speed.text()):
            self._mode.setText(words[0])
            self._speed.setText(words[1])
            self._fit()

    def _place(self, *, two_lines: bool) -> None:
        self._two_lines = two_lines
        row = self._second if two_lines else self._first
        for widget in (self._speed, self._notes):
            (self._first if two_lines else self._second).removeWidget(widget)
        row.addWidget(self._speed)
        row.addWidget(self._notes, 1)
        if two_lines:
            self._first.addStretch(1)

    def _fit(self) -> None:
        """One line when the mode, the moment, the speed and a few words of the notes fit, else two."""
        if not self.isVisible():
            return  # measured once the banner has the window's width (shown and resized)
        spacing = self._first.spacing()
        need = sum(w.sizeHint().width() + spacing for w in (self._mode, self._moment, self._speed))
        need += self._scale.small_px * 8  # the notes may shorten, not vanish
        margins = self._rows.contentsMargins()
        two_lines = need > self.width() - margins.left() - margins.right()
        if two_lines == self._two_lines:
            return
        while self._first.count() > 2:  # the stretch of the two-line arrangement
            self._first.takeAt(2)
        self._place(two_lines=two_lines)

    def minimumSizeHint(self) -> QSize:
        """As narrow as the two-line arrangement can be: a window never grows wider for the banner, which
        takes two lines when one does not fit."""
        hint = super().minimumSizeHint()
        spacing, margins = self._first.spacing(), self._rows.contentsMargins()
        first = self._mode.sizeHint().width() + spacing + self._moment.sizeHint().width()
        second = self._speed.sizeHint().width() + spacing + self._scale.small_px * 8
        return QSize(max(first, second) + margins.left() + margins.right(), hint.height())

    def shows_whole(self) -> bool:
        """Whether the mode, the moment and the speed each show whole (nothing cut)."""
        return all(w.width() >= w.sizeHint().width() for w in (self._mode, self._moment, self._speed))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit()

    def is_two_lines(self) -> bool:
        """Whether the speed and the notes are on a line of their own (a narrow window)."""
        return self._two_lines

    def text(self) -> str:
        """Everything the banner says, as one line (tests, accessibility)."""
        parts = (self._mode.text(), self._moment.text(), self._speed.text(), self._zone.full_text(),
                 self._hint.full_text())  # fmt: skip
        return " · ".join(p for p in parts if p)


class PlaybackFrame(QWidget):
    """A wide magenta frame painted over the edges of its window (clicks pass through it). The window keeps
    its content inside the frame's width (``width``) while it shows."""

    def __init__(self, window: QWidget, width: int | None = None) -> None:
        super().__init__(window)
        self.setObjectName("PlaybackFrame")
        self.width_px = width or max(10, theme.current_scale().gap_px)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() in (QEvent.Type.Resize, QEvent.Type.ChildAdded):
            parent = self.parentWidget()
            if parent is not None:
                self.setGeometry(parent.rect())
            if self.isVisible():
                self.raise_()
        return super().eventFilter(watched, event)

    def set_shown(self, shown: bool) -> None:
        """Show (replaying) or hide (live) the frame, on top of everything in the window."""
        self.setVisible(shown)
        if shown:
            parent = self.parentWidget()
            if parent is not None:
                self.setGeometry(parent.rect())
            self.raise_()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        colour = QColor(theme.PLAYBACK)
        w, r = self.width_px, self.rect()
        for edge in (
            QRect(0, 0, r.width(), w),
            QRect(0, r.height() - w, r.width(), w),
            QRect(0, 0, w, r.height()),
            QRect(r.width() - w, 0, w, r.height()),
        ):
            painter.fillRect(edge, colour)
        painter.end()
