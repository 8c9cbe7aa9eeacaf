"""Assessment (考核) of the closed loop per township or per person, from incidents and their audit trails.

Counted: incidents closed by a passing assessment within [start, end). For each:
on time = the last feedback came before the deadline set at the last dispatch (escalation deadlines do not
count: being escalated means being late); handling time = first dispatch to last feedback; returns = how
often the assessment sent it back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from console.core.incidents import AuditEntry, Incident

COLUMNS = ("key", "name", "handled", "on_time", "on_time_rate", "mean_handling_h", "returns", "escalations")


def assessed(incidents: Iterable[Incident], start: float, end: float) -> list[Incident]:
    """Incidents closed in [start, end) after dispatch (the ones an assessment counts)."""
    return [i for i in incidents if i.closed is not None and start <= i.closed < end and i.dispatched]


def assessment(
    incidents: Iterable[Incident],
    audits: Mapping[str, list[AuditEntry]],
    by: str,
    names: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One row per township (``by="township"``) or assignee (``by="person"``), sorted by key."""
    names = names or {}
    groups: dict[str, list[tuple[Incident, list[AuditEntry]]]] = {}
    for incident in incidents:
        trail = audits.get(incident.id, [])
        if not any(e.action == "assess" and e.details.get("result") == "pass" for e in trail):
            continue  # dismissed, or closed without a passing assessment
        key = incident.township if by == "township" else incident.assignee
        groups.setdefault(key, []).append((incident, trail))
    return [_row(key, names.get(key, key), members) for key, members in sorted(groups.items())]


def _row(key: str, name: str, members: list[tuple[Incident, list[AuditEntry]]]) -> dict[str, Any]:
    on_time, hours = 0, []
    for _incident, trail in members:
        dispatches = [e for e in trail if e.action == "dispatch"]
        feedbacks = [e for e in trail if e.action == "feedback"]
        if not dispatches or not feedbacks:
            continue
        deadline = dispatches[-1].details.get("deadline")
        if deadline is not None and feedbacks[-1].ts <= deadline:
            on_time += 1
        hours.append((feedbacks[-1].ts - dispatches[0].ts) / 3600)
    handled = len(members)
    return {
        "key": key,
        "name": name,
        "handled": handled,
        "on_time": on_time,
        "on_time_rate": round(on_time / handled, 4) if handled else None,
        "mean_handling_h": round(sum(hours) / len(hours), 3) if hours else None,
        "returns": sum(i.returns for i, _ in members),
        "escalations": sum(i.escalations for i, _ in members),
    }


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV with a header line (UTF-8 text; empty cells for figures without data)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return out.getvalue()
