"""What an import did: stations, readings, skipped rows with their file and line, and its speed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path


class HeaderError(ValueError):
    """A file whose header is not the one its format documents: the whole file is refused."""


@dataclass(frozen=True)
class BadRow:
    """A row that could not be imported: where it is and why."""

    path: Path
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class Report:
    """Running totals of an import, printed as its summary."""

    stations: set[str] = field(default_factory=set)
    readings: int = 0  # values written (re-imported ones too: they replace themselves)
    new_uploads: int = 0  # (station, time) moments that were not stored before
    derived: int = 0  # of the readings, hourly and daily AQI derived from the others
    bad_rows: list[BadRow] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # files refused whole, with the reason
    rolled_up_days: int = 0  # finished local days stored in the daily roll-up after the import
    started: float = field(default_factory=time.monotonic)

    def seconds(self) -> float:
        """Seconds since the import started."""
        return time.monotonic() - self.started

    def summary(self, show_bad: int = 20) -> str:
        """The lines printed at the end of an import; the first ``show_bad`` skipped rows in full."""
        seconds = self.seconds()
        rate = self.readings / seconds if seconds > 0 else 0.0
        lines = [
            f"stations: {len(self.stations)}",
            f"readings: {self.readings:,} ({self.new_uploads:,} new moments; {self.derived:,} derived AQI)",
            f"skipped rows: {len(self.bad_rows):,}",
            *(f"  {bad}" for bad in self.bad_rows[:show_bad]),
        ]
        if len(self.bad_rows) > show_bad:
            lines.append(f"  ... and {len(self.bad_rows) - show_bad:,} more")
        lines += [f"refused file: {reason}" for reason in self.refused]
        if self.rolled_up_days:
            lines.append(f"daily roll-up: {self.rolled_up_days:,} days")
        lines.append(f"time: {seconds:.1f} s, {rate:,.0f} readings/s")
        return "\n".join(lines)
