"""History as it stood at a moment, as a replay reads it from the hub or an episode file. No I/O of its own.

Three questions are answered the same way from the hub's database and from an episode file, by one
:class:`HistoryReader` over the same tables (``frames`` keyed by station and data time, incidents and
their audit trail):

- ``state_at(t)``: the stations, the newest value of every station and factor at or before ``t`` (within
  a look-back) and the incidents as they stood at ``t``, rebuilt from their audit trail;
- ``stretch(start, end)``: the readings and incident changes of ``(start, end]`` in time order, at most a
  bounded number, with ``complete_to`` saying how far the answer reaches when it had to stop early;
- the timeline: stretches with data, pollution episodes (city AQI above 200) and incident markers.

Incidents are stored as they stand now, with their append-only audit trail; :func:`incident_at` folds the
trail up to a moment back into the incident of that moment.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import msgspec

from console.core import aggregation, aqi
from console.core.incidents import AuditEntry, Incident, IncidentState, Level, Severity
from console.core.models import FAULT_FLAGS, Reading, Station, StationKind, StationStatus, Values
from console.core.reasons import Why
from console.core.units import Fix, UnitInfo, UnitState

LOOK_BACK_S = 86_400.0  # a value older than a day before the moment is not "the latest" of that moment
RECENT_S = 86_400.0  # incidents closed in the 24 h before the moment stand beside the open ones
STRETCH_LIMIT = 50_000  # readings in one stretch answer, at most (a whole data time is never split)
EPISODE_AQI = 200  # city AQI above this: a pollution episode on the timeline
# Series the hub derives, labelled by the start of their hour / day and known only once it has ended: a
# replay shows one from that moment on, as the hub published it live.
KNOWN_AFTER = {"AQI_H": float(aggregation.HOUR_S), "AQI_D": float(aggregation.DAY_S)}
DERIVED = frozenset(KNOWN_AFTER)


def known_at(r: Reading) -> float:
    """When a reading was known: its data time, or the end of the hour or day a derived value is of."""
    return r.ts + KNOWN_AFTER.get(r.factor, 0.0)


OFFLINE_AFTER = 3  # reporting intervals without data: the station shows offline

unpack_frame = msgspec.msgpack.Decoder(Values).decode  # a frame: factor -> (value, flag)
pack_frame = msgspec.msgpack.Encoder().encode


class IncidentStep(msgspec.Struct, array_like=True, frozen=True):
    """One change of an incident: its audit entry and the incident as that entry left it."""

    incident: Incident
    audit: AuditEntry


class StateAt(msgspec.Struct, frozen=True):
    """The picture at moment ``t``: stations, the newest value of each (station, factor), incidents and
    their audit trails up to ``t``."""

    t: float
    stations: list[Station]
    latest: list[Reading]
    incidents: list[Incident] = []
    audit: list[AuditEntry] = []
    pending: list[Reading] = []  # derived values of the hour and day under way: known when they end
    units: list[UnitState] = []  # emergency units with their newest accepted position at or before t


class Stretch(msgspec.Struct, frozen=True):
    """What happened in ``(start, complete_to]``: readings ordered by (time, station, factor), incident
    steps by time. ``complete_to`` is ``end`` unless the answer reached its size limit; then ask again
    from ``complete_to``."""

    start: float
    complete_to: float
    readings: list[Reading]
    steps: list[IncidentStep] = []
    fixes: list[Fix] = []  # units' accepted location reports, by device time


class TimelineData(msgspec.Struct, frozen=True):
    """The whole history at a glance: ``coverage`` (stretches with data), ``episodes`` (city AQI above
    200), ``incidents`` (first finding time, id), ``step_s`` (the shortest reporting interval) and
    ``rate`` (readings per second of data time, to size read-ahead)."""

    start: float
    end: float
    coverage: list[tuple[float, float]]
    episodes: list[tuple[float, float]]
    incidents: list[tuple[float, str]]
    step_s: float = 60.0
    rate: float = 1.0


# --- incidents at a moment ---------------------------------------------------------------------------------


def incident_at(
    final: Incident, trail: Sequence[AuditEntry], t: float, upto: int | None = None
) -> Incident | None:
    """The incident as it stood at ``t``: ``final`` (as it stands now) with its audit entries up to ``t``
    folded in from its first version (only those up to number ``upto`` when given); None when it was not
    raised yet.

    The trail records every change of state, assignee, deadline, level, severity and values; what it does
    not record (the title of a version, in trails written before it was recorded) is taken from ``final``.
    """
    entries = sorted((e for e in trail if e.ts <= t and (upto is None or e.n <= upto)), key=lambda e: e.n)
    if not entries:
        return None
    escalations = [e for e in trail if e.action == "escalate"]
    first_level, first_responsible = final.level, final.responsible
    if escalations and isinstance(escalations[0].details.get("from_level"), str):
        first_level = Level(escalations[0].details["from_level"])
    if escalations and isinstance(escalations[0].details.get("from_responsible"), str):
        first_responsible = escalations[0].details["from_responsible"]
    first = entries[0]
    incident = msgspec.structs.replace(
        final,
        version=1,
        state=IncidentState(first.to_state),
        updated=first.ts,
        created=first.ts,
        reason=first.comment or final.reason,
        level=first_level,
        responsible=first_responsible,
        assignee="",
        deadline=None,
        dispatched=None,
        closed=None,
        escalations=0,
        returns=0,
        clear_suggested=False,
        acknowledged="",
    )
    raised = first.details
    if isinstance(severity := raised.get("severity"), int):  # recorded at raising since playback came
        incident = msgspec.structs.replace(incident, severity=Severity(severity))
    if isinstance(values := raised.get("values"), dict):
        incident = msgspec.structs.replace(incident, values={str(k): float(v) for k, v in values.items()})
    for entry in entries[1:]:
        incident = _fold(incident, entry)
    return final if incident.version == final.version else incident


def _fold(incident: Incident, entry: AuditEntry) -> Incident:
    """One audit entry applied to the incident before it."""
    details = entry.details
    changes: dict[str, Any] = {
        "version": entry.version,
        "state": IncidentState(entry.to_state),
        "updated": entry.ts,
    }
    action = entry.action
    if action == "dispatch":
        changes |= {"assignee": str(details.get("assignee", "")), "dispatched": entry.ts}
        changes["deadline"] = _float(details.get("deadline"), incident.deadline)
    elif action == "assess" and details.get("result") == "return":
        changes |= {"returns": incident.returns + 1, "deadline": _float(details.get("deadline"), None)}
    elif action == "acknowledge":
        changes["acknowledged"] = entry.actor
    elif action == "update":
        if isinstance(severity := details.get("severity"), int):
            changes["severity"] = Severity(severity)
        if isinstance(values := details.get("values"), dict):
            changes["values"] = {str(k): float(v) for k, v in values.items()}
        changes |= {"reason": entry.comment or incident.reason, "clear_suggested": False}
        if isinstance(title := details.get("title"), str):
            changes["title"] = title
        if "why" in details:
            changes["why"] = msgspec.convert(details["why"], Why | None)
    elif action == "clear":
        changes["clear_suggested"] = True
    elif action == "escalate":
        if isinstance(level := details.get("to_level"), str):
            changes["level"] = Level(level)
        changes["responsible"] = str(details.get("notified", incident.responsible))
        changes["deadline"] = _float(details.get("deadline"), incident.deadline)
        changes["escalations"] = incident.escalations + 1
    if changes["state"] == IncidentState.CLOSED and incident.state != IncidentState.CLOSED:
        changes["closed"] = entry.ts
    try:
        return msgspec.structs.replace(incident, **changes)
    except (TypeError, ValueError, msgspec.ValidationError):  # an odd detail costs that detail only
        keep = ("version", "state", "updated", "closed")
        return msgspec.structs.replace(incident, **{k: v for k, v in changes.items() if k in keep})


def _float(value: object, default: float | None) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else default


def steps_of(final: Incident, trail: Sequence[AuditEntry]) -> list[IncidentStep]:
    """Every change of an incident with the incident it made, in order."""
    ordered = sorted(trail, key=lambda e: e.n)
    out = []
    for entry in ordered:
        at = incident_at(final, ordered, math.inf, entry.n)
        if at is not None:
            out.append(IncidentStep(at, entry))
    return out


def stands_at(incident: Incident, t: float) -> bool:
    """Whether a snapshot of moment ``t`` carries the incident: open, or closed in the 24 h before."""
    return incident.state != IncidentState.CLOSED or (incident.closed or 0.0) >= t - RECENT_S


# --- station states at a moment ----------------------------------------------------------------------------


def status_of(
    station: Station, newest: float | None, flags: Iterable[str], t: float
) -> tuple[StationStatus, float]:
    """A station's link state at ``t`` from its newest data time (None: never heard) and the flags of the
    values of that time: offline after three reporting intervals without data, fault on a fault flag."""
    if newest is None:
        return StationStatus.OFFLINE, 0.0
    late = OFFLINE_AFTER * max(station.interval_s, 1)
    if t - newest > late:
        return StationStatus.OFFLINE, newest + late
    if any(flag in FAULT_FLAGS for flag in flags):
        return StationStatus.FAULT, newest
    return StationStatus.ONLINE, newest


# --- reading the tables ------------------------------------------------------------------------------------

Rows = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]  # (SQL with :named parameters) -> rows


class HistoryReader:
    """Answers the three replay questions over ``frames``, ``incidents`` and ``incident_audit``-shaped
    tables, through ``rows`` (SQL with ``:named`` parameters, the same text for SQLite and PostgreSQL).

    ``frames`` is keyed by (station, ts): the newest frame of a station at or before a moment is one
    seek of that key, and a stretch of time is one range per station.
    """

    def __init__(self, rows: Rows, audit_table: str = "incident_audit", tz_hours: float = 8) -> None:
        self._rows = rows
        self._audit = audit_table
        self._tz_hours = tz_hours

    def stations(self) -> list[Station]:
        columns = "id, name, kind, township, grid, lon, lat, mn, st, factors, interval_s, zone"
        found = self._rows(f"SELECT {columns} "
                           "FROM stations ORDER BY id", {})  # fmt: skip
        return [station_of_row(row) for row in found]

    def state_at(
        self,
        t: float,
        stations: Sequence[Station] | None = None,
        look_back: float = LOOK_BACK_S,
        derived: Collection[str] | None = None,
    ) -> StateAt:
        """The picture at ``t`` (see :class:`StateAt`); ``derived``: the stations that have derived hourly
        and daily AQI at all (default: every air station)."""
        stations = list(stations) if stations is not None else self.stations()
        seen_of: dict[str, dict[str, Reading]] = {s.id: {} for s in stations}
        window = {"t": t, "since": t - look_back}
        for chunk in _chunks(stations, 500):
            names, params = _in_list("s", [s.id for s in chunk])
            # the newest frame of each station: one seek for its time, one for the frame, in one statement
            newest = (
                "SELECT f.station, f.ts, f.data FROM stations s JOIN frames f ON f.station = s.id AND f.ts = "
                "(SELECT MAX(g.ts) FROM frames g WHERE g.station = s.id AND g.ts <= :t AND g.ts >= :since) "
                f"WHERE s.id IN ({names})"
            )
            for station, ts, data in self._rows(newest, params | window):
                seen = seen_of[station]
                for factor, (value, flag) in unpack_frame(data).items():
                    if factor not in DERIVED:
                        seen[factor] = Reading(station, factor, ts, value, flag)
        walk = (
            "SELECT ts, data FROM frames WHERE station = :s AND ts <= :t AND ts >= :since ORDER BY ts DESC "
            "LIMIT 10000"
        )
        for station in stations:  # a newest frame without every factor: walk back until all are found
            seen = seen_of[station.id]
            want = set(station.factors)
            if want <= seen.keys() or not seen:
                continue
            for ts, data in self._rows(walk, {"s": station.id} | window):
                for factor, (value, flag) in unpack_frame(data).items():
                    if factor not in seen and factor not in DERIVED:
                        seen[factor] = Reading(station.id, factor, ts, value, flag)
                if want <= seen.keys():
                    break
        # derived hourly and daily AQI of the last hour and day ended by t: exact keys of their labels
        hour = math.floor(t / aggregation.HOUR_S) * aggregation.HOUR_S
        day = aggregation.local_day_start(t, self._tz_hours)
        labels = {"h0": hour, "h1": hour - aggregation.HOUR_S, "d0": day, "d1": day - aggregation.DAY_S}
        pending: list[Reading] = []
        air = [s.id for s in stations if s.kind == StationKind.AIR and (derived is None or s.id in derived)]
        for chunk_ids in _chunks(air, 500):
            names, params = _in_list("s", chunk_ids)
            sql = (
                f"SELECT station, ts, data FROM frames WHERE station IN ({names}) "
                "AND ts IN (:h0, :h1, :d0, :d1)"
            )
            for station, ts, data in self._rows(sql, params | labels):
                seen = seen_of[station]
                for factor, (value, flag) in unpack_frame(data).items():
                    old = seen.get(factor)
                    r = Reading(station, factor, ts, value, flag)
                    if factor not in DERIVED or ts > t:
                        continue
                    if known_at(r) > t:
                        pending.append(r)
                    elif old is None or old.ts < ts:
                        seen[factor] = r
        latest = [r for s in stations for r in sorted(seen_of[s.id].values(), key=lambda r: r.factor)]
        incidents, audit = self.incidents_at(t)
        pending.sort(key=lambda r: (r.ts, r.station, r.factor))
        return StateAt(t, stations, latest, incidents, audit, pending, self.units_at(t))

    def units(self) -> list[UnitInfo]:
        """Every unit on record."""
        rows = self._rows("SELECT unit, info FROM unit_states ORDER BY unit", {})
        return [_decode_unit(bytes(info)) for _, info in rows]

    def units_at(self, t: float) -> list[UnitState]:
        """Each unit with its newest accepted position at or before ``t`` (duty is not kept over time)."""
        out = []
        for info in self.units():
            sql = (
                f"SELECT {_FIX} FROM unit_fixes WHERE unit = :u AND ts <= :t AND fix = :yes AND rejected = ''"
            )
            found = self._rows(sql + " ORDER BY ts DESC LIMIT 1", {"u": info.id, "t": t, "yes": True})
            last = _fix_of(found[0]) if found else None
            out.append(UnitState(info=info, last=last, alarms=last.alarms if last else ()))
        return out

    def fixes_between(self, start: float, end: float, unit_ids: Sequence[str]) -> list[Fix]:
        """Accepted location reports with start < device time <= end, by time."""
        if not unit_ids:
            return []
        names, params = _in_list("u", unit_ids)
        sql = (f"SELECT {_FIX} FROM unit_fixes WHERE unit IN ({names}) AND ts > :a AND ts <= :b "
               "AND rejected = '' ORDER BY ts, unit")  # fmt: skip
        return [_fix_of(row) for row in self._rows(sql, params | {"a": start, "b": end})]

    def incidents_at(self, t: float) -> tuple[list[Incident], list[AuditEntry]]:
        """The incidents a snapshot of ``t`` carries, as they stood then, and their trails up to then."""
        bodies = self._rows(
            "SELECT body FROM incidents WHERE created <= :t AND (closed IS NULL OR closed >= :since)",
            {"t": t, "since": t - RECENT_S},
        )
        finals = [msgspec.json.decode(body, type=Incident) for (body,) in bodies]
        trails = self.trails([i.id for i in finals])
        out: list[Incident] = []
        audit: list[AuditEntry] = []
        for final in finals:
            at = incident_at(final, trails.get(final.id, []), t)
            if at is not None and stands_at(at, t):
                out.append(at)
                audit.extend(e for e in trails.get(final.id, []) if e.ts <= t)
        return sorted(out, key=lambda i: (i.created, i.id)), sorted(audit, key=lambda e: (e.incident, e.n))

    def trails(self, ids: Sequence[str]) -> dict[str, list[AuditEntry]]:
        found: dict[str, list[AuditEntry]] = {}
        for chunk in _chunks(list(ids), 500):
            names, params = _in_list("i", chunk)
            sql = f"SELECT body FROM {self._audit} WHERE incident IN ({names}) ORDER BY incident, n"
            for (body,) in self._rows(sql, params):
                entry = msgspec.json.decode(body, type=AuditEntry)
                found.setdefault(entry.incident, []).append(entry)
        return found

    def stretch(
        self,
        start: float,
        end: float,
        station_ids: Sequence[str],
        limit: int = STRETCH_LIMIT,
        unit_ids: Sequence[str] = (),
    ) -> Stretch:
        """Readings and incident steps of ``(start, end]`` (see :class:`Stretch`)."""
        names, params = _in_list("s", station_ids)
        frames: list[tuple[float, str, bytes]] = []
        if station_ids:
            sql = (f"SELECT ts, station, data FROM frames WHERE station IN ({names}) "
                   "AND ts > :a AND ts <= :b "
                   "ORDER BY ts, station")  # fmt: skip
            frames = [
                (ts, station, data) for ts, station, data in self._rows(sql, params | {"a": start, "b": end})
            ]
        readings: list[Reading] = []
        complete_to = end
        count = 0
        for i, (ts, station, data) in enumerate(frames):
            if count >= limit and ts != frames[i - 1][0]:  # stop between two data times, never inside one
                complete_to = frames[i - 1][0]
                break
            for factor, (value, flag) in sorted(unpack_frame(data).items()):
                readings.append(Reading(station, factor, ts, value, flag))
                count += 1
        steps = self.steps_between(start, complete_to)
        return Stretch(start, complete_to, readings, steps, self.fixes_between(start, complete_to, unit_ids))

    def steps_between(self, start: float, end: float) -> list[IncidentStep]:
        """Incident changes with start < audit time <= end, in time order, each with its incident."""
        sql = f"SELECT DISTINCT incident FROM {self._audit} WHERE ts > :a AND ts <= :b"
        ids = [ident for (ident,) in self._rows(sql, {"a": start, "b": end})]
        if not ids:
            return []
        trails = self.trails(ids)
        finals = self.incidents(ids)
        steps = [
            step
            for ident in ids
            if ident in finals
            for step in steps_of(finals[ident], trails.get(ident, []))
            if start < step.audit.ts <= end
        ]
        return sorted(steps, key=lambda s: (s.audit.ts, s.audit.incident, s.audit.n))

    def incidents(self, ids: Sequence[str]) -> dict[str, Incident]:
        found: dict[str, Incident] = {}
        for chunk in _chunks(list(ids), 500):
            names, params = _in_list("i", chunk)
            for (body,) in self._rows(f"SELECT body FROM incidents WHERE id IN ({names})", params):
                incident = msgspec.json.decode(body, type=Incident)
                found[incident.id] = incident
        return found

    def first_findings(self) -> list[tuple[float, str]]:
        """(first audit time, incident id) of every incident, in time order: the timeline's markers."""
        sql = f"SELECT incident, MIN(ts) FROM {self._audit} GROUP BY incident"
        return sorted((float(ts), str(ident)) for ident, ts in self._rows(sql, {}))

    def city_hours(self, start: float = -1e10, end: float = 1e10) -> list[tuple[int, str, float]]:
        """(Unix hour, pollutant, mean of the stations' hourly means) of the hours that meet [start, end],
        from a table shaped like the hub's hourly roll-up."""
        names, params = _in_list("f", list(aggregation.ITEM))
        sql = (f"SELECT hour, factor, AVG(total / count) FROM hourly_rollup WHERE count > 0 "
               f"AND factor IN ({names}) "
               "AND hour >= :h0 AND hour < :h1 GROUP BY hour, factor")  # fmt: skip
        first, stop = math.floor(start / aggregation.HOUR_S), math.floor(end / aggregation.HOUR_S) + 1
        bounds = {"h0": max(first, -(2**31) + 1), "h1": min(stop, 2**31 - 1)}
        return [(int(h), str(f), float(v)) for h, f, v in self._rows(sql, params | bounds)]

    def derived_stations(self) -> set[str]:
        """The stations with derived AQI in a table shaped like the hub's hourly roll-up: one seek each."""
        sql = "SELECT 1 FROM hourly_rollup WHERE station = :s AND factor = :f LIMIT 1"
        return {s.id for s in self.stations() if self._rows(sql, {"s": s.id, "f": "AQI_H"})}

    def span(self) -> tuple[float, float] | None:
        """The first and last data time of any station, or None without data."""
        first = last = None
        for station in self.stations():
            for (ts,) in self._rows(
                "SELECT ts FROM frames WHERE station = :s ORDER BY ts LIMIT 1", {"s": station.id}
            ):
                first = ts if first is None else min(first, ts)
            for (ts,) in self._rows(
                "SELECT ts FROM frames WHERE station = :s ORDER BY ts DESC LIMIT 1", {"s": station.id}
            ):
                last = ts if last is None else max(last, ts)
        return None if first is None or last is None else (float(first), float(last))


def timeline_from_hours(
    hours: Iterable[tuple[int, str, float]],
    incidents: list[tuple[float, str]],
    span: tuple[float, float],
    stations: Sequence[Station],
) -> TimelineData:
    """The timeline from hourly city means ``(unix hour, factor, mean of the stations' hourly means)``:
    coverage is the hours with any value, episodes the hours whose city hourly AQI is above 200."""
    by_hour: dict[int, dict[str, float]] = {}
    for hour, factor, mean in hours:
        by_hour.setdefault(int(hour), {})[factor] = mean
    covered, bad = [], []
    for hour in sorted(by_hour):
        covered.append(hour)
        conc = {f"{aggregation.ITEM[f]}_1H": v for f, v in by_hour[hour].items() if f in aggregation.ITEM}
        result = aqi.hourly_aqi(conc)
        if result is not None and result.aqi > EPISODE_AQI:
            bad.append(hour)
    return TimelineData(
        start=span[0],
        end=span[1],
        coverage=_runs(covered),
        episodes=_runs(bad),
        incidents=incidents,
        step_s=float(min((s.interval_s for s in stations), default=60) or 60),
        rate=rate_of(stations),
    )


def rate_of(stations: Sequence[Station]) -> float:
    """Readings per second of data time the stations report (at least a small positive number)."""
    return max(sum(len(s.factors) / max(s.interval_s, 1) for s in stations), 1e-3)


def _runs(hours: list[int]) -> list[tuple[float, float]]:
    """Consecutive hours merged into (start, end) stretches, Unix s."""
    runs: list[tuple[float, float]] = []
    for hour in hours:
        start = hour * float(aggregation.HOUR_S)
        if runs and runs[-1][1] >= start:
            runs[-1] = (runs[-1][0], start + aggregation.HOUR_S)
        else:
            runs.append((start, start + aggregation.HOUR_S))
    return runs


def station_of_row(row: Sequence[Any]) -> Station:
    """A station from (id, name, kind, township, grid, lon, lat, mn, st, factors, interval_s, zone)."""
    ident, name, kind, township, grid, lon, lat, mn, st, factors, interval_s, zone = row
    return Station(
        id=ident, name=name, kind=StationKind(kind), township=township, grid=grid, lon=float(lon),
        lat=float(lat), mn=mn, st=st, factors=tuple(f for f in str(factors).split(",") if f),
        interval_s=int(interval_s), zone=zone,
    )  # fmt: skip


_FIX = "unit, ts, lat, lon, speed_kmh, heading, fix, alarms"
_decode_unit = msgspec.msgpack.Decoder(UnitInfo).decode


def _fix_of(row: Sequence[Any]) -> Fix:
    unit, ts, lat, lon, speed, heading, fix, alarms = row
    return Fix(
        unit, float(ts), lat, lon, speed, heading, bool(fix), tuple(a for a in str(alarms).split(",") if a)
    )


def _in_list(prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    params = {f"{prefix}{i}": v for i, v in enumerate(values)}
    return ", ".join(f":{name}" for name in params) or "NULL", params


def _chunks[T](items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def parse_moment(text: str) -> float:
    """A moment from the command line: ISO 8601 with its zone (``2015-12-01T08:00+08:00``, ``...Z``) or
    Unix seconds; ValueError with the reason otherwise (a time without zone is ambiguous: refused)."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(value) or abs(value) > 1e11:
            raise ValueError(f"{text!r} is not a usable Unix time")
        return value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use ISO 8601 with a zone, e.g. 2015-12-01T08:00+08:00"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone: write e.g. {text}+08:00 (Beijing) or {text}Z (UTC)")
    return moment.timestamp()
