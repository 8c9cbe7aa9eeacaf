"""What makes a replay impossible to mistake for the present: a loud PLAYBACK banner with the replayed
date, time and speed on every screen, and a wide magenta frame around every window while replaying."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
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
        notes = QVBoxLayout()
        notes.setSpacing(0)
        notes.addWidget(self._zone)
        notes.addWidget(self._hint)
        row = QHBoxLayout(self)
        row.setContentsMargins(s.gap_px * 2, 2, s.gap_px * 2, 2)
        row.setSpacing(s.gap_px * 2)
        row.addWidget(self._mode)
        row.addWidget(self._moment)
        row.addWidget(self._speed)
        row.addLayout(notes, 1)
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
        self._mode.setText(f"▶ {mode}" if playing else f"❚❚ {mode} · " + self.tr("paused"))
        self._moment.setText(moment_text(at))
        self._speed.setText(self.tr("loading …") if loading else speed_text(speed))

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
