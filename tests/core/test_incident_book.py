"""The console's incident book: versions, filters, orders, deadlines, counts and the critical pulse."""

from __future__ import annotations

import msgspec

from console.core import protocol
from console.core.incident_book import IncidentBook, IncidentFilter, Lateness, SortKey, sla_of
from console.core.incidents import AuditEntry, Incident, IncidentState, Severity, Source

T0 = 1_763_700_000.0
HOUR = 3600.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def incident(n: int = 1, version: int = 1, **changes) -> Incident:
    base = Incident(
        id=f"INC-{n}", version=version, state=IncidentState.DISCOVERED, source=Source.RULE, category="air",
        severity=Severity.MEDIUM, title=f"PM2.5 exceedance {n}", reason="PM2.5 1 h 180 µg/m³ > 150",
        created=T0 + n, updated=T0 + n, township="T01",
    )  # fmt: skip
    return msgspec.structs.replace(base, **changes)


def event(seq: int, inc: Incident, audit: AuditEntry | None = None) -> protocol.IncidentEvent:
    return protocol.IncidentEvent(epoch="e1", seq=seq, incident=inc, audit=audit)


def entry(inc: str, n: int, action: str = "dispatch", **more) -> AuditEntry:
    return AuditEntry(incident=inc, n=n, ts=T0 + n, actor="duty", role="duty", action=action,
                      from_state="discovered", to_state="dispatched", version=n, **more)  # fmt: skip


def snapshot(*incidents: Incident) -> protocol.Snapshot:
    return protocol.Snapshot(epoch="e1", seq=10, stations=[], latest=[], status=[], incidents=list(incidents))


def test_an_older_version_never_overwrites_a_newer_one():
    book = IncidentBook(Clock(T0))
    assert book.apply(event(1, incident(version=3, state=IncidentState.HANDLING))).incidents == {"INC-1"}
    change = book.apply(event(2, incident(version=2, state=IncidentState.DISPATCHED)))
    assert not change.incidents
    assert book.get("INC-1").state == IncidentState.HANDLING
    # a snapshot carrying an older copy keeps the newer one too; incidents it leaves out are gone
    book.put(incident(2))
    change = book.apply(snapshot(incident(version=1)))
    assert change.snapshot and book.get("INC-1").version == 3 and book.get("INC-2") is None


def test_the_audit_trail_grows_from_events_and_merges_with_the_fetched_one():
    book = IncidentBook(Clock(T0))
    book.apply(event(1, incident(version=2), entry("INC-1", 2)))
    book.apply(event(2, incident(version=2), entry("INC-1", 2)))  # the same entry twice: kept once
    assert [e.n for e in book.trail("INC-1")] == [2]
    change = book.set_audit("INC-1", [entry("INC-1", 1, "raise"), entry("INC-1", 2)])
    assert change.audit == {"INC-1"}
    assert [e.action for e in book.trail("INC-1")] == ["raise", "dispatch"]


def test_filters_by_state_severity_township_and_overdue():
    clock = Clock(T0 + 10 * HOUR)
    book = IncidentBook(clock)
    late = incident(1, state=IncidentState.DISPATCHED, dispatched=T0, deadline=T0 + 2 * HOUR)
    fine = incident(2, state=IncidentState.HANDLING, dispatched=T0, deadline=T0 + 24 * HOUR, township="T02")
    new = incident(3, severity=Severity.CRITICAL)
    for inc in (late, fine, new):
        book.put(inc)
    ids = lambda where: [i.id for i in book.select(where, SortKey.CREATED)]  # noqa: E731
    assert ids(IncidentFilter(overdue_only=True)) == ["INC-1"]
    assert ids(IncidentFilter(township="T02")) == ["INC-2"]
    assert ids(IncidentFilter(severities=frozenset({Severity.CRITICAL}))) == ["INC-3"]
    assert ids(IncidentFilter(states=frozenset({IncidentState.DISPATCHED, IncidentState.HANDLING}))) == [
        "INC-2",
        "INC-1",
    ]
    assert book.overdue_count() == 1


def test_urgency_puts_the_unacknowledged_critical_first_then_the_overdue():
    clock = Clock(T0 + 10 * HOUR)
    book = IncidentBook(clock)
    book.put(incident(1, state=IncidentState.DISPATCHED, dispatched=T0, deadline=T0 + 2 * HOUR))
    book.put(incident(2, severity=Severity.HIGH))
    book.put(incident(3, severity=Severity.CRITICAL))
    book.put(incident(4, state=IncidentState.CLOSED, closed=T0))
    assert [i.id for i in book.select()] == ["INC-3", "INC-1", "INC-2", "INC-4"]
    assert book.acknowledge("INC-3") and not book.acknowledge("INC-3")
    assert [i.id for i in book.select()][:2] == ["INC-1", "INC-3"]
    by_severity = [i.id for i in book.select(sort=SortKey.SEVERITY)]
    assert by_severity[0] == "INC-3"


def test_sla_counts_down_then_overdue_and_stops_at_feedback():
    dispatched = incident(state=IncidentState.DISPATCHED, dispatched=T0, deadline=T0 + 8 * HOUR)
    assert sla_of(dispatched, T0 + HOUR) == sla_of(dispatched, T0 + HOUR)
    on_time = sla_of(dispatched, T0 + HOUR)
    assert on_time.lateness == Lateness.ON_TIME and on_time.left == 7 * HOUR
    assert sla_of(dispatched, T0 + 7.5 * HOUR).lateness == Lateness.DUE_SOON
    late = sla_of(dispatched, T0 + 9 * HOUR)
    assert late.lateness == Lateness.OVERDUE and late.left == -HOUR and late.used > 1
    waiting = msgspec.structs.replace(dispatched, state=IncidentState.FEEDBACK, updated=T0 + 3 * HOUR)
    assert sla_of(waiting, T0 + 20 * HOUR) == sla_of(waiting, T0 + 30 * HOUR)
    closed = msgspec.structs.replace(dispatched, state=IncidentState.CLOSED, closed=T0 + 9 * HOUR)
    assert sla_of(closed, T0 + 30 * HOUR).lateness == Lateness.CLOSED_LATE
    assert sla_of(incident(), T0).lateness == Lateness.NONE


def test_counts_by_stage_and_the_critical_pulse():
    book = IncidentBook(Clock(T0))
    book.apply(snapshot(incident(1), incident(2, state=IncidentState.HANDLING), incident(3)))
    assert book.counts_by_stage()[IncidentState.DISCOVERED] == 2
    assert book.counts_by_stage()[IncidentState.HANDLING] == 1
    change = book.apply(event(11, incident(5, severity=Severity.CRITICAL)))
    assert change.raised == {"INC-5"}
    assert book.unacknowledged_critical() == {"INC-5"}
    # someone dispatched it: it is no longer new, on any console
    book.apply(event(12, incident(5, version=2, severity=Severity.CRITICAL, state=IncidentState.DISPATCHED)))
    assert book.unacknowledged_critical() == set()
