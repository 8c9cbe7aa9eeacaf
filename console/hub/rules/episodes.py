"""An open episode of a (station, rule) and how a finding describes itself."""

from __future__ import annotations

from collections.abc import Callable

from console.core.incidents import Severity
from console.core.reasons import Why

# A finding's words and numbers, built only when a finding is actually emitted.
Describe = Callable[[], tuple[str, Why, dict[str, float]]]  # title, why, the numbers behind the why


class _Episode:
    """One open episode of a (station, rule)."""

    __slots__ = ("category", "last_present", "score", "severity", "title", "updated", "values")

    def __init__(self, category: str, severity: Severity, score: float, ts: float) -> None:
        self.category = category
        self.severity = severity  # highest announced
        self.score = score  # peak announced (larger is worse)
        self.updated = ts  # data time of the last announcement
        self.last_present = ts
        self.title = ""
        self.values: dict[str, float] = {}
