"""An in-memory replay with the engine's interface (console.core.playback), for the Qt tests of the replay
controls: it keeps a range, a moment, a speed and playing or paused, clamps and publishes like the engine,
and records every request so a test can see what the controls asked for. It reads no history."""

from __future__ import annotations

from dataclasses import dataclass, replace

from console.core.clock import ManualClock
from console.core.session import Topic

SPEEDS = (1, 10, 60, 600, 3600)


@dataclass(frozen=True)
class PlaybackState:
    at: float
    start: float
    end: float
    speed: float
    playing: bool
    source: str
    step_s: float
    loading: bool


@dataclass(frozen=True)
class Timeline:
    coverage: list[tuple[float, float]]
    episodes: list[tuple[float, float]]
    incidents: list[tuple[float, str]]


class MemoryPlayback:
    """The engine's interface over a range and nothing else: the clock is the replayed moment."""

    def __init__(
        self, start: float, end: float, *, at: float | None = None, speed: float = 60, step_s: float = 3600
    ) -> None:
        self.clock = ManualClock(start if at is None else at)
        self.changed: Topic[PlaybackState] = Topic()
        self.timeline_changed: Topic[Timeline] = Topic()
        self._state = PlaybackState(self.clock.now(), start, end, speed, False, "memory", step_s, False)
        self._timeline = Timeline([(start, end)], [], [])
        self.calls: list[tuple] = []
        self.opened = self.closed = False

    def state(self) -> PlaybackState:
        return self._state

    def timeline(self) -> Timeline:
        return self._timeline

    def set_timeline(self, timeline: Timeline) -> None:
        self._timeline = timeline
        self.timeline_changed.publish(timeline)

    def _set(self, **changes) -> None:
        state = replace(self._state, **changes)
        state = replace(state, at=min(state.end, max(state.start, state.at)))
        self.clock.set(state.at)
        if state != self._state:
            self._state = state
            self.changed.publish(state)

    def play(self) -> None:
        self.calls.append(("play",))
        self._set(playing=True)

    def pause(self) -> None:
        self.calls.append(("pause",))
        self._set(playing=False)

    def toggle(self) -> None:
        self.calls.append(("toggle",))
        self._set(playing=not self._state.playing)

    def set_speed(self, speed: float) -> None:
        self.calls.append(("speed", speed))
        if speed not in SPEEDS:
            raise ValueError(f"speed {speed} is not one of {SPEEDS}")
        self._set(speed=float(speed))

    def step(self, n: int) -> None:
        self.calls.append(("step", n))
        self._set(at=self._state.at + n * self._state.step_s)

    def jump(self, seconds: float) -> None:
        self.calls.append(("jump", seconds))
        self._set(at=self._state.at + seconds)

    def seek(self, ts: float) -> None:
        self.calls.append(("seek", ts))
        self._set(at=ts)

    def tick(self, real_dt: float) -> None:
        if self._state.playing:
            at = self._state.at + real_dt * self._state.speed
            self._set(at=at, playing=at < self._state.end)

    async def open(self) -> None:
        self.opened = True
        self.changed.publish(self._state)
        self.timeline_changed.publish(self._timeline)

    async def close(self) -> None:
        self.closed = True

    async def settled(self) -> None:
        return None


def replay_window_of(incident) -> tuple[float, float]:
    """30 minutes before the incident was raised until it was closed (or last updated)."""
    end = getattr(incident, "closed", None) or incident.updated
    return incident.created - 1800.0, end
