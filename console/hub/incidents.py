"""The incident closed loop on the hub: commands, rule findings and escalation change incidents.

Every change makes a new version, appends an audit entry, is written by the incident writer and is
published as an ``incident`` event. Runs on the event loop and never waits there: the database work is
on the writer's thread, and callers that must know a change is stored await its future (``run``).
Open incidents and those closed in the last 30 days are kept in memory (a district raises tens to hundreds
a day); older ones, audit trails and assessments are read from the database.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeGuard

import msgspec

from console.core.incidents import (
    OPEN_STATES,
    Action,
    AuditEntry,
    Incident,
    IncidentState,
    Refusal,
    Role,
    Severity,
    Source,
    allowed,
    check,
    deadline_hours,
    next_level,
    overdue,
)
from console.core.protocol import Ack, Command
from console.core.reasons import Why
from console.hub.incident_store import Attachment, Change, IncidentStore, IncidentWriter, VersionConflict
from console.hub.responsibility import Responsibility

log = logging.getLogger(__name__)

CATEGORIES = frozenset({"air", "water", "noise", "fume", "source", "odour", "device", "other"})
REPORT_SOURCES = frozenset({Source.INSPECTOR, Source.DUTY, Source.CITIZEN})
SYSTEM = "system"  # actor and role of rule and escalation entries
RECENT_S = 86400.0  # closed incidents stay in snapshots this long
RETAIN_S = 30 * 86400.0  # closed incidents stay in memory this long (older ones are read from the database)
ACK_S = 7 * 86400.0  # acks remembered (across restarts) this long: retries come within minutes or hours
MAX_TEXT = 4000


class Finding(Protocol):
    """What a rule engine reports (see console/hub/rules/)."""

    kind: str  # open | update | clear
    station: str
    rule: str
    category: str
    severity: Severity
    ts: float
    title: str
    reason: str
    values: dict[str, Any]
    why: Why | None


Publish = Callable[[Incident, AuditEntry], None]


class IncidentService:
    """Holds the incidents and applies every change to them (commands, findings, escalation)."""

    def __init__(
        self,
        store: IncidentStore,
        responsibility: Responsibility,
        publish: Publish,
        clock: Callable[[], float] = time.time,
        tz_hours: float = 8.0,
    ) -> None:
        self.store = store
        self.responsibility = responsibility
        self.clock = clock
        self._publish = publish
        self._tz = timedelta(hours=tz_hours)
        self.writer = IncidentWriter(store)
        now = clock()
        self.incidents: dict[str, Incident] = {i.id: i for i in store.load_incidents(now - RETAIN_S)}
        self.attachments: dict[str, Attachment] = store.load_attachments()
        self._audit_n = store.audit_counts(list(self.incidents))
        self._ack_times: deque[tuple[float, str]] = deque()
        self._acks: dict[str, Ack] = {}
        for ident, ack, ts in store.acks(now - ACK_S):
            self._acks[ident] = ack
            self._ack_times.append((ts, ident))
        self._refused: dict[str, Ack] = {}  # refusals are answered the same way again, but not stored
        self._writes: dict[str, concurrent.futures.Future[None]] = {}
        self._episodes = {
            (i.station, i.rule): i.id
            for i in self.incidents.values()
            if i.source == Source.RULE and i.state in OPEN_STATES
        }
        self._last_id = max((i.id for i in self.incidents.values()), default="")

    def open_rule_incidents(self) -> list[Incident]:
        """Incidents a rule raised that are still open and not yet suggested for closing."""
        held = [self.incidents.get(ident) for ident in self._episodes.values()]
        return [i for i in held if i is not None and not i.clear_suggested]

    # --- commands ------------------------------------------------------------------------------------------

    async def run(self, user: str, role: str, command: Command) -> Ack:
        """Apply a command and answer once the change is stored."""
        ack = self.apply(user, role, command)
        done = self._writes.pop(command.id, None)
        if done is not None:
            try:
                await asyncio.wrap_future(done)
            except VersionConflict as exc:  # another hub stored this version first: its change stands
                return self._lost_race(command, exc)
            except Exception:
                log.exception("command %s applied but not stored", command.id)
        return ack

    def _lost_race(self, command: Command, exc: VersionConflict) -> Ack:
        """A change the database refused as a conflict: the incident is read again as stored and the
        command is answered as a conflict, not as applied."""
        log.warning("command %s: %s", command.id, exc)
        stored = self.store.incident(command.target)
        if stored is not None:
            self.incidents[stored.id] = stored
            self._audit_n.update(self.store.audit_counts([stored.id]))
        ack = Ack(id=command.id, ok=False, error=f"conflict: {exc}", target=command.target)
        self._acks.pop(command.id, None)
        self._refused[command.id] = ack
        return ack

    def reload(self) -> None:
        """Read the incidents, audit numbers and command answers again from the database (a hub node that
        takes the lead of a cluster starts from what the previous leader stored)."""
        now = self.clock()
        self.incidents = {i.id: i for i in self.store.load_incidents(now - RETAIN_S)}
        self._audit_n = self.store.audit_counts(list(self.incidents))
        self._acks.clear()
        self._ack_times.clear()
        for ident, ack, ts in self.store.acks(now - ACK_S):
            self._acks[ident] = ack
            self._ack_times.append((ts, ident))
        self._refused.clear()
        self._episodes = {
            (i.station, i.rule): i.id
            for i in self.incidents.values()
            if i.source == Source.RULE and i.state in OPEN_STATES
        }
        self._last_id = max((i.id for i in self.incidents.values()), default="")

    def answered(self, command_id: str) -> Ack | None:
        """The answer a command id already got (a console resending after a reconnect), if any."""
        return self._acks.get(command_id) or self._refused.get(command_id)

    def apply(self, user: str, role: str, command: Command) -> Ack:
        """Check (role, then expected_version, then transition) and apply a command; a known id returns
        its first answer without applying anything again."""
        known = self.answered(command.id)
        if known is not None:
            return known
        if not command.id or len(command.id) > 100:
            return Ack(id=command.id, ok=False, error="invalid: a command needs an id of 1-100 characters")
        seen = self.incidents.get(command.target) if command.action == Action.ACKNOWLEDGE else None
        if seen is not None and seen.acknowledged and allowed(role, Action.ACKNOWLEDGE):
            return Ack(id=command.id, ok=True, target=seen.id, version=seen.version)  # someone was quicker
        try:
            incident, entry = self._apply(user, role, command)
        except Refusal as refusal:
            ack = Ack(id=command.id, ok=False, error=str(refusal), target=command.target)
            if len(self._refused) > 10_000:
                self._refused.clear()
            self._refused[command.id] = ack
            return ack
        ack = Ack(id=command.id, ok=True, target=incident.id, version=incident.version)
        self._acks[command.id] = ack
        self._ack_times.append((self.clock(), command.id))
        self._writes[command.id] = self._commit(incident, entry, (ack, user, entry.ts))
        return ack

    def _apply(self, user: str, role: str, command: Command) -> tuple[Incident, AuditEntry]:
        try:
            action = Action(command.action)
        except ValueError:
            raise Refusal("invalid", f"unknown action {command.action!r}") from None
        args = command.args
        if action == Action.REPORT:
            check(role, action, None, None, args)
            return self._report(user, role, args)
        incident = self.incidents.get(command.target)
        new_state = check(role, action, incident, command.expected_version, args)
        assert incident is not None and new_state is not None
        now = self.clock()
        comment = _text(args, "comment", required=action == Action.FEEDBACK)
        files = self._attachment_ids(args, incident.id)
        changes: dict[str, Any] = {"state": new_state}
        details: dict[str, Any] = {}
        if action == Action.DISPATCH:
            deadline = _deadline(args, now, incident)
            changes |= {
                "assignee": _text(args, "assignee", True, 200),
                "deadline": deadline,
                "dispatched": now,
            }
            details = {"assignee": changes["assignee"], "deadline": deadline}
        elif action == Action.ASSESS and new_state == IncidentState.HANDLING:
            changes |= {"returns": incident.returns + 1, "deadline": now + _allowance(incident) / 2}
            details = {"result": "return", "deadline": changes["deadline"]}
        elif action == Action.ASSESS:
            details = {"result": "pass"}
        elif action == Action.ACKNOWLEDGE:
            changes["acknowledged"] = user
        if new_state == IncidentState.CLOSED:
            changes["closed"] = now
        return self._change(incident, user, role, action, changes, comment, files, details)

    def _report(self, user: str, role: str, args: dict[str, Any]) -> tuple[Incident, AuditEntry]:
        now = self.clock()
        station_id = _text(args, "station", limit=100)
        township_arg = _text(args, "township", limit=100)
        lon, lat = args.get("lon"), args.get("lat")
        township, grid = "", ""
        if station_id:
            station = self.responsibility.stations.get(station_id)
            if station is None:
                raise Refusal("invalid", f"unknown station {station_id!r}")
            township, grid, lon, lat = station.township, station.grid, station.lon, station.lat
        elif _is_number(lon) and _is_number(lat) and -180 <= lon <= 180 and -90 <= lat <= 90:
            township, grid = self.responsibility.locate(float(lon), float(lat))
        else:
            raise Refusal("invalid", "report needs a station or a position (lon, lat in degrees)")
        if township_arg and not station_id:
            code = self.responsibility.township_code(township_arg)
            if code is None:
                raise Refusal("invalid", f"unknown township {township_arg!r}")
            grid = grid if code == township else ""
            township = code
        source = Source.INSPECTOR if role == Role.INSPECTOR else _source(args)
        level = self.responsibility.start_level(township, grid)
        title, category, severity = _text(args, "title", True, 200), _category(args), _severity(args)
        reason = _text(args, "reason") or _text(args, "comment")
        incident = Incident(
            id=self._new_id(now),  # after every check: a refused report uses up no number
            version=1,
            state=IncidentState.DISCOVERED,
            source=source,
            category=category,
            severity=severity,
            title=title,
            reason=reason,
            created=now,
            updated=now,
            station=station_id,
            lon=float(lon) if lon is not None else None,
            lat=float(lat) if lat is not None else None,
            township=township,
            grid=grid,
            level=level,
            responsible=self.responsibility.responsible(level, township, grid),
        )
        entry = self._entry(incident, user, role, Action.REPORT, "", now, incident.reason, ())
        return incident, entry

    # --- rules and escalation ------------------------------------------------------------------------------

    def on_findings(self, findings: Iterable[Finding]) -> None:
        """Incidents from rule findings: one open incident per (station, rule) episode."""
        for finding in findings:
            try:
                self._finding(finding)
            except Exception:  # one odd finding must not stop the others
                log.exception("rule finding %r not applied", finding)

    def _finding(self, f: Finding) -> None:
        key = (f.station, f.rule)
        current = self.incidents.get(self._episodes.get(key, ""))
        if f.kind == "clear":
            if current is not None and not current.clear_suggested:
                changes: dict[str, Any] = {"clear_suggested": True}
                details: dict[str, Any] = {"ts": f.ts, "why": f.why}
                self._publish_change(current, SYSTEM, SYSTEM, "clear", changes, f.reason, (), details)
            return
        if f.kind not in ("open", "update"):
            raise ValueError(f"unknown finding kind {f.kind!r}")
        values = {str(k): float(v) for k, v in dict(f.values).items()}
        if current is None:
            self._raise(f, values)
            return
        changes = {"severity": Severity(f.severity), "reason": f.reason, "values": values, "title": f.title}
        changes["why"] = f.why
        if f.kind == "open" or current.clear_suggested:
            changes["clear_suggested"] = False
        if all(getattr(current, name) == value for name, value in changes.items()):
            return
        details = {"severity": int(f.severity), "values": values, "ts": f.ts, "why": f.why, "title": f.title}
        self._publish_change(current, SYSTEM, SYSTEM, "update", changes, f.reason, (), details)

    def _raise(self, f: Finding, values: dict[str, float]) -> None:
        now = self.clock()
        station = self.responsibility.stations.get(f.station)
        township, grid = (station.township, station.grid) if station else ("", "")
        level = self.responsibility.start_level(township, grid)
        incident = Incident(
            id=self._new_id(now),
            version=1,
            state=IncidentState.DISCOVERED,
            source=Source.RULE,
            category=f.category if f.category in CATEGORIES else "other",
            severity=Severity(f.severity),
            title=f.title,
            reason=f.reason,
            created=now,
            updated=now,
            station=f.station,
            rule=f.rule,
            lon=station.lon if station else None,
            lat=station.lat if station else None,
            township=township,
            grid=grid,
            level=level,
            responsible=self.responsibility.responsible(level, township, grid),
            values=values,
            why=f.why,
        )
        self._episodes[(f.station, f.rule)] = incident.id
        # what it was raised with, so the trail alone rebuilds every version (a replay of the past)
        details = {"ts": f.ts, "why": f.why, "severity": int(f.severity), "values": values}
        entry = self._entry(incident, SYSTEM, SYSTEM, "raise", "", now, f.reason, (), details)
        self._commit(incident, entry)

    def escalate_overdue(self) -> list[Incident]:
        """Move every overdue incident one level up, with a fresh deadline; returns the escalated ones."""
        now = self.clock()
        escalated = []
        for incident in list(self.incidents.values()):
            up = next_level(incident.level) if overdue(incident, now) else None
            if up is None:
                continue
            leader = self.responsibility.responsible(up, incident.township, incident.grid)
            deadline = now + _allowance(incident) / 2
            changes = {"level": up, "responsible": leader, "deadline": deadline}
            changes["escalations"] = incident.escalations + 1
            comment = f"overdue: escalated from {incident.level} to {up}; {leader} notified"
            details: dict[str, Any] = {
                "from_level": str(incident.level),
                "to_level": str(up),
                "notified": leader,
                "from_responsible": incident.responsible,  # a replay rebuilds the versions before
            }
            details["deadline"] = deadline
            escalated.append(
                self._publish_change(incident, SYSTEM, SYSTEM, "escalate", changes, comment, (), details)
            )
        return escalated

    def note(
        self, incident_id: str, actor: str, role: str, action: str, comment: str, details: dict[str, Any]
    ) -> concurrent.futures.Future[None] | None:
        """An entry in an incident's audit trail that changes nothing else (a unit assigned, arrived): a
        new version, stored and published like any change. None when there is no such incident."""
        incident = self.incidents.get(incident_id)
        if incident is None:
            return None
        new, entry = self._change(incident, actor, role, action, {}, comment, (), details)
        return self._commit(new, entry)

    # --- reading -------------------------------------------------------------------------------------------

    def current(self) -> list[Incident]:
        """Open incidents and those closed in the last 24 hours (what a snapshot carries)."""
        since = self.clock() - RECENT_S
        return [i for i in self.incidents.values() if i.state in OPEN_STATES or (i.closed or 0) >= since]

    def query(
        self, states: set[str] | None, township: str = "", only_overdue: bool = False
    ) -> list[Incident]:
        """Incidents filtered by state, township and overdue, newest first."""
        now = self.clock()
        found = [
            i
            for i in self.incidents.values()
            if (states is None or i.state in states)
            and (not township or i.township == township)
            and (not only_overdue or overdue(i, now))
        ]
        return sorted(found, key=lambda i: i.created, reverse=True)

    def forget_old(self) -> None:
        """Let go of incidents closed long ago and of old acks (the database keeps them)."""
        now = self.clock()
        old = [i.id for i in self.incidents.values() if i.closed is not None and i.closed < now - RETAIN_S]
        for ident in old:
            del self.incidents[ident]
            self._audit_n.pop(ident, None)
        while self._ack_times and self._ack_times[0][0] < now - ACK_S:
            self._acks.pop(self._ack_times.popleft()[1], None)

    def add_attachment(self, record: Attachment) -> None:
        """Make a stored upload usable in handle and feedback commands."""
        self.attachments[record.id] = record

    def close(self) -> None:
        """Write what is queued and stop the writer (blocking: call it off the loop)."""
        self.writer.close()

    # --- the one way an incident changes -------------------------------------------------------------------

    def _change(
        self,
        incident: Incident,
        actor: str,
        role: str,
        action: str,
        changes: dict[str, Any],
        comment: str,
        files: tuple[str, ...],
        details: dict[str, Any],
    ) -> tuple[Incident, AuditEntry]:
        now = self.clock()
        new = msgspec.structs.replace(incident, version=incident.version + 1, updated=now, **changes)
        if new.state == IncidentState.CLOSED and self._episodes.get((new.station, new.rule)) == new.id:
            del self._episodes[(new.station, new.rule)]
        return new, self._entry(new, actor, role, action, incident.state, now, comment, files, details)

    def _publish_change(self, incident: Incident, *args: Any) -> Incident:
        new, entry = self._change(incident, *args)
        self._commit(new, entry)
        return new

    def _entry(
        self,
        incident: Incident,
        actor: str,
        role: str,
        action: str,
        from_state: str,
        now: float,
        comment: str,
        files: tuple[str, ...],
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        n = self._audit_n.get(incident.id, 0) + 1
        self._audit_n[incident.id] = n
        return AuditEntry(
            incident=incident.id,
            n=n,
            ts=now,
            actor=actor,
            role=str(role),
            action=str(action),
            from_state=str(from_state),
            to_state=str(incident.state),
            version=incident.version,
            comment=comment,
            attachments=files,
            details=details or {},
        )

    def _commit(
        self, incident: Incident, entry: AuditEntry, ack: tuple[Ack, str, float] | None = None
    ) -> concurrent.futures.Future[None]:
        self.incidents[incident.id] = incident
        done = self.writer.submit(Change(incident, entry, ack))
        self._publish(incident, entry)
        return done

    def _new_id(self, now: float) -> str:
        day = (datetime.fromtimestamp(now, UTC) + self._tz).strftime("%Y%m%d")
        parts = self._last_id.split("-")
        n = int(parts[2]) + 1 if len(parts) >= 3 and parts[1] == day and parts[2].isdigit() else 1
        self._last_id = f"INC-{day}-{n:04d}"
        while self._last_id in self.incidents:  # a clock set back: ids stay unique
            self._last_id = f"INC-{day}-{n:04d}-{secrets.token_hex(2)}"
        return self._last_id

    def _attachment_ids(self, args: dict[str, Any], incident: str) -> tuple[str, ...]:
        ids = args.get("attachments", [])
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise Refusal("invalid", "attachments must be a list of attachment ids")
        for i in ids:
            record = self.attachments.get(i)
            if record is None:  # uploaded at another hub node of a cluster: its record is in the database
                record = self.store.attachment(i)
                if record is not None:
                    self.attachments[i] = record
            if record is None or record.incident != incident:
                raise Refusal("invalid", f"attachment {i!r} was not uploaded to incident {incident}")
        return tuple(ids)


# --- argument checks ---------------------------------------------------------------------------------------


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _text(args: dict[str, Any], key: str, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = args.get(key, "")
    if not isinstance(value, str):
        raise Refusal("invalid", f"{key} must be text")
    value = value.strip()
    if required and not value:
        raise Refusal("invalid", f"{key} is required")
    if len(value) > limit:
        raise Refusal("invalid", f"{key} is longer than {limit} characters")
    return value


def _deadline(args: dict[str, Any], now: float, incident: Incident) -> float:
    value = args.get("deadline")
    if value is None:
        return now + _allowance(incident)
    if not _is_number(value) or value <= now:
        raise Refusal("invalid", "deadline must be a time in the future (Unix seconds)")
    return float(value)


def _allowance(incident: Incident) -> float:
    """Seconds allowed for this incident's severity and category."""
    return deadline_hours(incident.severity, incident.category) * 3600


def _severity(args: dict[str, Any]) -> Severity:
    value = args.get("severity", int(Severity.MEDIUM))
    if isinstance(value, str) and value.upper() in Severity.__members__:
        return Severity[value.upper()]
    if isinstance(value, int) and not isinstance(value, bool) and value in tuple(Severity):
        return Severity(value)
    raise Refusal("invalid", "severity must be 1-4 (low, medium, high, critical)")


def _category(args: dict[str, Any]) -> str:
    value = args.get("category", "other")
    if value not in CATEGORIES:
        raise Refusal("invalid", f"category must be one of {', '.join(sorted(CATEGORIES))}")
    return str(value)


def _source(args: dict[str, Any]) -> Source:
    value = args.get("source", Source.DUTY)
    if value not in REPORT_SOURCES:
        raise Refusal("invalid", "source must be inspector, duty or citizen")
    return Source(value)
