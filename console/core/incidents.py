"""The incident closed loop, shared by hub and console: states, actions, roles, records. Pure, no I/O.

Discover -> dispatch -> handle -> feedback -> assess (发现、派发、处置、反馈、考核). The hub is the one
that enforces :func:`check`; the console uses the same tables to hide what a role cannot do.

States::

    discovered --dispatch--> dispatched --handle--> handling --feedback--> feedback --assess(pass)--> closed
         |                        ^  |                 ^  |                               |
         |                        +--+ (re-dispatch)   +--+ (handle: further records)     +--assess(return)
         +--dismiss--> closed                                                             --> handling

``comment`` is allowed in every open state and changes nothing but the audit trail; ``acknowledge`` (a
new critical incident has been seen: it stops pulsing on every wall) changes only who acknowledged it and
needs no expected version, since it cannot overwrite anybody's change. Escalation is done
by the hub's clock, never by a user: it moves the responsibility level up, not the state.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any

import msgspec

from console.core.reasons import Why


class IncidentState(StrEnum):
    DISCOVERED = "discovered"  # 发现: raised by a rule or reported, not yet dispatched
    DISPATCHED = "dispatched"  # 派发: assigned, with a deadline
    HANDLING = "handling"  # 处置: the assignee is working on it
    FEEDBACK = "feedback"  # 反馈: the result is reported, waiting for assessment
    CLOSED = "closed"  # 考核通过 (or dismissed before dispatch)


OPEN_STATES = frozenset(
    {IncidentState.DISCOVERED, IncidentState.DISPATCHED, IncidentState.HANDLING, IncidentState.FEEDBACK}
)
RUNNING_STATES = frozenset({IncidentState.DISPATCHED, IncidentState.HANDLING})  # the deadline clock runs


class Action(StrEnum):
    REPORT = "report"  # create an incident by hand (inspector, duty officer, citizen report taken by phone)
    ACKNOWLEDGE = "acknowledge"  # a new critical incident has been seen: it stops pulsing everywhere
    DISPATCH = "dispatch"  # args: assignee, deadline (optional, Unix s; default from severity/category)
    HANDLE = "handle"  # record a handling step; args: comment, attachments
    FEEDBACK = "feedback"  # submit the result; args: comment, attachments (photo ids)
    ASSESS = "assess"  # args: result "pass" | "return", comment (required to return)
    DISMISS = "dismiss"  # close before dispatch (false alarm, condition cleared); args: comment (required)
    COMMENT = "comment"  # args: comment


class Role(StrEnum):
    DUTY = "duty"  # 值班员: watches the wall, confirms and dispatches alarms
    COORDINATOR = "coordinator"  # 调度员: dispatches and follows up handling
    LEADER = "leader"  # 领导: sees everything, assesses
    INSPECTOR = "inspector"  # 第三方巡查: reports problems only
    ADMIN = "admin"  # 管理员: everything


_OPERATOR = frozenset(
    {Action.REPORT, Action.ACKNOWLEDGE, Action.DISPATCH, Action.HANDLE, Action.FEEDBACK, Action.DISMISS}
    | {Action.COMMENT}
)  # what the duty officer and the coordinator may do
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.DUTY: _OPERATOR,
    Role.COORDINATOR: _OPERATOR,
    Role.LEADER: frozenset({Action.ACKNOWLEDGE, Action.ASSESS, Action.COMMENT}),
    Role.INSPECTOR: frozenset({Action.REPORT}),
    Role.ADMIN: frozenset(Action),
}

# action -> {state it may be taken from: state it leads to}; ASSESS depends on its result (see ``next_state``)
TRANSITIONS: dict[Action, dict[IncidentState, IncidentState]] = {
    Action.DISPATCH: {
        IncidentState.DISCOVERED: IncidentState.DISPATCHED,
        IncidentState.DISPATCHED: IncidentState.DISPATCHED,  # re-dispatch to someone else
    },
    Action.HANDLE: {
        IncidentState.DISPATCHED: IncidentState.HANDLING,
        IncidentState.HANDLING: IncidentState.HANDLING,
    },
    Action.FEEDBACK: {IncidentState.HANDLING: IncidentState.FEEDBACK},
    Action.ASSESS: {IncidentState.FEEDBACK: IncidentState.CLOSED},  # "return" leads to HANDLING
    Action.DISMISS: {IncidentState.DISCOVERED: IncidentState.CLOSED},
    Action.COMMENT: {s: s for s in OPEN_STATES},
    Action.ACKNOWLEDGE: {s: s for s in OPEN_STATES},
}


class Severity(IntEnum):
    LOW = 1  # 一般
    MEDIUM = 2  # 较重
    HIGH = 3  # 严重
    CRITICAL = 4  # 特别严重: flashes and sounds on the wall until acknowledged


class Level(StrEnum):
    """Responsibility along the grid (层层负责): an overdue incident moves one level up."""

    GRID = "grid"  # 网格员
    TOWNSHIP = "township"  # 乡镇 (街道)
    DISTRICT = "district"  # 区县
    CITY = "city"  # 市


LEVELS = (Level.GRID, Level.TOWNSHIP, Level.DISTRICT, Level.CITY)


def next_level(level: Level) -> Level | None:
    """The level above, or None at the top."""
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


class Source(StrEnum):
    RULE = "rule"  # an alarm rule on the data (console/hub/rules/)
    INSPECTOR = "inspector"  # third-party inspection
    DUTY = "duty"  # the duty officer
    CITIZEN = "citizen"  # a citizen report (12369 hotline and the like)


# Hours to handle, by severity; a category may shorten it (see ``deadline_hours``).
DEADLINE_HOURS = {Severity.LOW: 72.0, Severity.MEDIUM: 24.0, Severity.HIGH: 8.0, Severity.CRITICAL: 2.0}
CATEGORY_DEADLINE_FACTOR = {"device": 2.0, "fume": 0.5, "source": 0.5}  # devices wait; emissions do not


def deadline_hours(severity: Severity, category: str) -> float:
    """Time allowed from dispatch to feedback, per severity and category."""
    return DEADLINE_HOURS[Severity(severity)] * CATEGORY_DEADLINE_FACTOR.get(category, 1.0)


class Incident(msgspec.Struct, frozen=True, kw_only=True):
    """Full state of one incident as the hub publishes it; ``version`` grows by one with every change."""

    id: str
    version: int
    state: IncidentState
    source: Source
    category: str  # air, water, noise, fume, source, odour, device, other
    severity: Severity
    title: str
    reason: str  # why it was raised: the rule, its values and time, or the reporter's words
    created: float  # Unix seconds
    updated: float
    station: str = ""
    rule: str = ""
    lon: float | None = None
    lat: float | None = None
    township: str = ""
    grid: str = ""
    level: Level = Level.GRID
    responsible: str = ""  # who answers for it at the current level (grid member, township leader ...)
    assignee: str = ""
    deadline: float | None = None  # set at dispatch
    dispatched: float | None = None
    closed: float | None = None
    escalations: int = 0
    returns: int = 0
    clear_suggested: bool = False  # the rule's condition has cleared: closing is suggested
    acknowledged: str = ""  # who acknowledged it (critical incidents pulse on the wall until then)
    values: dict[str, float] = {}
    why: Why | None = None  # a rule's reason as template and arguments, rendered in the reader's language


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the append-only audit trail (never edited)."""

    incident: str
    n: int  # 1, 2, 3 ... within the incident
    ts: float
    actor: str  # user name, or "system" for rules and escalation
    role: str
    action: str  # an Action, or "raise", "update", "clear", "escalate"
    from_state: str
    to_state: str
    version: int  # the incident's version after this entry
    comment: str = ""
    attachments: tuple[str, ...] = ()  # attachment ids, fetched from the hub
    details: dict[str, Any] = {}


class Refusal(ValueError):
    """A command the rules refuse; ``code`` is forbidden, illegal, conflict or invalid."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:  # ack.error starts with the code, so the outbox can tell conflicts apart
        return f"{self.code}: {self.message}"


def allowed(role: Role | str, action: Action | str) -> bool:
    """Whether a role may take an action at all (the console hides what this refuses)."""
    try:
        return Action(action) in ROLE_ACTIONS[Role(role)]
    except ValueError:
        return False


def available(role: Role | str, incident: Incident) -> list[Action]:
    """Actions a role may take on an incident in its current state, in the order of the loop (acknowledge
    only while a critical incident waits for it)."""
    return [
        a
        for a in Action
        if a != Action.REPORT
        and allowed(role, a)
        and incident.state in TRANSITIONS[a]
        and (a != Action.ACKNOWLEDGE or _awaits_acknowledgement(incident))
    ]


def _awaits_acknowledgement(incident: Incident) -> bool:
    return incident.severity >= Severity.CRITICAL and not incident.acknowledged


def next_state(incident: Incident, action: Action | str, args: dict[str, Any] | None = None) -> IncidentState:
    """The state an action leads to, or :class:`Refusal` ("illegal"/"invalid") saying why not."""
    args = args or {}
    try:
        action = Action(action)
    except ValueError:
        raise Refusal("invalid", f"unknown action {action!r}") from None
    if action == Action.REPORT:
        raise Refusal("illegal", "report creates a new incident; it does not apply to an existing one")
    targets = TRANSITIONS[action]
    if incident.state not in targets:
        legal = ", ".join(sorted(targets)) or "none"
        raise Refusal("illegal", f"cannot {action} an incident that is {incident.state} (only when: {legal})")
    if action == Action.ASSESS:
        result = args.get("result")
        if result == "pass":
            return IncidentState.CLOSED
        if result == "return":
            if not str(args.get("comment", "")).strip():
                raise Refusal("invalid", "returning an incident needs a reason in the comment")
            return IncidentState.HANDLING
        raise Refusal("invalid", "assess needs result 'pass' or 'return'")
    if action in (Action.DISMISS, Action.COMMENT) and not str(args.get("comment", "")).strip():
        raise Refusal("invalid", f"{action} needs a comment")
    if action == Action.DISPATCH and not str(args.get("assignee", "")).strip():
        raise Refusal("invalid", "dispatch needs an assignee")
    return targets[incident.state]


def check(
    role: Role | str,
    action: Action | str,
    incident: Incident | None,
    expected_version: int | None,
    args: dict[str, Any] | None = None,
) -> IncidentState | None:
    """Everything the hub checks before applying a command, in this order: role, version, transition.

    Returns the new state (None for ``report``, which has no incident yet); raises :class:`Refusal`.
    """
    try:
        action = Action(action)
    except ValueError:
        raise Refusal("invalid", f"unknown action {action!r}") from None
    if not allowed(role, action):
        raise Refusal("forbidden", f"role {role!r} may not {action}")
    if Action(action) == Action.REPORT:
        return None
    if incident is None:
        raise Refusal("invalid", "no such incident")
    if action == Action.ACKNOWLEDGE:
        return next_state(incident, action, args)  # sets a flag only: nobody's change can be overwritten
    if expected_version is None:
        raise Refusal("invalid", "expected_version is required")
    if expected_version != incident.version:
        raise Refusal(
            "conflict",
            f"incident {incident.id} is at version {incident.version}, not {expected_version}: "
            "someone else changed it; look again before acting",
        )
    return next_state(incident, action, args)


def overdue(incident: Incident, now: float) -> bool:
    """Past its deadline while the deadline clock runs."""
    return incident.state in RUNNING_STATES and incident.deadline is not None and now > incident.deadline
