"""The replay's view-model: turns the playback engine's topics into Qt signals, drives its clock from a
frame timer (real elapsed time × speed) and takes the operator's requests (play, step, jump, seek, speed,
back to live, replay an incident)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal

log = logging.getLogger(__name__)
FRAME_MS = 16  # the replayed clock moves once a frame (60 Hz)
MAX_FRAME_S = 1.0  # after a stall (a suspended machine) the clock moves at most this much real time at once
SPEEDS = (1.0, 10.0, 60.0, 600.0, 3600.0)


class PlaybackEngine(Protocol):
    """What the view-model uses of console.core.playback.Playback."""

    changed: Any  # Topic[PlaybackState]
    timeline_changed: Any  # Topic[Timeline]

    def state(self) -> Any: ...
    def timeline(self) -> Any: ...
    def toggle(self) -> None: ...
    def play(self) -> None: ...
    def pause(self) -> None: ...
    def set_speed(self, speed: float) -> None: ...
    def step(self, n: int) -> None: ...
    def jump(self, seconds: float) -> None: ...
    def seek(self, ts: float) -> None: ...
    def tick(self, real_dt: float) -> None: ...


class PlaybackViewModel(QObject):
    """Adapts a Playback to the bar, the banner and the frames of every window.

    Signals:
        active_changed(bool): replaying (True) or live (False); windows show or hide the banner, the frame
            and the bar, and every command path is disabled while True.
        state_changed(object): PlaybackState (the moment, range, speed, playing, step, loading), at most once
            a frame.
        timeline_changed(object): Timeline (coverage, pollution episodes, incidents).
        live_requested(): the operator asked to go back to live (the composition root ends the replay).
        replay_requested(float, float): the operator asked to replay this window (Unix s) from live.
        replay_available_changed(bool): whether "Replay" can be offered (a hub with history).
        message_changed(str): a message about the last request ('' clears it).
    """

    active_changed = Signal(bool)
    state_changed = Signal(object)
    timeline_changed = Signal(object)
    live_requested = Signal()
    replay_requested = Signal(float, float)
    replay_available_changed = Signal(bool)
    message_changed = Signal(str)

    def __init__(
        self, parent: QObject | None = None, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self.playback: PlaybackEngine | None = None
        self.replay_available = False
        self.window_of: Callable[[str], tuple[float, float] | None] | None = None  # incident id -> window
        self._monotonic = monotonic
        self._last_frame: float | None = None
        self._state: Any = None
        self._timeline: Any = None
        self._state_dirty = self._timeline_dirty = False
        self._error: str | None = None
        self._frames = QTimer(self, interval=FRAME_MS)
        self._frames.setTimerType(Qt.TimerType.PreciseTimer)
        self._frames.timeout.connect(self._on_frame)

    # --- the engine --------------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether the console is replaying."""
        return self.playback is not None

    def attach(self, playback: PlaybackEngine) -> None:
        """Replay through this engine from now on: its state and timeline show at once."""
        self.playback = playback
        playback.changed.subscribe(lambda state: self._on_state(playback, state))
        playback.timeline_changed.subscribe(lambda timeline: self._on_timeline(playback, timeline))
        self._state, self._timeline = playback.state(), playback.timeline()
        self._state_dirty = self._timeline_dirty = True
        self._last_frame = None
        self._frames.start()
        self.active_changed.emit(True)
        self.flush()

    def detach(self) -> None:
        """Live again: what the old engine publishes afterwards is ignored."""
        if self.playback is None:
            return
        self.playback = None
        self._frames.stop()
        self.active_changed.emit(False)

    def _on_state(self, source: PlaybackEngine, state: Any) -> None:
        if source is self.playback:
            self._state, self._state_dirty = state, True

    def _on_timeline(self, source: PlaybackEngine, timeline: Any) -> None:
        if source is self.playback:
            self._timeline, self._timeline_dirty = timeline, True

    def state(self) -> Any:
        """The last PlaybackState (None live)."""
        return self._state if self.active else None

    def timeline(self) -> Any:
        """The last Timeline (None live)."""
        return self._timeline if self.active else None

    def _on_frame(self) -> None:
        now = self._monotonic()
        elapsed = 0.0 if self._last_frame is None else min(MAX_FRAME_S, max(0.0, now - self._last_frame))
        self._last_frame = now
        playback = self.playback
        if playback is not None and self._state is not None and self._state.playing and elapsed > 0:
            try:
                playback.tick(elapsed)
            except Exception:  # a failing tick must not stop the frames: the log and the operator hear of it
                log.exception("replay tick failed")
                self.message_changed.emit(self.tr("The replay could not advance; see the log"))
        self.flush()

    def flush(self) -> None:
        """Emit what changed since the last frame now (tests, snapshots); normally the frame timer does."""
        if self._timeline_dirty and self._timeline is not None:
            self._timeline_dirty = False
            self.timeline_changed.emit(self._timeline)
        if self._state_dirty and self._state is not None:
            self._state_dirty = False
            self.state_changed.emit(self._state)
            error = getattr(self.playback, "error", None)  # the engine's last failure to read history
            if error != self._error:
                self._error = error
                self.message_changed.emit(self.tr("Replay stopped: {0}").format(error) if error else "")

    # --- requests ----------------------------------------------------------------------------------------

    def _run(self, command: Callable[[PlaybackEngine], None]) -> None:
        playback = self.playback
        if playback is None:
            return
        try:
            command(playback)
        except ValueError as exc:  # the engine refuses (a speed it does not offer, say): say why
            self.message_changed.emit(str(exc))
            return
        self.flush()

    def toggle(self) -> None:
        """Play or pause."""
        self._run(lambda p: p.toggle())

    def play(self) -> None:
        self._run(lambda p: p.play())

    def pause(self) -> None:
        self._run(lambda p: p.pause())

    def set_speed(self, speed: float) -> None:
        """Replay at one of SPEEDS."""
        self._run(lambda p: p.set_speed(speed))

    def change_speed(self, direction: int) -> None:
        """The next speed faster (+1) or slower (-1); the fastest and slowest stay."""
        if self._state is None:
            return
        index = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self._state.speed))
        self.set_speed(SPEEDS[min(len(SPEEDS) - 1, max(0, index + direction))])

    def step(self, n: int) -> None:
        """Move by ``n`` reporting intervals (negative: back)."""
        self._run(lambda p: p.step(n))

    def jump(self, seconds: float) -> None:
        """Move by ±1 h or ±1 d."""
        self._run(lambda p: p.jump(seconds))

    def seek(self, ts: float) -> None:
        """Go to a moment (the engine clamps it to the range)."""
        self._run(lambda p: p.seek(ts))

    def seek_edge(self, direction: int) -> None:
        """The first (-1) or last (+1) moment of the range."""
        if self._state is not None:
            self.seek(self._state.start if direction < 0 else self._state.end)

    def go_live(self) -> None:
        """Back to live (Esc, L, the button)."""
        if self.active:
            self.live_requested.emit()

    def set_replay_available(self, available: bool) -> None:
        """Whether an incident's "Replay" can be offered: a hub with history is there."""
        if available != self.replay_available:
            self.replay_available = available
            self.replay_available_changed.emit(available)

    def replay_incident(self, incident_id: str) -> None:
        """Replay an incident from 30 minutes before its first finding to its closure: within the replay
        running, a seek to its start; live, a request to open the replay at that window."""
        window = self.window_of(incident_id) if self.window_of is not None else None
        if window is None:
            self.message_changed.emit(self.tr("This incident cannot be replayed here"))
            return
        start, end = window
        if self.active:
            self.seek(start)
            return
        if not self.replay_available:
            self.message_changed.emit(self.tr("Replay needs a hub with history"))
            return
        self.replay_requested.emit(start, end)
