"""Warnings and forecast changes as events on ``/ws``: the open warnings the snapshot carries, a ``warning``
event for every step (propose, issue, reject, end, expire) and a ``forecast`` event when the forecast
changed, so every console learns of them the way it learns of incidents, with a seq."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from console.core import protocol
from console.hub.events import EventLog
from console.hub.forecast import model as fm
from console.hub.forecast import official, warning

log = logging.getLogger("console.hub.forecast")
OPEN = ("proposed", "issued")
DAY_S = 86400.0


def to_state(row: dict[str, Any], tz_hours: float) -> protocol.WarningState:
    """A warning of ``warning.listing`` (with its audit trail) as the wire carries it."""
    trail = row.get("audit") or []
    last = trail[-1] if trail else {}
    issued = [e["ts"] for e in trail if e.get("to_state") == "issued"]
    end = date.fromisoformat(str(row["end"]))
    ends_at = ((end - date(1970, 1, 1)).days + 1) * DAY_S - tz_hours * 3600  # the end of its last local day
    return protocol.WarningState(
        id=int(row["id"]), level=str(row["level"]), state=str(row["state"]), start=str(row["start"]),
        end=str(row["end"]), ends_at=ends_at, measures=str(row.get("measures") or ""),
        issued_at=float(issued[-1]) if issued else None, version=len(trail),
        changed=float(last.get("ts", row.get("created", 0.0))), by=str(last.get("actor", "")),
        comment=str(last.get("comment", "")),
    )  # fmt: skip


def forecast_stamp(engine: sa.Engine, directory: Path | None, today: date) -> str:
    """What the served forecast depends on: the model version, the official forecasts stored and the
    issue day (blocking). Two equal stamps serve the same forecast."""
    version: object = "-"
    if directory is not None:
        try:
            version = fm.read_manifest(directory).get("version", "-")
        except fm.ModelError:
            pass
    official.metadata.create_all(engine)
    c = official.official_forecasts.c
    with engine.connect() as conn:
        count, newest = conn.execute(sa.select(sa.func.count(), sa.func.max(c.imported))).one()
    return f"model {version}; official {count} {newest or 0:.0f}; day {today - timedelta(days=1)}"


class WarningFeed:
    """Keeps the open warnings (the snapshot's ``warnings``) and publishes every change as an event.

    ``publish`` broadcasts an encoded event to every console (the hub's ``_broadcast``); every method runs
    on the hub's loop except ``load`` and ``rows``, which read the database (blocking)."""

    def __init__(self, engine: sa.Engine, events: EventLog, publish: Callable[[bytes], None],
                 tz_hours: float) -> None:  # fmt: skip
        self.engine = engine
        self.events = events
        self._publish = publish
        self.tz_hours = tz_hours
        self._known: dict[int, tuple[int, str]] = {}  # id -> (version, state) of every warning seen
        self._open: dict[int, protocol.WarningState] = {}
        self.stamp = ""  # the forecast last announced

    def load(self) -> None:
        """What the table holds now, announced to nobody (the start of a hub run)."""
        for row in self.rows():
            state = to_state(row, self.tz_hours)
            self._known[state.id] = (state.version, state.state)
            if state.state in OPEN:
                self._open[state.id] = state

    def rows(self) -> list[dict[str, Any]]:
        return warning.listing(self.engine)

    def states(self) -> list[protocol.WarningState]:
        """The open warnings, oldest first (the snapshot's)."""
        return [self._open[k] for k in sorted(self._open)]

    def changed(self, row: dict[str, Any]) -> bool:
        """A warning after a step: published unless this version was already (True when published)."""
        state = to_state(row, self.tz_hours)
        if self._known.get(state.id) == (state.version, state.state):
            return False
        self._known[state.id] = (state.version, state.state)
        if state.state in OPEN:
            self._open[state.id] = state
        else:
            self._open.pop(state.id, None)
        self._publish(self.events.warning(state))
        log.info("warning %d %s: %s", state.id, state.level, state.state)
        return True

    def sync(self, rows: list[dict[str, Any]]) -> int:
        """Publish every warning whose state moved since it was last seen (steps made by the hourly check,
        or by another process on the same database); how many."""
        return sum(self.changed(row) for row in sorted(rows, key=lambda r: r["id"]))

    def forecast_changed(self, stamp: str) -> bool:
        """Announce a new forecast (a ``forecast`` event) when its stamp differs from the last one."""
        if stamp == self.stamp:
            return False
        first = not self.stamp
        self.stamp = stamp
        if not first:  # the first stamp of a run: consoles fetch the forecast when they connect anyway
            self._publish(self.events.forecast(stamp))
        return True
