"""The wall's event log: one line per thing that happened (a station offline, an exceedance), newest first."""

from __future__ import annotations

from typing import NamedTuple

SEVERITIES = ("info", "warning", "critical")


class EventRow(NamedTuple):
    """One event: data time (Unix seconds), severity ('info', 'warning', 'critical') and its text."""

    ts: float
    severity: str
    text: str
