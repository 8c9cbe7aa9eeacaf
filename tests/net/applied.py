"""Counts what a console session applied, from the changes it publishes, for loss and duplicate checks."""

from __future__ import annotations

from collections import Counter

from console.core import protocol
from console.core.session import ConsoleSession, SessionChange

Key = tuple[str, str, float]


class AppliedReadings:
    """Every reading a session applied, live or back-filled, by (station, factor, ts), and how often.

    A snapshot restates latest values: those count once, when they are new to the console. Snapshots
    from the hub are counted too (not the picture restored from the cache).
    """

    def __init__(self, session: ConsoleSession) -> None:
        self.counts: Counter[Key] = Counter()
        self.snapshots = 0
        session.changed.subscribe(self._on_changed)

    def _on_changed(self, change: SessionChange) -> None:
        message = change.message
        if isinstance(message, protocol.Readings):
            self.counts.update((r.station, r.factor, r.ts) for r in message.items)
        elif isinstance(message, protocol.Snapshot):
            self.snapshots += 1
            for r in message.latest:
                key = (r.station, r.factor, r.ts)
                if key not in self.counts:
                    self.counts[key] = 1
        self.counts.update((r.station, r.factor, r.ts) for r in change.backfilled)

    def keys(self) -> set[Key]:
        return set(self.counts)

    def duplicates(self) -> int:
        return sum(n - 1 for n in self.counts.values() if n > 1)
