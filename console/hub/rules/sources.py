"""Key enterprises' outlets and landfill boundaries: a value over a fixed limit, sustained."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.core.incidents import Severity
from console.core.models import INVALID_FLAGS, Station
from console.core.reasons import Why
from console.core.standards import (
    EMISSION_LIMITS,
    ODOUR_LIMITS,
)
from console.hub.rules.channel import Channel, factor_name, with_unit

if TYPE_CHECKING:
    from console.hub.rules.engine import RuleEngine


class LimitChannel(Channel):
    """A value against a fixed upper limit, sustained: outlet emissions and landfill odour."""

    __slots__ = ("category", "limit", "rule", "since", "sustain")

    def __init__(self, engine: RuleEngine, station: Station, code: str, rule: str, limit: float) -> None:
        super().__init__(engine, station, code)
        cfg = engine.config
        self.rule, self.limit = rule, limit
        self.since: float | None = None
        self.category = "source" if rule == "emission" else "odour"
        self.sustain = cfg.emission_sustain_s if rule == "emission" else cfg.odour_sustain_s

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value:
            return
        self._track(ts, value)
        if value <= self.limit:
            self.since = None
            return
        if self.since is None:
            self.since = ts
        if ts - self.since >= self.sustain:
            self._over(ts, value)

    def _over(self, ts: float, value: float) -> None:
        ratio = value / self.limit
        if self.rule == "emission":
            severity = Severity.CRITICAL if ratio >= 3 else Severity.HIGH if ratio >= 1.5 else Severity.MEDIUM
            what = "over permit limit"
        else:
            severity = Severity.HIGH if ratio >= 5 else Severity.MEDIUM if ratio >= 2 else Severity.LOW
            what = "over odour limit"
        code, kind, since = self.code, self.kind, self.since or ts
        rule = self.rule

        def describe() -> tuple[str, Why, dict[str, float]]:
            why = Why(
                rule,
                {
                    "factor": code,
                    "value": with_unit(code, value, kind),
                    "time": self.engine.local(ts),
                    "limit": with_unit(code, self.limit, kind),
                    "since": self.engine.local(since),
                },
            )
            values = {"value": value, "limit": self.limit, "ratio": ratio, "since": since}
            return f"{factor_name(code)} {what}", why, values

        self.engine.present(self.station, self.rule, self.category, severity, ts, ratio, describe)


def emission_channels(engine: RuleEngine, station: Station) -> dict[str, Channel]:
    """Channels of a key enterprise's outlet: every factor with a permit limit."""
    return {
        code: LimitChannel(engine, station, code, "emission", EMISSION_LIMITS[code])
        for code in station.factors
        if code in EMISSION_LIMITS
    }


def odour_channels(engine: RuleEngine, station: Station) -> dict[str, Channel]:
    """Channels of a landfill boundary: every factor with a GB 14554 limit."""
    return {
        code: LimitChannel(engine, station, code, "odour", ODOUR_LIMITS[code])
        for code in station.factors
        if code in ODOUR_LIMITS
    }
