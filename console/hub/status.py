"""Station link state from the data stream: online, awaiting its first report, offline or fault (D/F/B)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from console.core.models import FAULT_FLAGS, Reading, Station, StationStatus
from console.core.protocol import StatusEntry

FLAG_WORDS = {"D": "instrument fault", "F": "instrument stopped", "B": "instrument link error"}


class StatusMonitor:
    """Tracks each station's last data time and fault flags; ``check`` returns the changes.

    Time is the network's data time (the newest DataTime seen), so an accelerated simulation and real
    loggers are judged alike. A station is offline when its last data is older than ``grace`` intervals;
    when no data at all arrives for ``silence_s`` of wall time, every station is offline.

    A station the hub has not heard from since it started is awaiting its first report, not offline, until
    ``grace`` of its intervals have passed since the first data the hub received: before that the hub has
    not listened long enough to say it missed them (intervals missed while the hub was down are no
    evidence). Stored data that is recent enough shows a station online across a restart (``resume_from``);
    once that data is overdue, the station too awaits its first report until the hub has listened long
    enough.
    """

    def __init__(self, stations: Iterable[Station], grace: float = 3.0, silence_s: float = 180.0) -> None:
        now = time.time()
        self._interval = {s.id: s.interval_s for s in stations}
        self._last_ts: dict[str, float] = {}
        self._faults: dict[str, dict[str, str]] = {}
        self._status = {sid: StatusEntry(sid, StationStatus.AWAITING, now) for sid in self._interval}
        self.grace = grace
        self.silence_s = silence_s
        self.clock = 0.0
        self._last_arrival = time.monotonic()
        self._heard: set[str] | None = set()  # heard from since the start; None once every wait is over
        self._origin: float | None = None  # data time of the first data received since the start
        self._longest_wait = grace * max(self._interval.values(), default=0)

    def observe(self, readings: Iterable[Reading]) -> None:
        """Note arrivals; called for every published batch."""
        if self._heard is not None:
            readings = list(readings)  # read twice while some station may still await its first report
        last_ts, faults = self._last_ts, self._faults
        newest = 0.0
        for r in readings:
            previous = last_ts.get(r.station, 0.0)
            if r.ts > previous:
                last_ts[r.station] = r.ts
                faults.pop(r.station, None)
            if r.flag in FAULT_FLAGS:
                faults.setdefault(r.station, {})[r.factor] = r.flag
            if r.ts > newest:
                newest = r.ts
        if newest > self.clock:
            self.clock = newest
        if self._heard is not None:
            self._note_heard(readings, newest)
        self._last_arrival = time.monotonic()

    def _note_heard(self, readings: Iterable[Reading], newest: float) -> None:
        """While some station may still be awaiting its first report: who has been heard from."""
        self._heard.update(r.station for r in readings)  # type: ignore[union-attr]
        if self._origin is None and newest > 0:
            self._origin = newest

    def resume_from(self, readings: Iterable[Reading], now: float | None = None) -> None:
        """At start-up: the stored latest readings count as arrivals, judged against the wall clock, so a
        station that reported a minute before the hub (re)started is online, not awaiting its first report.

        Readings stamped after ``now`` (from an accelerated simulation) are left out: they would put the
        network's clock in the future and every new reading would look late.
        """
        now = time.time() if now is None else now
        last_ts = self._last_ts
        for r in readings:
            if r.ts <= now and r.ts > last_ts.get(r.station, -1.0) and r.flag not in FAULT_FLAGS:
                last_ts[r.station] = r.ts
        self.clock = now  # judged against the wall clock once ...
        self.check(now)
        self.clock = max(last_ts.values(), default=0.0)  # ... then the network's own time goes on

    def check(self, wall_now: float | None = None) -> list[StatusEntry]:
        """Status changes since the last check."""
        wall_now = wall_now if wall_now is not None else time.time()
        silent = time.monotonic() - self._last_arrival > self.silence_s
        changes = []
        for sid, interval in self._interval.items():
            status, reason = self._judge(sid, interval, silent)
            current = self._status[sid]
            if status != current.status or (status != StationStatus.ONLINE and reason != current.reason):
                entry = StatusEntry(sid, status, wall_now, reason)
                self._status[sid] = entry
                changes.append(entry)
        if self._origin is not None and self.clock - self._origin >= self._longest_wait:
            self._heard = None  # every station's wait is over: no need to note who reports any more
        return changes

    def _judge(self, sid: str, interval: int, silent: bool) -> tuple[StationStatus, str]:
        last = self._last_ts.get(sid)
        overdue = last is None or last < self.clock - self.grace * interval
        if overdue and not silent and self._awaiting(sid, interval):
            return StationStatus.AWAITING, ""
        if last is None:
            return StationStatus.OFFLINE, "no data yet"
        if silent:
            return StationStatus.OFFLINE, "hub receives no data from the network"
        if overdue:
            return StationStatus.OFFLINE, f"no data for {int(self.clock - last)} s"
        faults = self._faults.get(sid)
        if faults:
            words = ", ".join(f"{f} {FLAG_WORDS.get(flag, flag)}" for f, flag in sorted(faults.items()))
            return StationStatus.FAULT, words
        return StationStatus.ONLINE, ""

    def _awaiting(self, sid: str, interval: int) -> bool:
        """Not heard from since the start, and the hub has not yet listened ``grace`` of its intervals."""
        heard = self._heard
        if heard is None or sid in heard:
            return False
        return self._origin is None or self.clock - self._origin < self.grace * interval

    def entries(self) -> list[StatusEntry]:
        """Current status of every station (for snapshots)."""
        return list(self._status.values())
