"""The emergency board's figures for one incident: support progress, handling progress, post-evaluation.

Pure: built from the incident, its audit trail, the units the hub shows assigned, the duty changes this
console saw live and (after closure) the units' tracks. When a unit was assigned, set off and arrived is
read from the audit first (the hub records ``assign_unit`` with ``details.unit`` and ``unit_status`` with
``details.unit`` and ``details.status``), then from what this console saw. Response time runs from
dispatch (or the first assignment when the incident was never dispatched) to the first arrival.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from console.core.incidents import AuditEntry, Incident
from console.core.unit_book import track_distance_m
from console.core.units import Fix, UnitState, UnitStatus

ASSIGN_ACTIONS = frozenset({"assign_unit"})
STATUS_ACTIONS = frozenset({"unit_status", "unit_arrived", "arrive"})
# release_unit (a unit taken off, or sent elsewhere) stays among the handling steps: the board shows it


@dataclass(frozen=True)
class UnitProgress:
    """One unit's part in an incident: when it was assigned, set off and arrived, and how far it went."""

    unit: str
    name: str
    kind: str
    status: UnitStatus | None  # its duty now (None: no longer known to this console)
    assigned: float | None = None
    en_route: float | None = None
    arrived: float | None = None
    to_scene_m: float | None = None  # along its track, assignment -> arrival (None: no track yet)
    covered_m: float | None = None  # along its track, assignment -> closure (or now)


@dataclass(frozen=True)
class Step:
    """One line of handling progress (from the audit trail)."""

    ts: float
    action: str
    actor: str
    to_state: str
    comment: str = ""


@dataclass(frozen=True)
class BoardFigures:
    """Everything the emergency board shows about one incident."""

    incident: Incident
    units: list[UnitProgress] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    start: float | None = None  # dispatch, else the first assignment
    first_arrival: float | None = None

    @property
    def assigned(self) -> int:
        return len(self.units)

    @property
    def en_route(self) -> int:
        return sum(1 for u in self.units if u.status == UnitStatus.EN_ROUTE)

    @property
    def arrived(self) -> int:
        return sum(1 for u in self.units if u.arrived is not None)

    @property
    def response_s(self) -> float | None:
        """Dispatch -> first unit arrival, seconds (None until a unit arrived)."""
        if self.start is None or self.first_arrival is None:
            return None
        return max(0.0, self.first_arrival - self.start)

    @property
    def closed(self) -> bool:
        return self.incident.closed is not None or self.incident.state == "closed"


def board_figures(
    incident: Incident,
    audit: Iterable[AuditEntry],
    units: Iterable[UnitState],
    observed: Iterable[tuple[float, str, UnitStatus]] = (),
    tracks: Mapping[str, list[Fix]] | None = None,
    known: Mapping[str, UnitState] | None = None,
    now: float | None = None,
) -> BoardFigures:
    """The board of ``incident``; ``units`` are those the hub shows assigned to it now, ``known`` every unit
    this console knows (to name units that have since left, with their duty now), ``tracks`` the units'
    tracks once fetched."""
    audit = sorted(audit, key=lambda e: e.n)
    current = dict(known or {}) | {u.info.id: u for u in units}
    infos = {u: s.info for u, s in current.items()}
    times: dict[str, dict[str, float]] = {u.info.id: {} for u in units}
    for entry in audit:
        unit = str(entry.details.get("unit", ""))
        if not unit:
            continue
        if entry.action in ASSIGN_ACTIONS:
            times.setdefault(unit, {}).setdefault("assigned", entry.ts)
        elif entry.action in STATUS_ACTIONS:
            status = str(entry.details.get("status", UnitStatus.ON_SCENE))
            _note(times.setdefault(unit, {}), status, entry.ts)
    for ts, unit, status in sorted(observed):
        _note(times.setdefault(unit, {}), status, ts)
    end = incident.closed if incident.closed is not None else now
    rows = []
    for unit, moments in sorted(times.items(), key=lambda kv: kv[1].get("assigned", float("inf"))):
        info, state = infos.get(unit), current.get(unit)
        track = (tracks or {}).get(unit)
        assigned = moments.get("assigned", moments.get("en_route"))
        arrived = moments.get("arrived")
        rows.append(
            UnitProgress(
                unit=unit,
                name=info.name if info else unit,
                kind=str(info.kind) if info else "",
                status=state.status if state else None,
                assigned=assigned,
                en_route=moments.get("en_route"),
                arrived=arrived,
                to_scene_m=track_distance_m(track, assigned, arrived) if track and arrived else None,
                covered_m=track_distance_m(track, assigned, end) if track is not None else None,
            )
        )
    arrivals = [r.arrived for r in rows if r.arrived is not None]
    assignments = [r.assigned for r in rows if r.assigned is not None]
    start = incident.dispatched if incident.dispatched is not None else min(assignments, default=None)
    steps = [
        Step(e.ts, e.action, e.actor, e.to_state, e.comment)
        for e in audit
        if e.action not in ASSIGN_ACTIONS | STATUS_ACTIONS
    ]
    return BoardFigures(incident, rows, steps, start, min(arrivals, default=None))


def _note(moments: dict[str, float], status: str, ts: float) -> None:
    if status == UnitStatus.EN_ROUTE:
        moments.setdefault("assigned", ts)
        moments.setdefault("en_route", ts)
    elif status == UnitStatus.ON_SCENE:
        moments.setdefault("assigned", ts)
        moments.setdefault("arrived", ts)
