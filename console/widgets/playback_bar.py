"""The replay controls: a timeline of the whole range (data, pollution episodes, incidents, the moment
shown) and the buttons and keys that play, step, jump, seek, change speed and go back to live.

Dumb widgets: the state comes in through setters, the operator's intents go out as ``*_requested``
signals; a view-model decides what they do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from console.widgets import theme
from console.widgets.playback_timeline import Timeline
from console.widgets.playback_words import (
    DAY_S,
    HOUR_S,
    SPEEDS,
    TimeInputError,
    moment_text,
    parse_local_time,
    speed_text,
)

DETAIL_S = 7 * DAY_S  # what the detail strip shows
DETAIL_OVER_S = 14 * DAY_S  # ranges longer than this get the detail strip


class PlaybackKeys(QObject):
    """The replay's keys on one window: space play/pause, Left/Right step, Shift ±1 h, Ctrl ±1 d,
    Home/End, +/- speed, Esc or L back to live. A text field being typed in keeps its own keys.

    Signals:
        toggle_requested(): play or pause.
        step_requested(int): move by this many reporting intervals.
        jump_requested(float): move by this many seconds (±3600, ±86400).
        edge_requested(int): go to the start (-1) or the end (+1).
        speed_step_requested(int): one speed faster (+1) or slower (-1).
        live_requested(): back to live.
    """

    toggle_requested = Signal()
    step_requested = Signal(int)
    jump_requested = Signal(float)
    edge_requested = Signal(int)
    speed_step_requested = Signal(int)
    live_requested = Signal()

    def __init__(self, window: QWidget, *, escape: bool = True) -> None:
        super().__init__(window)
        shift, ctrl = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier
        keys: list[tuple[Any, Callable[[], None]]] = [
            (Qt.Key.Key_Space, self.toggle_requested.emit),
            (Qt.Key.Key_Left, lambda: self.step_requested.emit(-1)),
            (Qt.Key.Key_Right, lambda: self.step_requested.emit(1)),
            (shift | Qt.Key.Key_Left, lambda: self.jump_requested.emit(-HOUR_S)),
            (shift | Qt.Key.Key_Right, lambda: self.jump_requested.emit(HOUR_S)),
            (ctrl | Qt.Key.Key_Left, lambda: self.jump_requested.emit(-DAY_S)),
            (ctrl | Qt.Key.Key_Right, lambda: self.jump_requested.emit(DAY_S)),
            (Qt.Key.Key_Home, lambda: self.edge_requested.emit(-1)),
            (Qt.Key.Key_End, lambda: self.edge_requested.emit(1)),
            (Qt.Key.Key_Plus, lambda: self.speed_step_requested.emit(1)),
            (Qt.Key.Key_Equal, lambda: self.speed_step_requested.emit(1)),  # + without Shift
            (shift | Qt.Key.Key_Plus, lambda: self.speed_step_requested.emit(1)),
            (Qt.Key.Key_Minus, lambda: self.speed_step_requested.emit(-1)),
            (Qt.Key.Key_L, self.live_requested.emit),
        ]
        if escape:  # a window whose Esc does something else calls live_requested itself
            keys.append((Qt.Key.Key_Escape, self.live_requested.emit))
        self.shortcuts: list[QShortcut] = []
        for key, slot in keys:
            shortcut = QShortcut(QKeySequence(key), window)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    def set_enabled(self, enabled: bool) -> None:
        """Live, the keys do nothing (and leave the arrows to the widgets)."""
        for shortcut in self.shortcuts:
            shortcut.setEnabled(enabled)


class PlaybackBar(QFrame):
    """The replay's controls under a timeline: play/pause, speeds 1×…3600×, step by a reporting
    interval, jump ±1 h and ±1 d, start and end, a field to type an exact time, and back to live.

    Signals:
        toggle_requested(): play or pause.
        speed_requested(float): play at this speed (one of SPEEDS).
        step_requested(int): move by this many reporting intervals (negative: back).
        jump_requested(float): move by this many seconds (±3600, ±86400).
        seek_requested(float): go to this moment (the timeline, Home/End, a typed time).
        live_requested(): back to live.
    """

    toggle_requested = Signal()
    speed_requested = Signal(float)
    step_requested = Signal(int)
    jump_requested = Signal(float)
    seek_requested = Signal(float)
    live_requested = Signal()

    def __init__(self, scale: theme.WallScale | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PlaybackBar")
        self._scale = scale or theme.current_scale()
        self.at = self.start = self.end = 0.0
        self.speed = 60.0
        self.playing = False
        self.step_s = HOUR_S
        self._shown_step = 0.0
        self._shown_playing: bool | None = None
        self._loading_shown = False
        self.timeline = Timeline(self._scale)  # the whole range
        self.timeline.seek_requested.connect(self.seek_requested)
        self.detail = Timeline(self._scale)  # a week around the moment, under a range of months or years
        self.detail.seek_requested.connect(self.seek_requested)
        self.detail.hide()
        self.buttons: dict[str, QPushButton] = {}
        self.speed_buttons: dict[float, QPushButton] = {}
        self._speeds = QButtonGroup(self)
        self.time_field = QLineEdit()
        self.message = theme.ElidedLabel("", "small")
        self._build()
        self.setStyleSheet(self._stylesheet())
        self._retext()

    def _build(self) -> None:
        gap = self._scale.gap_px
        controls = QHBoxLayout()
        controls.setSpacing(max(2, gap // 2))
        for key, slot in (
            ("start", lambda: self.seek_requested.emit(self.start)),
            ("day_back", lambda: self.jump_requested.emit(-DAY_S)),
            ("hour_back", lambda: self.jump_requested.emit(-HOUR_S)),
            ("step_back", lambda: self.step_requested.emit(-1)),
            ("play", self.toggle_requested.emit),
            ("step_forward", lambda: self.step_requested.emit(1)),
            ("hour_forward", lambda: self.jump_requested.emit(HOUR_S)),
            ("day_forward", lambda: self.jump_requested.emit(DAY_S)),
            ("end", lambda: self.seek_requested.emit(self.end)),
        ):
            button = self._button(key)
            button.clicked.connect(slot)
            controls.addWidget(button)
        controls.addSpacing(gap * 2)
        for speed in SPEEDS:
            button = self._button(f"speed {speed:g}", speed_text(speed))
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, s=speed: self.speed_requested.emit(s))
            self._speeds.addButton(button)
            self.speed_buttons[speed] = button
            controls.addWidget(button)
        controls.addStretch(1)
        entry = QHBoxLayout()
        entry.setSpacing(max(2, gap // 2))
        self.time_field.setClearButtonEnabled(True)
        self.time_field.returnPressed.connect(self._on_time_typed)
        self.time_field.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.time_field.setMinimumWidth(self._scale.small_px * 12)  # "2015-12-01 08:00" and room
        go = self._button("go")
        go.clicked.connect(self._on_time_typed)
        live = self._button("live")
        live.clicked.connect(self.live_requested)
        entry.addWidget(self.time_field)
        entry.addWidget(go)
        entry.addWidget(self.message, 1)
        entry.addWidget(live)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(gap, gap // 2, gap, gap // 2)
        layout.setSpacing(max(2, gap // 2))
        layout.addWidget(self.timeline)
        layout.addWidget(self.detail)
        layout.addLayout(controls)
        layout.addLayout(entry)

    def _button(self, key: str, text: str = "") -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the window's shortcuts
        button.setObjectName(f"playback-{key.replace(' ', '-')}")
        self.buttons[key] = button
        return button

    def _retext(self) -> None:
        words = {
            "start": ("⇤", self.tr("Go to the start (Home)")),
            "day_back": (self.tr("−1 d"), self.tr("One day back (Ctrl+Left)")),
            "hour_back": (self.tr("−1 h"), self.tr("One hour back (Shift+Left)")),
            "step_back": ("◀|", self.tr("One reporting interval back (Left)")),
            "step_forward": ("|▶", self.tr("One reporting interval forward (Right)")),
            "hour_forward": (self.tr("+1 h"), self.tr("One hour forward (Shift+Right)")),
            "day_forward": (self.tr("+1 d"), self.tr("One day forward (Ctrl+Right)")),
            "end": ("⇥", self.tr("Go to the end (End)")),
            "go": (self.tr("Go"), self.tr("Go to the time typed (Enter)")),
            "live": ("● " + self.tr("Back to live"), self.tr("Leave the replay (Esc or L)")),
        }
        for key, (text, tip) in words.items():
            self.buttons[key].setText(text)
            self.buttons[key].setToolTip(tip)
        for button in self.speed_buttons.values():
            button.setToolTip(self.tr("Replay speed (+ and −)"))
        self.time_field.setPlaceholderText(self.tr("Go to 2015-12-01 08:00"))
        self._show_playing()

    def _stylesheet(self) -> str:
        s, gap = self._scale, self._scale.gap_px
        bar = "QFrame#PlaybackBar"
        return f"""
        {bar} {{ background: {theme.BACKGROUND}; border-top: 3px solid {theme.PLAYBACK}; }}
        {bar} QPushButton {{ font-size: {s.small_px}px; background: #1B2A44; color: {theme.TEXT};
            border: 1px solid {theme.PANEL_EDGE}; border-radius: 4px;
            padding: {max(2, gap // 3)}px {max(4, gap // 2)}px; }}
        {bar} QPushButton:hover {{ border-color: {theme.TEXT_SECONDARY}; }}
        {bar} QPushButton:checked {{ background: {theme.PLAYBACK}; color: {theme.BACKGROUND};
            border-color: {theme.PLAYBACK}; font-weight: bold; }}
        {bar} QPushButton#playback-play {{ font-weight: bold; min-width: {s.small_px * 5}px; }}
        {bar} QPushButton#playback-live {{ font-weight: bold; border: 2px solid {theme.TEXT}; }}
        {bar} QLineEdit {{ font-size: {s.small_px}px; background: {theme.PANEL}; color: {theme.TEXT};
            border: 1px solid {theme.PANEL_EDGE}; padding: {max(2, gap // 3)}px {gap}px; }}
        {bar} QLineEdit:focus {{ border: 2px solid {theme.FOCUS}; }}
        """

    # --- setters -----------------------------------------------------------------------------------------

    def set_state(
        self, at: float, start: float, end: float, speed: float, playing: bool, step_s: float, loading: bool
    ) -> None:
        """The replay as it stands: the moment, the range, the speed, playing or paused, the step, whether
        a seek is still loading."""
        self.at, self.start, self.end = at, start, end
        self.speed, self.playing, self.step_s = speed, playing, step_s
        for timeline in (self.timeline, self.detail):
            timeline.set_range(start, end)
            timeline.set_position(at)
        self._follow(at, start, end)
        for value, button in self.speed_buttons.items():
            button.setChecked(value == speed)
        if playing != self._shown_playing:
            self._shown_playing = playing
            self._show_playing()
        if step_s != self._shown_step:  # once, not every frame
            self._shown_step = step_s
            minutes, hours = round(step_s / 60), round(step_s / HOUR_S)
            step = self.tr("{0} min").format(minutes) if step_s < HOUR_S else self.tr("{0} h").format(hours)
            for key in ("step_back", "step_forward"):
                button = self.buttons[key]
                button.setToolTip(button.toolTip().split(" · ")[0] + f" · {step}")
        if loading:
            self.show_message(self.tr("Loading {0} …").format(moment_text(at, seconds=False)))
            self._loading_shown = True
        elif self._loading_shown:
            self._loading_shown = False
            self.show_message("")

    def set_timeline(
        self,
        coverage: Sequence[tuple[float, float]],
        episodes: Sequence[tuple[float, float]],
        incidents: Sequence[tuple[float, str]],
    ) -> None:
        """What the timeline marks: data coverage, pollution episodes, incidents."""
        for timeline in (self.timeline, self.detail):
            timeline.set_timeline(coverage, episodes, incidents)

    def _follow(self, at: float, start: float, end: float) -> None:
        """Under a long range a detail strip shows a week; it turns a page when the moment nears its end
        (a page, not a scroll: nothing on the wall moves every frame)."""
        long = end - start > DETAIL_OVER_S
        self.detail.setVisible(long)
        self.timeline.set_compact(long)
        if not long:
            self.timeline.set_mark(None)
            return
        view = self.detail.view
        if view is None or not view[0] <= at <= view[0] + DETAIL_S * 0.95:
            first = min(max(start, at - DETAIL_S * 0.1), end - DETAIL_S)
            view = (first, first + DETAIL_S)
            self.detail.set_view(view)
        self.timeline.set_mark(view)

    def show_message(self, text: str, *, error: bool = False) -> None:
        """A line beside the time field ('' clears it); errors in the alarm colour."""
        self.message.set_full_text(text)
        theme.set_role(self.message, "state", "alert" if error else "")

    def _show_playing(self) -> None:
        button = self.buttons["play"]
        button.setText("❚❚ " + self.tr("Pause") if self.playing else "▶ " + self.tr("Play"))
        button.setToolTip(self.tr("Play or pause (Space)"))

    # --- typed time --------------------------------------------------------------------------------------

    def _on_time_typed(self) -> None:
        text = self.time_field.text()
        if not text.strip():
            self.show_message(self.tr("Type a time first, e.g. 2015-12-01 08:00"), error=True)
            return
        try:
            ts = parse_local_time(text, self.at or self.start)
        except TimeInputError as exc:
            self.show_message(str(exc), error=True)
            return
        if not self.start <= ts <= self.end:
            self.show_message(
                self.tr("{0} is outside the replay: {1} … {2}").format(
                    moment_text(ts, seconds=False),
                    moment_text(self.start, seconds=False),
                    moment_text(self.end, seconds=False),
                ),
                error=True,
            )
            return
        self.show_message("")
        self.time_field.clear()
        self.seek_requested.emit(ts)
