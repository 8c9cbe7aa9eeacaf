"""The rule engine: readings, station states and the data clock in, incident findings out.

Longer than most modules because it holds the whole rule set; it reads top-down:

1. ``Finding``, ``RULES`` and ``RuleConfig`` (every threshold, with the reason for its default);
2. ``_Episode`` and the episode book-keeping of ``RuleEngine`` (one "open" per station and rule, "update"
   on a worse severity or a materially higher peak, "clear" once the condition has been absent for the
   rule's hold time);
3. channels: one small object per (station, factor) that a reading is dispatched to in O(1), chosen once
   at start-up by station kind and factor. Channels keep just enough state for their rules (last value and
   repeat count, a running baseline, the open hour's sums) and report "condition present" to the engine;
4. ``RuleEngine``: ``feed`` (the hot path), ``status``, ``tick`` (neighbour comparison, offline duration,
   clears) and ``open_episodes``.

Time is always data time (the readings' ``ts``, Unix seconds UTC); local times in reasons and the cooking
and night windows use ``tz_hours``. Not thread-safe: use from one thread (the hub's event loop).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable

import numpy as np

from console.core import aqi
from console.core.factors import FACTORS
from console.core.incidents import Severity
from console.core.models import Reading, Station, StationStatus
from console.core.protocol import StatusEntry
from console.core.reasons import Why, render
from console.core.standards import (
    EMISSION_LIMITS,
    LOWER_BOUND_PARAMS,
    NOISE_LIMITS,
    ODOUR_LIMITS,
    WATER_CLASS_LABELS,
    WATER_PARAM_BY_CODE,
    noise_limit,
)
from console.hub.rules.air import (
    _AIR_GASES,
    _IAQI_KEY,
    _PARTICLES,
    _AirChannel,
    _AqiChannel,
    _gb3095_limit,
    _severity_of_level,
)
from console.hub.rules.channel import _NOT_STUCK, _Channel, _fmt, _name
from console.hub.rules.config import DAY_S, HOUR_S, RULES, Finding, RuleConfig
from console.hub.rules.episodes import Describe, _Episode
from console.hub.rules.fume import _FumeChannel, _FumeState
from console.hub.rules.noise import _NoiseChannel
from console.hub.rules.sources import _LimitChannel
from console.hub.rules.water import _CODE_OF_PARAM, _water_target_limit, _WaterChannel, _WaterState

# -- the engine ---------------------------------------------------------------------------------------------


class RuleEngine:
    """Turns readings, station states and the data clock into findings; one episode per (station, rule)."""

    def __init__(
        self, stations: Iterable[Station], tz_hours: float = 8.0, config: RuleConfig | None = None
    ) -> None:
        self.config = config or RuleConfig()
        self.tz_s = tz_hours * HOUR_S
        self._stations: dict[str, Station] = {s.id: s for s in stations}
        self._channels: dict[str, dict[str, _Channel]] = {}
        self._hourly: list[_AirChannel | _NoiseChannel] = []
        self._open: dict[tuple[str, str], _Episode] = {}
        self._out: list[Finding] = []
        self._offline: dict[str, float | None] = {}  # station -> data time of its last data (None: unknown)
        self._now = 0.0
        self._next_neighbour = -math.inf
        self._neighbour_since: dict[tuple[str, str], float] = {}
        for station in self._stations.values():
            self._channels[station.id] = self._build(station)
        self._neighbours = self._build_neighbours()

    # -- construction ------------------------------------------------------------------------------------

    def _build(self, station: Station) -> dict[str, _Channel]:
        """Channels of one station, by kind and factor: the dispatch decided once."""
        kind, factors = str(station.kind), station.factors
        channels: dict[str, _Channel] = {}
        if kind in ("air", "scenic", "micro"):
            for code in factors:
                if code in _PARTICLES or code in _AIR_GASES:
                    channels[code] = _AirChannel(
                        self, station, code, on_hour=kind == "micro" and code == "a34004"
                    )
                    self._hourly.append(channels[code])  # type: ignore[arg-type]
            if kind != "micro":
                aqi_channel = _AqiChannel(self, station, "AQI_H")
                aqi_channel.pollutants = [c for c in channels.values() if isinstance(c, _AirChannel)]
                channels["AQI_H"] = aqi_channel
            if "a99001" in factors:
                channels["a99001"] = _Channel(self, station, "a99001")  # negative ions: stuck only
        elif kind == "noise" and station.zone.strip().lower() in NOISE_LIMITS:
            limit = noise_limit(station.zone, night=True)
            channels["Leq"] = _NoiseChannel(self, station, "Leq", limit)
            self._hourly.append(channels["Leq"])  # type: ignore[arg-type]
        elif kind == "water":
            target = station.zone.strip().upper()
            state = (
                _WaterState(WATER_CLASS_LABELS.index(target) + 1)
                if target in WATER_CLASS_LABELS[:5]
                else None
            )
            for code in factors:
                if state is not None and WATER_PARAM_BY_CODE.get(code, "TN") != "TN":
                    channels[code] = _WaterChannel(self, station, code, state)  # TN: lakes only
                elif code in FACTORS and code not in _NOT_STUCK:
                    channels[code] = _Channel(self, station, code)
        elif kind == "fume":
            state = _FumeState()
            channels = {
                c: _FumeChannel(self, station, c, state) for c in ("a34041", "SB1-RS") if c in factors
            }
        elif kind == "source":
            for code in factors:
                if code in EMISSION_LIMITS:
                    channels[code] = _LimitChannel(self, station, code, "emission", EMISSION_LIMITS[code])
        elif kind == "odour":
            for code in factors:
                if code in ODOUR_LIMITS:
                    channels[code] = _LimitChannel(self, station, code, "odour", ODOUR_LIMITS[code])
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
        self._out = out = []
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
        self._out = []
        if entry.station not in self._stations:
            return []
        if entry.status == StationStatus.OFFLINE:
            if entry.station not in self._offline:
                last = max((c.ts for c in self._channels[entry.station].values()), default=-math.inf)
                self._offline[entry.station] = last if last > 0 else None
        else:
            self._offline.pop(entry.station, None)
        return self._out

    def tick(self, now: float) -> list[Finding]:
        """Periodic work at data time ``now``: stale hours, neighbours, offline duration, clears."""
        self._out = []
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
        for key, episode in list(self._open.items()):
            if now - episode.last_present > self.config.hold(key[1]):
                del self._open[key]
                self._emit_clear(key, episode, now)
        return self._out

    def open_episodes(self) -> list[tuple[str, str]]:
        """(station, rule) of every episode currently open."""
        return list(self._open)

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
        key = (station, rule)
        if station not in self._stations or rule not in RULES or key in self._open:
            return False
        # score 0: the first sighting after the restart is announced as an update with today's figures
        episode = self._open[key] = _Episode(category, severity, 0.0, last_present)
        episode.last_present = last_present + self.config.redetect(rule)
        return True

    # -- episodes -------------------------------------------------------------------------------------------

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
        key = (station, rule)
        episode = self._open.get(key)
        if episode is None:
            episode = self._open[key] = _Episode(category, severity, score, ts)
            self._emit("open", key, episode, ts, describe)
            return
        episode.last_present = max(episode.last_present, ts)
        cfg = self.config
        if severity > episode.severity or (
            score >= episode.score * (1.0 + cfg.update_growth) + 1e-12
            and ts - episode.updated >= cfg.update_min_s
        ):
            episode.severity = max(episode.severity, severity)
            episode.score = max(episode.score, score)
            episode.updated = ts
            self._emit("update", key, episode, ts, describe)

    def _emit(
        self, kind: str, key: tuple[str, str], episode: _Episode, ts: float, describe: Describe
    ) -> None:
        title, why, values = describe()
        episode.title, episode.values = title, values
        finding = Finding(kind, *key, episode.category, episode.severity, ts, title, render(why), values, why)
        self._out.append(finding)

    def _emit_clear(self, key: tuple[str, str], episode: _Episode, now: float) -> None:
        hold = self.config.hold(key[1])
        why = Why(
            "clear",
            {
                "rule": key[1],
                "since": self.local(episode.last_present),
                "hold": f"{hold / 60:g}",
                "time": self.local(now),
            },
        )
        values = dict(episode.values) | {"last_present": episode.last_present, "hold_s": hold}
        title = f"Cleared: {episode.title}"
        finding = Finding(
            "clear", *key, episode.category, episode.severity, now, title, render(why), values, why
        )
        self._out.append(finding)

    # -- rule bodies called by channels ----------------------------------------------------------------------

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

    def grade_aqi(self, channel: _AqiChannel, ts: float, value: float) -> None:
        """Exceedance by hourly AQI at an air or scenic station."""
        category = aqi.category_of(value)
        if category.level < self.config.aqi_min_level:
            return
        primary = self._primary(channel.pollutants, ts)
        low = aqi.IAQI_LEVELS[category.level - 1]

        def describe() -> tuple[str, Why, dict[str, float]]:
            span = f"{self.local(ts)}-{self.local(ts + HOUR_S)[-5:]}"
            values = {"aqi": value, "threshold": float(low), "level": float(category.level)}
            args = {
                "aqi": f"{value:.0f}",
                "span": span,
                "category": str(category.level),
                "threshold": str(low),
            }
            key = "exceedance_aqi"
            if primary is not None:
                code, mean, limit = primary
                key, args = "exceedance_aqi_primary", args | {"factor": code, "value": _fmt(code, mean)}
                values |= {"value": mean}
                if limit is not None:
                    key, args = "exceedance_aqi_limit", args | {"limit": _fmt(code, limit)}
                    values |= {"limit": limit}
            return f"Hourly AQI {value:.0f}: {category.category_en.lower()}", Why(key, args), values

        severity = _severity_of_level(category.level)
        self.present(channel.station, "exceedance", "air", severity, ts, value, describe)

    def _primary(self, pollutants: list[_AirChannel], ts: float) -> tuple[str, float, float | None] | None:
        """The pollutant with the highest IAQI in the hour starting at ts: code, mean, GB 3095 limit."""
        best: tuple[int, str, float] | None = None
        for channel in pollutants:
            mean = channel.mean_of(ts)
            key = _IAQI_KEY.get(channel.code)
            if key is None or mean != mean:
                continue
            index = aqi.iaqi(key, mean)
            if index is not None and (best is None or index > best[0]):
                best = (index, channel.code, mean)
        if best is None:
            return None
        return best[1], best[2], _gb3095_limit(best[1])

    def grade_hour(self, channel: _AirChannel, hour_start: float, mean: float) -> None:
        """Exceedance by a micro station's hourly PM2.5 mean, graded on the HJ 633 breakpoints."""
        index = aqi.iaqi(_IAQI_KEY[channel.code], mean)
        if index is None:
            return
        category = aqi.category_of(index)
        if category.level < self.config.aqi_min_level:
            return
        code = channel.code
        threshold = aqi.BREAKPOINTS["PM25_24H"][category.level - 1]
        limit = _gb3095_limit(code)

        def describe() -> tuple[str, Why, dict[str, float]]:
            span = f"{self.local(hour_start)}-{self.local(hour_start + HOUR_S)[-5:]}"
            why = Why(
                "exceedance_hour",
                {
                    "factor": code,
                    "value": _fmt(code, mean),
                    "span": span,
                    "category": str(category.level),
                    "threshold": _fmt(code, threshold),
                    "iaqi": str(index),
                    "limit": _fmt(code, limit or math.nan),
                },
            )
            values = {"value": mean, "threshold": threshold, "iaqi": float(index)}
            if limit is not None:
                values["limit"] = limit
            return f"{_name(code)} over GB 3095 limit ({category.category_en.lower()})", why, values

        severity = _severity_of_level(category.level)
        self.present(channel.station, "exceedance", "air", severity, hour_start, mean, describe)

    def grade_noise(self, channel: _NoiseChannel, hour_start: float, leq: float) -> None:
        """Night noise: an hour's Leq against the zone's GB 3096 night limit."""
        if not self.night(hour_start) or leq <= channel.limit:
            return
        excess = leq - channel.limit
        severity = Severity.HIGH if excess > 10 else Severity.MEDIUM if excess > 5 else Severity.LOW
        zone = self._stations[channel.station].zone

        def describe() -> tuple[str, Why, dict[str, float]]:
            span = f"{self.local(hour_start)}-{self.local(hour_start + HOUR_S)[-5:]}"
            why = Why(
                "night_noise",
                {
                    "value": f"{leq:.1f} dB(A)",
                    "span": span,
                    "zone": zone,
                    "limit": f"{channel.limit:g} dB(A)",
                    "excess": f"{excess:.1f} dB",
                },
            )
            return (
                "Night noise over zone limit",
                why,
                {"value": leq, "limit": channel.limit, "excess": excess},
            )

        self.present(channel.station, "night_noise", "noise", severity, hour_start, excess, describe)

    def grade_water(self, station: str, state: _WaterState, ts: float) -> None:
        """Water worse than its target class for the sustain time."""
        grade = max(state.grades.values())
        excess = grade - state.target
        severity = Severity.HIGH if excess >= 2 else Severity.MEDIUM
        worst = [p for p, g in state.grades.items() if g == grade]
        since = state.since or ts
        target = WATER_CLASS_LABELS[state.target - 1]
        label = WATER_CLASS_LABELS[grade - 1]
        details = {p: state.values[p] for p in worst}

        def describe() -> tuple[str, Why, dict[str, float]]:
            parts = []
            for p, v in details.items():
                code, limit = _CODE_OF_PARAM[p], _water_target_limit(p, state.target)
                args = {"factor": code, "value": _fmt(code, v)}
                if limit is None:
                    parts.append(Why("water_part", args))
                else:
                    bound = "water_part_minimum" if p in LOWER_BOUND_PARAMS else "water_part_limit"
                    parts.append(Why(bound, args | {"target": target, "limit": _fmt(code, limit)}))
            why = Why(
                "water_class",
                {"grade": label, "time": self.local(ts), "target": target, "since": self.local(since)},
                tuple(parts),
            )
            values = {"grade": float(grade), "target": float(state.target), "since": since}
            values |= {f"value_{p}": v for p, v in details.items()}
            if len(details) == 1:
                p, v = next(iter(details.items()))
                values["value"] = v
                limit = _water_target_limit(p, state.target)
                if limit is not None:
                    values["limit"] = limit
            return f"Water class {label} worse than target {target}", why, values

        self.present(station, "water_class", "water", severity, ts, float(grade), describe)

    def purifier_off(self, station: str, state: _FumeState, ts: float) -> None:
        """Cooking fume with the purifier off in cooking hours."""
        fume, since, limit = state.fume, state.since or ts, self.config.fume_threshold

        def describe() -> tuple[str, Why, dict[str, float]]:
            why = Why(
                "purifier_off",
                {
                    "value": _fmt("a34041", fume),
                    "time": self.local(ts),
                    "limit": _fmt("a34041", limit),
                    "since": self.local(since),
                },
            )
            values = {"value": fume, "limit": limit, "purifier": 0.0, "since": since}
            return "Catering purifier off while cooking", why, values

        # the finding is the state itself: a higher fume reading while the purifier is off adds nothing
        self.present(station, "purifier_off", "fume", Severity.MEDIUM, ts, 0.0, describe)

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
                    "value": _fmt(code, value),
                    "time": self.local(now),
                    "ratio": f"{ratio:.1f}",
                    "median": _fmt(code, median),
                    "n": str(n),
                    "radius": f"{cfg.neighbour_radius_km:g}",
                    "threshold": f"{cfg.neighbour_ratio:g}",
                    "margin": _fmt(code, cfg.neighbour_abs[code]),
                    "since": self.local(since),
                },
            )
            values = {"value": value, "neighbours_median": median, "ratio": min(ratio, 1e9), "since": since}
            return f"Abnormal high {_name(code)} against neighbours", why, values

        self.present(station, "neighbour_high", "air", severity, now, min(ratio, 1e9), describe)

    def _check_offline(self, now: float) -> None:
        cfg = self.config
        mass = len(self._offline) > cfg.mass_offline_share * max(1, len(self._stations))
        for station, since in self._offline.items():
            if since is None:
                self._offline[station] = since = now
            duration = now - since
            if duration < cfg.offline_after_s or (mass and (station, "offline") not in self._open):
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
