"""The rule engine: readings, station states and the data clock in, incident findings out.

Each reading is dispatched in O(1) to a channel: one small object per (station, factor), chosen once at
start-up by station kind and factor (the kind modules: air, noise, water, fume, sources). Channels keep
just enough state for their rules (last value and repeat count, a running baseline, the open hour's sums)
and report "condition present" to the engine, whose episodes (episodes.py) turn that into findings. The
engine itself holds what spans stations: ``feed`` (the hot path), ``status``, ``tick`` (stale hours,
neighbour comparison, offline duration, clears) and the restart's ``resume_episode``.

Time is always data time (the readings' ``ts``, Unix seconds UTC); local times in reasons and the cooking
and night windows use ``tz_hours``. Not thread-safe: use from one thread (the hub's event loop).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

import numpy as np

from console.core.incidents import Severity
from console.core.models import Reading, Station, StationStatus
from console.core.protocol import StatusEntry
from console.core.reasons import Why
from console.hub.rules import air, fume, noise, sources, water
from console.hub.rules.air import AirChannel
from console.hub.rules.channel import Channel, factor_name, with_unit
from console.hub.rules.config import DAY_S, HOUR_S, Finding, RuleConfig
from console.hub.rules.episodes import Describe, Episodes
from console.hub.rules.noise import NoiseChannel

# -- the engine ---------------------------------------------------------------------------------------------


class RuleEngine:
    """Turns readings, station states and the data clock into findings; one episode per (station, rule)."""

    def __init__(
        self, stations: Iterable[Station], tz_hours: float = 8.0, config: RuleConfig | None = None
    ) -> None:
        self.config = config or RuleConfig()
        self.tz_s = tz_hours * HOUR_S
        self._stations: dict[str, Station] = {s.id: s for s in stations}
        self._channels: dict[str, dict[str, Channel]] = {}
        self._hourly: list[AirChannel | NoiseChannel] = []
        self._episodes = Episodes(self.config, self.local)
        self._offline: dict[str, float | None] = {}  # station -> data time of its last data (None: unknown)
        self._now = 0.0
        self._next_neighbour = -math.inf
        self._neighbour_since: dict[tuple[str, str], float] = {}
        for station in self._stations.values():
            self._channels[station.id] = self._build(station)
        self._neighbours = self._build_neighbours()

    # -- construction ------------------------------------------------------------------------------------

    def _build(self, station: Station) -> dict[str, Channel]:
        """Channels of one station, by kind and factor: the dispatch decided once."""
        build = _CHANNELS_OF_KIND.get(str(station.kind))
        channels = build(self, station) if build else {}
        self._hourly += [c for c in channels.values() if isinstance(c, AirChannel | NoiseChannel)]
        return channels

    def _build_neighbours(self) -> dict[str, list[str]]:
        """Same-kind stations within the radius, nearest first (at most ``neighbour_max``)."""
        cfg = self.config
        out: dict[str, list[str]] = {}
        for kind in cfg.neighbour_kinds:
            group = [s for s in self._stations.values() if s.kind == kind]
            if len(group) <= cfg.neighbour_min:
                continue
            lat = np.radians([s.lat for s in group])
            lon = np.radians([s.lon for s in group])
            x = lon[:, None] - lon[None, :]
            y = lat[:, None] - lat[None, :]
            a = np.sin(y / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(x / 2) ** 2
            km = 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(1.0, a)))
            for i, station in enumerate(group):
                order = [j for j in np.argsort(km[i]) if j != i and km[i, j] <= cfg.neighbour_radius_km]
                if len(order) >= cfg.neighbour_min:
                    out[station.id] = [group[j].id for j in order[: cfg.neighbour_max]]
        return out

    # -- public API ----------------------------------------------------------------------------------------

    def feed(self, readings: Iterable[Reading]) -> list[Finding]:
        """Findings caused by a batch of readings (raw and derived); unknown stations/factors are skipped."""
        out: list[Finding] = []
        self._episodes.out = out
        channels = self._channels
        for r in readings:
            station = channels.get(r.station)
            if station is None:
                continue
            channel = station.get(r.factor)
            if channel is not None:
                channel.feed(r.ts, r.value, r.flag)
        return out

    def status(self, entry: StatusEntry) -> list[Finding]:
        """Note a station's link state; the offline rule itself is judged on ``tick``."""
        self._episodes.out = []
        if entry.station not in self._stations:
            return []
        if entry.status == StationStatus.OFFLINE:
            if entry.station not in self._offline:
                last = max((c.ts for c in self._channels[entry.station].values()), default=-math.inf)
                self._offline[entry.station] = last if last > 0 else None
        else:
            self._offline.pop(entry.station, None)
        return self._episodes.out

    def tick(self, now: float) -> list[Finding]:
        """Periodic work at data time ``now``: stale hours, neighbours, offline duration, clears."""
        out: list[Finding] = []
        self._episodes.out = out
        self._now = now = max(now, self._now)
        grace = 600.0
        for channel in self._hourly:
            if channel.count and now >= channel.hour_end + grace:
                channel.close_hour()
                channel.hour_start = channel.hour_end  # later values of the closed hour are late
        if now >= self._next_neighbour:
            self._next_neighbour = now + self.config.neighbour_every_s
            self._compare_neighbours(now)
        self._check_offline(now)
        self._episodes.clear_stale(now)
        return out

    def open_episodes(self) -> list[tuple[str, str]]:
        """(station, rule) of every episode currently open."""
        return list(self._episodes.open)

    def resume_episode(
        self, station: str, rule: str, category: str, severity: Severity, last_present: float
    ) -> bool:
        """Take up an episode opened before a restart (its incident is still open) without announcing it.

        ``last_present`` is the data time up to which the condition is taken to have held (the station's
        newest stored reading). The rule gets the time it needs to see the condition again on fresh data
        (:meth:`RuleConfig.redetect`) on top of the hold: only then does the episode clear. The next
        sighting refreshes it with an update, never a second opening. False for an unknown station or
        rule, or an episode already open.
        """
        if station not in self._stations:
            return False
        return self._episodes.resume(station, rule, category, severity, last_present)

    def present(
        self,
        station: str,
        rule: str,
        category: str,
        severity: Severity,
        ts: float,
        score: float,
        describe: Describe,
    ) -> None:
        """A rule's condition holds at ``ts``: open, update or just refresh the (station, rule) episode."""
        self._episodes.present(station, rule, category, severity, ts, score, describe)

    # -- local time and the cross-station rules ------------------------------------------------------------

    def local(self, ts: float) -> str:
        """Local date and time of a data time, e.g. '2026-11-22 14:00'."""
        return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts + self.tz_s))

    def cooking(self, ts: float) -> bool:
        """Whether a data time falls in the local cooking hours."""
        hour = ((ts + self.tz_s) % DAY_S) / HOUR_S
        return any(start <= hour < end for start, end in self.config.cooking_hours)

    def night(self, ts: float) -> bool:
        """Whether a data time falls in the local GB 3096 night."""
        hour = ((ts + self.tz_s) % DAY_S) / HOUR_S
        start, end = self.config.night_hours
        return start <= hour < end if start <= end else hour >= start or hour < end

    def _compare_neighbours(self, now: float) -> None:
        """异常高值点位: a station far above the median of its fresh neighbours, sustained."""
        cfg = self.config
        for station, neighbours in self._neighbours.items():
            own_channels = self._channels[station]
            for code, threshold in cfg.neighbour_abs.items():
                channel = own_channels.get(code)
                if channel is None:
                    continue
                key = (station, code)
                median = self._median(neighbours, code, now)
                value = channel.value
                fresh = now - channel.ts <= 3 * self._stations[station].interval_s
                if (
                    median is None
                    or not fresh
                    or not (value >= cfg.neighbour_ratio * median and value - median >= threshold)
                ):
                    self._neighbour_since.pop(key, None)
                    continue
                since = self._neighbour_since.setdefault(key, now)
                if now - since >= cfg.neighbour_sustain_s:
                    self._neighbour_high(station, code, value, median, len(neighbours), since, now)

    def _median(self, neighbours: list[str], code: str, now: float) -> float | None:
        values = []
        for other in neighbours:
            channel = self._channels[other].get(code)
            if channel is not None and now - channel.ts <= 3 * self._stations[other].interval_s:
                values.append(channel.value)
        if len(values) < self.config.neighbour_min:
            return None
        values.sort()
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

    def _neighbour_high(
        self, station: str, code: str, value: float, median: float, n: int, since: float, now: float
    ) -> None:
        cfg = self.config
        ratio = value / median if median > 0 else math.inf
        severity = Severity.HIGH if ratio >= 2 * cfg.neighbour_ratio else Severity.MEDIUM

        def describe() -> tuple[str, Why, dict[str, float]]:
            why = Why(
                "neighbour_high",
                {
                    "factor": code,
                    "value": with_unit(code, value),
                    "time": self.local(now),
                    "ratio": f"{ratio:.1f}",
                    "median": with_unit(code, median),
                    "n": str(n),
                    "radius": f"{cfg.neighbour_radius_km:g}",
                    "threshold": f"{cfg.neighbour_ratio:g}",
                    "margin": with_unit(code, cfg.neighbour_abs[code]),
                    "since": self.local(since),
                },
            )
            values = {"value": value, "neighbours_median": median, "ratio": min(ratio, 1e9), "since": since}
            return f"Abnormal high {factor_name(code)} against neighbours", why, values

        self.present(station, "neighbour_high", "air", severity, now, min(ratio, 1e9), describe)

    def _check_offline(self, now: float) -> None:
        cfg = self.config
        mass = len(self._offline) > cfg.mass_offline_share * max(1, len(self._stations))
        for station, since in self._offline.items():
            if since is None:
                self._offline[station] = since = now
            duration = now - since
            if duration < cfg.offline_after_s or (mass and (station, "offline") not in self._episodes.open):
                continue
            severity = Severity.MEDIUM if duration >= cfg.offline_medium_after_s else Severity.LOW

            def describe(
                since: float = since, duration: float = duration
            ) -> tuple[str, Why, dict[str, float]]:
                why = Why(
                    "offline",
                    {
                        "since": self.local(since),
                        "hours": f"{duration / HOUR_S:.1f}",
                        "time": self.local(now),
                        "threshold": f"{cfg.offline_after_s / HOUR_S:g}",
                    },
                )
                values = {"since": since, "duration_s": duration, "threshold": cfg.offline_after_s}
                return "Data logger offline", why, values

            self.present(station, "offline", "device", severity, now, 0.0, describe)


_CHANNELS_OF_KIND: dict[str, Callable[[RuleEngine, Station], dict[str, Channel]]] = {
    "air": air.channels,
    "scenic": air.channels,
    "micro": air.channels,
    "noise": noise.channels,
    "water": water.channels,
    "fume": fume.channels,
    "source": sources.emission_channels,
    "odour": sources.odour_channels,
}
