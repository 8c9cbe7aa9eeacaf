"""The console's picture of the incident loop: incidents by id, their audit trails, deadlines and counts.

Fed by ``Snapshot.incidents`` and ``IncidentEvent`` (an older version never overwrites a newer one) and by
audit trails fetched over REST. Answers what the queue, the counts by stage, the map halos and the pulse
of new critical incidents need. No Qt, no I/O: the clock is injected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from console.core import protocol
from console.core.clock import LIVE_CLOCK
from console.core.incidents import (
    OPEN_STATES,
    RUNNING_STATES,
    AuditEntry,
    Incident,
    IncidentState,
    Severity,
    overdue,
)

DUE_SOON_FRACTION = 0.75  # three quarters of the allowed time used: "due soon"
DUE_SOON_S = 3600.0  # or less than an hour left, whichever comes first
STAGES = (
    IncidentState.DISCOVERED,
    IncidentState.DISPATCHED,
    IncidentState.HANDLING,
    IncidentState.FEEDBACK,
    IncidentState.CLOSED,
)


class Lateness(StrEnum):
    """How an incident stands against its deadline (shape and word on screen, never colour alone)."""

    NONE = "none"  # no deadline clock: not dispatched yet, or closed without one
    ON_TIME = "on_time"  # the clock runs, plenty of time left
    DUE_SOON = "due_soon"  # the clock runs, less than an hour or a quarter of the time left
    OVERDUE = "overdue"  # past its deadline while the clock runs
    WAITING = "waiting"  # feedback given, waiting for assessment: the clock is stopped
    CLOSED_ON_TIME = "closed_on_time"
    CLOSED_LATE = "closed_late"


@dataclass(frozen=True)
class Sla:
    """Where an incident is against its deadline at one moment.

    ``left`` is seconds to the deadline (negative: overdue by that much), None without a deadline;
    ``used`` is the fraction of the allowed time gone (dispatch to deadline), None without one.
    """

    lateness: Lateness
    left: float | None = None
    used: float | None = None


class SortKey(StrEnum):
    """Orders of the queue."""

    URGENCY = "urgency"  # unacknowledged critical first, then overdue, then least time left, then severity
    SEVERITY = "severity"
    DEADLINE = "deadline"
    CREATED = "created"
    STATE = "state"
    TOWNSHIP = "township"


@dataclass(frozen=True)
class IncidentFilter:
    """What the queue shows; an empty set means "any"."""

    states: frozenset[IncidentState] = frozenset()
    severities: frozenset[Severity] = frozenset()
    township: str = ""
    overdue_only: bool = False
    open_only: bool = False

    def matches(self, incident: Incident, now: float) -> bool:
        """Whether an incident passes every condition."""
        return (
            (not self.states or incident.state in self.states)
            and (not self.severities or incident.severity in self.severities)
            and (not self.township or incident.township == self.township)
            and (not self.overdue_only or overdue(incident, now))
            and (not self.open_only or incident.state in OPEN_STATES)
        )


@dataclass
class BookChange:
    """What one applied message changed in the book."""

    snapshot: bool = False
    incidents: set[str] = field(default_factory=set)  # ids whose state changed (or appeared, or went)
    audit: set[str] = field(default_factory=set)  # ids whose audit trail grew
    raised: set[str] = field(default_factory=set)  # ids seen for the first time (not in a snapshot)

    def merge(self, other: BookChange) -> None:
        self.snapshot |= other.snapshot
        self.incidents |= other.incidents
        self.audit |= other.audit
        self.raised |= other.raised

    def __bool__(self) -> bool:
        return self.snapshot or bool(self.incidents or self.audit)


def sla_of(incident: Incident, now: float) -> Sla:
    """The incident against its deadline at ``now``."""
    deadline = incident.deadline
    if deadline is None:
        return Sla(Lateness.NONE)
    start = incident.dispatched if incident.dispatched is not None else incident.created
    allowed = max(deadline - start, 1.0)
    if incident.state == IncidentState.CLOSED:
        end = incident.closed if incident.closed is not None else incident.updated
        late = end > deadline
        return Sla(Lateness.CLOSED_LATE if late else Lateness.CLOSED_ON_TIME, deadline - end)
    if incident.state == IncidentState.FEEDBACK:
        return Sla(Lateness.WAITING, deadline - incident.updated, (incident.updated - start) / allowed)
    if incident.state not in RUNNING_STATES:
        return Sla(Lateness.NONE)
    left = deadline - now
    used = (now - start) / allowed
    if left < 0:
        lateness = Lateness.OVERDUE
    elif left <= DUE_SOON_S or used >= DUE_SOON_FRACTION:
        lateness = Lateness.DUE_SOON
    else:
        lateness = Lateness.ON_TIME
    return Sla(lateness, left, used)


def _urgency(
    incident: Incident, now: float, unacknowledged: set[str]
) -> tuple[bool, bool, bool, int, float, float]:
    left = sla_of(incident, now).left
    return (
        incident.id not in unacknowledged,
        incident.state not in OPEN_STATES,
        not overdue(incident, now),
        -incident.severity,
        left if left is not None and incident.state in RUNNING_STATES else float("inf"),
        -incident.created,
    )


_STAGE_ORDER = {state: n for n, state in enumerate(STAGES)}


class IncidentBook:
    """Every incident the hub published (open ones and those closed in the last 24 h), by id."""

    def __init__(self, clock: Callable[[], float] = LIVE_CLOCK.now) -> None:
        self.clock = clock
        self.clear()

    def clear(self) -> None:
        """Forget every incident and trail (a replay seeking elsewhere)."""
        self.incidents: dict[str, Incident] = {}
        self.audit: dict[str, dict[int, AuditEntry]] = {}
        self.acknowledged: set[str] = set()  # critical incidents an operator here has acknowledged
        self.audit_fetched: set[str] = set()  # ids whose whole trail came over REST

    # --- inputs ---------------------------------------------------------------------------------------

    def apply(self, message: protocol.HubMessage) -> BookChange:
        """Apply a hub message; anything but a snapshot or an incident event changes nothing."""
        if isinstance(message, protocol.Snapshot):
            return self.replace_all(message.incidents)
        if isinstance(message, protocol.IncidentEvent):
            change = BookChange()
            is_new = message.incident.id not in self.incidents
            if self.put(message.incident):
                change.incidents.add(message.incident.id)
                if is_new:
                    change.raised.add(message.incident.id)
            if message.audit is not None and self._add_audit(message.audit):
                change.audit.add(message.audit.incident)
            return change
        return BookChange()

    def put(self, incident: Incident) -> bool:
        """Keep an incident unless a newer version is already here; True when it changed the book."""
        old = self.incidents.get(incident.id)
        if old is not None and old.version >= incident.version:
            return False
        self.incidents[incident.id] = incident
        return True

    def replace_all(self, incidents: Iterable[Incident]) -> BookChange:
        """A snapshot: these are all the incidents there are (a newer version held here is kept)."""
        fresh: dict[str, Incident] = {}
        for incident in incidents:
            old = self.incidents.get(incident.id)
            keep_old = old is not None and old.version > incident.version
            fresh[incident.id] = old if keep_old else incident  # type: ignore[assignment]
        gone = set(self.incidents) - set(fresh)
        self.incidents = fresh
        for incident_id in gone:
            self.audit.pop(incident_id, None)
            self.audit_fetched.discard(incident_id)
        self.acknowledged &= set(fresh)
        return BookChange(snapshot=True, incidents=set(fresh) | gone)

    def set_audit(self, incident_id: str, entries: Iterable[AuditEntry]) -> BookChange:
        """The whole trail of one incident, fetched from the hub (merged with entries already here)."""
        trail = self.audit.setdefault(incident_id, {})
        for entry in entries:
            if entry.incident == incident_id:
                trail[entry.n] = entry
        self.audit_fetched.add(incident_id)
        return BookChange(audit={incident_id})

    def _add_audit(self, entry: AuditEntry) -> bool:
        trail = self.audit.setdefault(entry.incident, {})
        if entry.n in trail:
            return False
        trail[entry.n] = entry
        return True

    def acknowledge(self, incident_id: str) -> bool:
        """An operator has seen a new critical incident: it stops pulsing; True when it was pulsing."""
        pulsing = incident_id in self.unacknowledged_critical()
        if incident_id in self.incidents:
            self.acknowledged.add(incident_id)
        return pulsing

    # --- questions ------------------------------------------------------------------------------------

    def get(self, incident_id: str) -> Incident | None:
        return self.incidents.get(incident_id)

    def trail(self, incident_id: str) -> list[AuditEntry]:
        """The audit trail known so far, oldest first."""
        trail = self.audit.get(incident_id, {})
        return [trail[n] for n in sorted(trail)]

    def sla(self, incident: Incident | str) -> Sla:
        """Deadline standing of an incident now (by the book's clock)."""
        if isinstance(incident, str):
            found = self.incidents.get(incident)
            if found is None:
                return Sla(Lateness.NONE)
            incident = found
        return sla_of(incident, self.clock())

    def unacknowledged_critical(self) -> set[str]:
        """Critical incidents not yet dispatched that nobody has acknowledged (here, or anywhere through the
        hub): they pulse."""
        return {
            i.id
            for i in self.incidents.values()
            if i.severity == Severity.CRITICAL
            and i.state == IncidentState.DISCOVERED
            and not i.acknowledged
            and i.id not in self.acknowledged
        }

    def counts_by_stage(self) -> dict[IncidentState, int]:
        """How many incidents are in each stage (closed: in the last 24 h, as the hub keeps them)."""
        counts = dict.fromkeys(STAGES, 0)
        for incident in self.incidents.values():
            counts[incident.state] += 1
        return counts

    def overdue_count(self) -> int:
        now = self.clock()
        return sum(overdue(i, now) for i in self.incidents.values())

    def select(
        self,
        where: IncidentFilter | None = None,
        sort: SortKey = SortKey.URGENCY,
        descending: bool = False,
        township_names: dict[str, str] | None = None,
    ) -> list[Incident]:
        """Incidents passing the filter, in the order asked for (urgency: most urgent first)."""
        now = self.clock()
        where = where or IncidentFilter()
        rows = [i for i in self.incidents.values() if where.matches(i, now)]
        names = township_names or {}
        keys: dict[SortKey, Callable[[Incident], Any]] = {  # tuples of different shapes, each comparable
            SortKey.SEVERITY: lambda i: (-i.severity, -i.created),
            SortKey.DEADLINE: lambda i: (i.deadline is None, i.deadline or 0.0, -i.severity),
            SortKey.CREATED: lambda i: -i.created,
            SortKey.STATE: lambda i: (_STAGE_ORDER[i.state], -i.severity),
            SortKey.TOWNSHIP: lambda i: (names.get(i.township, i.township), -i.severity),
        }
        if sort == SortKey.URGENCY:
            pulsing = self.unacknowledged_critical()
            rows.sort(key=lambda i: _urgency(i, now, pulsing), reverse=descending)
        else:
            rows.sort(key=keys[sort], reverse=descending)
        return rows

    def townships(self) -> list[str]:
        """Township codes that have incidents, sorted."""
        return sorted({i.township for i in self.incidents.values() if i.township})
