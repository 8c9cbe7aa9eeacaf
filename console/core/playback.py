"""Replay: one clock over the whole console, fed through the same session and store as live. No Qt.

A :class:`Playback` drives a :class:`~console.core.session.ConsoleSession` that has no link, no outbox and
no command centre, from a :class:`PlaybackSource` (the hub's history over REST, or an episode file). It
sends the session exactly what a hub would: a seek applies a ``Snapshot`` of the moment (stations, the
newest value of every station and factor at or before it, station states, the incidents as they stood
then, rebuilt from their audit trail); playing applies ``Readings``, ``IncidentEvent`` and
``StationEvent`` messages for each stretch of replayed time, in order. Every screen therefore shows the
replayed moment with the code it uses live, and ``session.clock`` (a :class:`PlaybackClock`) is the
replayed time for deadlines and data ages.

Data are read ahead on the asyncio loop in chunks sized from the sources' reporting rate and kept to a
bounded number of readings; a frame applies everything its stretch of replayed time holds and never
runs past what has been read (at 3600× a 16 ms frame covers about a minute of data, and the trend plots
get every point).
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Protocol

import msgspec
from msgspec.structs import replace as replace_struct

from console.core import protocol
from console.core.hubapi import HubApi, HubApiError
from console.core.incidents import Incident
from console.core.models import Reading, Station, StationStatus
from console.core.replay import (
    DERIVED,
    OFFLINE_AFTER,
    IncidentStep,
    StateAt,
    Stretch,
    TimelineData,
    known_at,
    status_of,
)
from console.core.session import ConsoleSession, Topic
from console.core.store import HISTORY_S
from console.core.transport import Transport
from console.core.units import Fix

log = logging.getLogger(__name__)

SPEEDS = (1, 10, 60, 600, 3600)
REPLAY_LEAD_S = 1800.0  # an incident's replay starts 30 minutes before its first finding
CHUNK_READINGS = 50_000  # readings asked for in one read-ahead request, about (the hub gives at most that)
AHEAD_READINGS = 400_000  # read ahead at most this many readings (bounded memory whatever the range)
FRAME_READINGS = 6_000  # readings one tick applies at most (a whole data time is never split): a GUI frame
# stays bounded; when the machine cannot apply a speed's data in time, the replay falls behind the speed
FRAME_S = 0.008  # ... and fewer where applying them is slower: half a 60 Hz frame, measured as it plays
PREFILL_READINGS = 300_000  # after a seek, the trends get the history before the moment, up to this many
BACKFILL_READINGS = 2_000  # ... this many a turn of the loop
_epochs = itertools.count(1)
_ts = attrgetter("ts")
_series_key = attrgetter("station", "factor", "ts")


@dataclass(frozen=True)
class PlaybackState:
    """Where the replay stands; published on ``Playback.changed`` at every change."""

    at: float  # the replayed moment, Unix s
    start: float  # first moment with data
    end: float  # last moment with data
    speed: float  # one of SPEEDS
    playing: bool
    source: str  # "hub" or the episode file's name
    step_s: float  # the reporting interval a step moves by (60 for one-minute data, 3600 hourly)
    loading: bool  # a seek is being fetched


@dataclass(frozen=True)
class Timeline:
    """What the timeline shows under its slider."""

    coverage: list[tuple[float, float]]  # stretches with data
    episodes: list[tuple[float, float]]  # stretches where the city AQI > 200
    incidents: list[tuple[float, str]]  # (first finding time, incident id)


class PlaybackSource(Protocol):
    """Where a replay reads history from (see console/core/replay.py for the answers' meaning)."""

    name: str

    async def open(self) -> TimelineData: ...
    async def timeline(self) -> TimelineData: ...
    async def state_at(self, t: float) -> StateAt: ...
    async def stretch(self, start: float, end: float) -> Stretch: ...
    async def close(self) -> None: ...


class HubSource:
    """The hub's history over REST: ``/api/playback/at``, ``/range`` and ``/timeline``."""

    name = "hub"

    def __init__(self, url: str, token: str, *, transport: Transport | None = None) -> None:
        self.api = HubApi(url, token, transport=transport)

    async def _get[T](self, path: str, kind: type[T], **params: float) -> T:
        body = await self.api.fetch(path, **params)
        try:  # tens of thousands of readings: decoded on a worker thread, off the GUI's loop
            return await asyncio.to_thread(msgspec.json.decode, body, type=kind)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise HubApiError(f"{path}: unexpected answer ({exc})") from None

    async def open(self) -> TimelineData:
        return await self.timeline()

    async def timeline(self) -> TimelineData:
        return await self._get("/api/playback/timeline", TimelineData)

    async def state_at(self, t: float) -> StateAt:
        return await self._get("/api/playback/at", StateAt, t=t)

    async def stretch(self, start: float, end: float) -> Stretch:
        return await self._get("/api/playback/range", Stretch, start=start, end=end)

    async def close(self) -> None:
        await self.api.close()


class PlaybackClock:
    """The replayed moment as the console's clock (implements console.core.clock.Clock)."""

    def __init__(self, at: float = 0.0) -> None:
        self._at = float(at)

    def now(self) -> float:
        """The replayed moment, Unix s."""
        return self._at

    def set(self, moment: float) -> None:
        self._at = float(moment)


def replay_window_of(incident: Incident) -> tuple[float, float]:
    """What "replay" of an incident plays: 30 minutes before its first finding to its closure (or now)."""
    end = incident.closed if incident.closed is not None else time.time()
    return incident.created - REPLAY_LEAD_S, max(end, incident.created)


class Playback:
    """Replays a source through a session with no link; see the module docstring."""

    def __init__(
        self, session: ConsoleSession, source: PlaybackSource, *, at: float | None = None, speed: float = 60
    ) -> None:
        if session.link is not None or session.outbox is not None or session.commands is not None:
            raise ValueError("a replay needs a session that is not connected to a hub (no link, no commands)")
        _check_speed(speed)
        self.session = session
        session.record = False  # nothing replayed goes to a cache
        self.source = source
        if isinstance(session.clock, PlaybackClock):
            self.clock = session.clock
        else:  # the session and its incident book read the replayed time from now on
            self.clock = PlaybackClock(at or 0.0)
            session.clock = self.clock
            session.book.clock = self.clock.now
        self.changed: Topic[PlaybackState] = Topic()
        self.timeline_changed: Topic[Timeline] = Topic()
        self.error: str | None = None  # the last failure to read the source, shown by the screens
        self.stalls = 0  # frames that waited for data still being read (never skipped)
        self.behind = 0  # frames that reached their budget and left the rest of their stretch to the next
        self._apply_s = 2e-6  # seconds to apply one reading, as measured (a moving average)
        self._first_at = at
        self._state = PlaybackState(at or 0.0, 0.0, 0.0, float(speed), False, source.name, 60.0, True)
        self._timeline = Timeline([], [], [])
        self._rate = 1.0
        self._stations: dict[str, Station] = {}
        self._epoch = f"playback-{next(_epochs)}"
        self._seq = 0
        self._generation = 0
        self._buffer: deque[Stretch] = deque()  # read ahead, in time order, up to _buffered_to
        self._head = 0  # readings of the first buffered stretch already applied
        self._head_steps = 0
        self._head_fixes = 0
        self._buffered = 0  # readings buffered and not applied yet
        self._buffered_to = 0.0
        # station -> newest data time and its flags (tuples of strings: soon untracked by the collector)
        self._newest: dict[str, tuple[float, tuple[str, ...]]] = {}
        self._status: dict[str, StationStatus] = {}
        self._touched: set[str] = set()  # stations with new data since their link state was looked at
        self._due: list[tuple[float, str]] = []  # (moment a station goes offline unless heard, station)
        self._due_at: dict[str, float] = {}  # the latest such moment of each station in the heap
        self._held: list[tuple[float, int, Reading]] = []  # derived values read, not known yet: a heap
        self._held_n = itertools.count()
        self._wake = asyncio.Event()
        self._load: asyncio.Task[None] | None = None
        self._prefill: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._fetching = False
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- reading ---------------------------------------------------------------------------------------

    def state(self) -> PlaybackState:
        return self._state

    def timeline(self) -> Timeline:
        return self._timeline

    # --- controls --------------------------------------------------------------------------------------

    def play(self) -> None:
        if self._state.at >= self._state.end:
            return
        self._set(playing=True)

    def pause(self) -> None:
        self._set(playing=False)

    def toggle(self) -> None:
        self.pause() if self._state.playing else self.play()

    def set_speed(self, speed: float) -> None:
        _check_speed(speed)
        self._set(speed=float(speed))
        self._wake.set()  # a faster replay reads further ahead

    def step(self, n: int) -> None:
        """Pause and move by ``n`` reporting intervals, to a multiple of the interval (negative: back)."""
        self.pause()
        step, at = self._state.step_s, self._state.at
        base = math.floor(at / step + 1e-9) if n > 0 else math.ceil(at / step - 1e-9)
        self._move_to((base + n) * step)

    def jump(self, seconds: float) -> None:
        """Move by ``seconds`` (±3600, ±86400), keeping play or pause."""
        self._move_to(self._state.at + seconds)

    def seek(self, ts: float) -> None:
        """Show moment ``ts`` (clamped to the data): fetched as a task, the latest seek wins."""
        if not math.isfinite(ts):
            raise ValueError(f"cannot seek to {ts!r}")
        ts = min(max(ts, self._state.start), self._state.end)
        self._generation += 1
        self._stop_reading()
        self.clock.set(ts)
        self._set(at=ts, loading=True)
        self._load = self._event_loop().create_task(self._seek(ts, self._generation))

    def tick(self, real_dt: float) -> None:
        """Advance by ``real_dt`` × speed while playing, applying everything that stretch holds."""
        state = self._state
        if not state.playing or state.loading or real_dt <= 0:
            return
        target = min(state.at + real_dt * state.speed, state.end)
        self._advance(target)
        if self._state.at >= state.end:
            self._set(playing=False)

    def _move_to(self, ts: float) -> None:
        ts = min(max(ts, self._state.start), self._state.end)
        if self._state.at < ts <= self._buffered_to and not self._state.loading:
            self._advance(ts)  # forward within what is read: played through, nothing skipped
        elif ts != self._state.at:
            self.seek(ts)

    # --- opening and closing ---------------------------------------------------------------------------

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        """The loop ``open`` ran on: controls called from the GUI's slots start their tasks there."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    async def open(self) -> None:
        """Read the source's timeline and show the first moment (or ``at``)."""
        self._loop = asyncio.get_running_loop()
        data = await self.source.open()
        self._apply_timeline(data)
        first = self._first_at if self._first_at is not None else data.start
        self.seek(first)
        if self._load is not None:
            await asyncio.shield(self._load)

    def _apply_timeline(self, data: TimelineData) -> None:
        self._rate = max(data.rate, 1e-3)
        self._timeline = Timeline(list(data.coverage), list(data.episodes), list(data.incidents))
        self._state = replace(self._state, start=data.start, end=data.end, step_s=data.step_s or 60.0)
        self.timeline_changed.publish(self._timeline)

    async def close(self) -> None:
        """Stop reading (waiting for requests in flight) and close the source."""
        self._generation += 1
        tasks = [t for t in (self._load, self._prefill, self._reader) if t is not None]
        self._stop_reading()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.source.close()

    async def settled(self) -> None:
        """Until no seek, trend fill or read-ahead request is pending (tools and tests)."""
        while True:
            pending = [t for t in (self._load, self._prefill) if t is not None and not t.done()]
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
                continue
            if self._fetching:
                await asyncio.sleep(0.005)
                continue
            return

    # --- seeking ---------------------------------------------------------------------------------------

    async def _seek(self, ts: float, generation: int) -> None:
        try:
            picture = await self.source.state_at(ts)
        except (HubApiError, OSError, ValueError) as exc:
            self._failed(f"cannot read the moment {ts:.0f}: {exc}")
            return
        if generation != self._generation:
            return  # a later seek took over
        self._apply_picture(picture)
        self._buffered_to = ts
        self._set(loading=False)
        self._prefill = self._event_loop().create_task(self._fill_trends(ts, generation))
        self._reader = self._event_loop().create_task(self._read_ahead(generation))

    def _apply_picture(self, picture: StateAt) -> None:
        """The moment as a snapshot, through the session's one pump."""
        self._stations = {s.id: s for s in picture.stations}
        self._newest = {}
        self._touched, self._due, self._due_at = set(), [], {}
        for r in picture.latest:
            self._note(r)
        status = []
        self._status = {}
        for station in picture.stations:
            known = self._newest.get(station.id)
            value, since = status_of(
                station, known[0] if known else None, known[1] if known else (), picture.t
            )
            self._status[station.id] = value
            status.append(protocol.StatusEntry(station.id, value, since))
            if known is not None and value != StationStatus.OFFLINE:
                self._offline_at(station, known[0])
        self._seq += 1
        snapshot = protocol.Snapshot(
            epoch=self._epoch, seq=self._seq, stations=picture.stations, latest=picture.latest, status=status,
            incidents=picture.incidents, units=picture.units,
        )  # fmt: skip
        self._held = []
        for r in picture.pending:
            heapq.heappush(self._held, (known_at(r), next(self._held_n), r))
        self.session.rewind()
        self.session.apply(snapshot)
        if picture.audit:
            self.session.set_trails(picture.audit)

    async def _fill_trends(self, ts: float, generation: int) -> None:
        """The history before the moment, for the trends (bounded by PREFILL_READINGS)."""
        start = ts - min(HISTORY_S, PREFILL_READINGS / self._rate)
        while start < ts and generation == self._generation:
            try:
                part = await self.source.stretch(start, ts)
            except (HubApiError, OSError, ValueError) as exc:
                log.warning("trends before %.0f not filled: %s", ts, exc)
                return
            if generation != self._generation:
                return
            known = [r for r in part.readings if r.factor not in DERIVED or known_at(r) <= ts]
            known.sort(key=_series_key)  # series by series: each batch merges a few series once each
            for first in range(0, len(known), BACKFILL_READINGS):  # a turn each: frames go on meanwhile
                if generation != self._generation:
                    return
                self.session.backfill(known[first : first + BACKFILL_READINGS])
                await asyncio.sleep(0)
            if part.complete_to <= start:
                return
            start = part.complete_to

    # --- reading ahead ---------------------------------------------------------------------------------

    def _stop_reading(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            self._reader = None
        self._fetching = False
        self._buffer.clear()
        self._head = self._head_steps = self._head_fixes = self._buffered = 0

    async def _read_ahead(self, generation: int) -> None:
        while generation == self._generation:
            end = self._state.end
            if self._buffered_to >= end or self._buffered >= AHEAD_READINGS:
                self._wake.clear()
                await self._wake.wait()
                continue
            span = max(CHUNK_READINGS / self._rate, self._state.step_s)
            stop = min(self._buffered_to + span, end)
            self._fetching = True
            try:
                part = await self.source.stretch(self._buffered_to, stop)
            except (HubApiError, OSError, ValueError) as exc:
                self._failed(f"cannot read ahead from {self._buffered_to:.0f}: {exc}")
                return
            finally:
                self._fetching = False
            if generation != self._generation:
                return
            if part.complete_to <= self._buffered_to:  # no progress: the source is broken
                self._failed(f"the source gave nothing after {self._buffered_to:.0f}")
                return
            derived = [r for r in part.readings if r.factor in DERIVED]
            if derived:  # they wait until their hour or day has ended; the frames get the rest as it is
                part = replace_struct(part, readings=[r for r in part.readings if r.factor not in DERIVED])
                for r in derived:
                    heapq.heappush(self._held, (known_at(r), next(self._held_n), r))
            self._buffer.append(part)
            self._buffered += len(part.readings)
            self._buffered_to = part.complete_to

    def _failed(self, message: str) -> None:
        log.error("replay: %s", message)
        self.error = message
        self._set(playing=False, loading=False)

    # --- playing ---------------------------------------------------------------------------------------

    def _advance(self, target: float) -> None:
        """Apply everything in (at, target] that has been read, in order; the clock stops where it ends."""
        limit = min(target, self._buffered_to)
        if limit < target:
            self.stalls += 1
        budgeted = self._frame_limit(limit)
        if budgeted < limit:
            self.behind += 1
            limit = budgeted
        if limit <= self._state.at:
            return
        self.clock.set(limit)
        readings: list[Reading] = []
        fixes: list[Fix] = []
        while self._buffer:
            part = self._buffer[0]
            stop = bisect.bisect_right(part.readings, limit, lo=self._head, key=_ts)
            steps = part.steps
            while self._head_steps < len(steps) and steps[self._head_steps].audit.ts <= limit:
                step = steps[self._head_steps]
                before = bisect.bisect_right(part.readings, step.audit.ts, lo=self._head, hi=stop, key=_ts)
                readings.extend(part.readings[self._head : before])
                self._buffered -= before - self._head
                self._head = before
                self._send_readings(readings)
                readings = []
                self._send_step(step)
                self._head_steps += 1
            readings.extend(part.readings[self._head : stop])
            moved = bisect.bisect_right(part.fixes, limit, lo=self._head_fixes, key=_ts)
            fixes.extend(part.fixes[self._head_fixes : moved])
            self._head_fixes = moved
            self._buffered -= stop - self._head
            self._head = stop
            if stop < len(part.readings) or part.complete_to > limit:
                break
            self._buffer.popleft()
            self._head = self._head_steps = self._head_fixes = 0
        held = self._held
        while held and held[0][0] <= limit:  # derived values whose hour or day has ended by now
            readings.append(heapq.heappop(held)[2])
        self._send_readings(readings)
        if fixes:  # the units move: one event a frame, as the hub sends them
            self._seq += 1
            self.session.apply(protocol.UnitEvent(epoch=self._epoch, seq=self._seq, fixes=fixes))
        self._send_statuses(limit)
        self._set(at=limit)
        self._wake.set()

    def _frame_limit(self, limit: float) -> float:
        """How far one frame may go towards ``limit``: FRAME_READINGS readings, then the end of that data
        time (at least one data time, so the replay always moves)."""
        budget = max(min(FRAME_READINGS, int(FRAME_S / self._apply_s)), 1)
        head = self._head
        for part in self._buffer:
            stop = bisect.bisect_right(part.readings, limit, lo=head, key=_ts)
            if stop - head > budget:
                return max(part.readings[head + max(budget - 1, 0)].ts, self._state.at)
            budget -= stop - head
            if stop < len(part.readings) or part.complete_to > limit:
                break
            head = 0
        return limit

    def _send_readings(self, readings: Sequence[Reading]) -> None:
        if not readings:
            return
        began = time.perf_counter()
        newest, touched = self._newest, self._touched
        current, known = "", None  # a frame comes station by station: one lookup a station
        for r in readings:
            if r.station != current:
                current = r.station
                known = newest.get(current)
            if r.factor in DERIVED:  # the hub's hourly and daily AQI say nothing of the station's link
                continue
            if known is None or r.ts > known[0]:
                known = newest[current] = (r.ts, (r.flag,))
                touched.add(current)
            elif r.ts == known[0] and r.flag not in known[1]:  # a fault flag among them: the state may change
                known = newest[current] = (known[0], (*known[1], r.flag))
                touched.add(current)
        self._seq += 1
        self.session.apply(protocol.Readings(epoch=self._epoch, seq=self._seq, items=list(readings)))
        if len(readings) >= 100:  # what a reading costs here, with whatever listens to the session
            cost = (time.perf_counter() - began) / len(readings)
            self._apply_s = 0.8 * self._apply_s + 0.2 * cost

    def _send_step(self, step: IncidentStep) -> None:
        self._seq += 1
        event = protocol.IncidentEvent(
            epoch=self._epoch, seq=self._seq, incident=step.incident, audit=step.audit
        )
        self.session.apply(event)

    def _send_statuses(self, at: float) -> None:
        """Link states that changed by ``at``: of the stations heard from in this frame, and of those whose
        silence has just grown past three reporting intervals (a heap of those moments), not every station
        every frame."""
        due, due_at, touched = self._due, self._due_at, self._touched
        while due and due[0][0] < at:
            moment, sid = heapq.heappop(due)
            if due_at.get(sid) == moment:  # else made stale by newer data: a later one is in the heap
                touched.add(sid)
        if not touched:
            return
        newest, status, stations = self._newest, self._status, self._stations
        for sid in sorted(touched):
            station = stations.get(sid)
            if station is None:
                continue
            known = newest.get(sid)
            value, since = status_of(station, known[0] if known else None, known[1] if known else (), at)
            if known is not None and value != StationStatus.OFFLINE:
                self._offline_at(station, known[0])
            if status.get(sid) != value:
                status[sid] = value
                self._seq += 1
                entry = protocol.StatusEntry(sid, value, since)
                self.session.apply(protocol.StationEvent(epoch=self._epoch, seq=self._seq, entry=entry))
        touched.clear()

    def _offline_at(self, station: Station, newest: float) -> None:
        """Note when a station heard from at ``newest`` goes offline unless heard from again."""
        moment = newest + OFFLINE_AFTER * max(station.interval_s, 1)
        if self._due_at.get(station.id, -math.inf) < moment:
            self._due_at[station.id] = moment
            heapq.heappush(self._due, (moment, station.id))

    def _note(self, r: Reading) -> None:
        if r.factor in DERIVED:  # the hub's hourly and daily AQI say nothing of the station's link
            return
        known = self._newest.get(r.station)
        if known is None or r.ts > known[0]:
            self._newest[r.station] = (r.ts, (r.flag,))
        elif r.ts == known[0] and r.flag not in known[1]:
            self._newest[r.station] = (known[0], (*known[1], r.flag))

    def _set(self, **changes: object) -> None:
        new = replace(self._state, **changes)  # type: ignore[arg-type]
        if new != self._state:
            self._state = new
            self.changed.publish(new)


def _check_speed(speed: float) -> None:
    if speed not in SPEEDS:
        raise ValueError(f"speed {speed!r} is not one of {', '.join(f'{s}x' for s in SPEEDS)}")
