"""The incident closed loop: every transition, every role, versions, required arguments, deadlines."""

from __future__ import annotations

import pytest

from console.core.incidents import (
    LEVELS,
    Action,
    Incident,
    IncidentState,
    Level,
    Refusal,
    Role,
    Severity,
    Source,
    allowed,
    available,
    check,
    deadline_hours,
    next_level,
    next_state,
    overdue,
)

S = IncidentState
# The loop as the issue states it, written out by hand (not read from the module under test).
LEGAL: dict[tuple[Action, IncidentState], IncidentState] = {
    (Action.DISPATCH, S.DISCOVERED): S.DISPATCHED,
    (Action.DISPATCH, S.DISPATCHED): S.DISPATCHED,
    (Action.HANDLE, S.DISPATCHED): S.HANDLING,
    (Action.HANDLE, S.HANDLING): S.HANDLING,
    (Action.FEEDBACK, S.HANDLING): S.FEEDBACK,
    (Action.ASSESS, S.FEEDBACK): S.CLOSED,  # with result "pass"
    (Action.DISMISS, S.DISCOVERED): S.CLOSED,
    (Action.COMMENT, S.DISCOVERED): S.DISCOVERED,
    (Action.COMMENT, S.DISPATCHED): S.DISPATCHED,
    (Action.COMMENT, S.HANDLING): S.HANDLING,
    (Action.COMMENT, S.FEEDBACK): S.FEEDBACK,
    (Action.ACKNOWLEDGE, S.DISCOVERED): S.DISCOVERED,
    (Action.ACKNOWLEDGE, S.DISPATCHED): S.DISPATCHED,
    (Action.ACKNOWLEDGE, S.HANDLING): S.HANDLING,
    (Action.ACKNOWLEDGE, S.FEEDBACK): S.FEEDBACK,
}
ROLE_MATRIX: dict[Role, set[Action]] = {
    Role.DUTY: set(Action) - {Action.ASSESS},
    Role.COORDINATOR: set(Action) - {Action.ASSESS},
    Role.LEADER: {Action.ACKNOWLEDGE, Action.ASSESS, Action.COMMENT},
    Role.INSPECTOR: {Action.REPORT},
    Role.ADMIN: set(Action),
}
GOOD_ARGS: dict[Action, dict] = {
    Action.REPORT: {},
    Action.DISPATCH: {"assignee": "grid-07 Wang"},
    Action.HANDLE: {"comment": "on site"},
    Action.FEEDBACK: {"comment": "dust netting installed"},
    Action.ASSESS: {"result": "pass"},
    Action.DISMISS: {"comment": "sensor calibration, false alarm"},
    Action.COMMENT: {"comment": "called the site manager"},
    Action.ACKNOWLEDGE: {},
}
# A state in which each action (other than report) is legal, to exercise the role matrix through check().
LEGAL_FROM = {
    Action.DISPATCH: S.DISCOVERED,
    Action.HANDLE: S.DISPATCHED,
    Action.FEEDBACK: S.HANDLING,
    Action.ASSESS: S.FEEDBACK,
    Action.DISMISS: S.DISCOVERED,
    Action.COMMENT: S.HANDLING,
    Action.ACKNOWLEDGE: S.DISCOVERED,
}


def incident(state: IncidentState = S.DISCOVERED, version: int = 3, **kw) -> Incident:
    fields = {
        "id": "INC-1",
        "version": version,
        "state": state,
        "source": Source.RULE,
        "category": "air",
        "severity": Severity.MEDIUM,
        "title": "PM2.5 over GB 3095 limit",
        "reason": "test",
        "created": 1_763_700_000.0,
        "updated": 1_763_700_000.0,
    }
    return Incident(**(fields | kw))


@pytest.mark.parametrize("state", list(IncidentState))
@pytest.mark.parametrize("action", [a for a in Action if a != Action.REPORT])
def test_every_action_from_every_state_is_legal_exactly_as_the_loop_says(action, state) -> None:
    """Legal pairs lead where the loop says; every other pair is refused as illegal."""
    target = LEGAL.get((action, state))
    if target is None:
        with pytest.raises(Refusal) as refused:
            next_state(incident(state), action, GOOD_ARGS[action])
        assert refused.value.code == "illegal"
        assert str(refused.value).startswith("illegal: ")
    else:
        assert next_state(incident(state), action, GOOD_ARGS[action]) == target


@pytest.mark.parametrize("state", list(IncidentState))
def test_report_never_applies_to_an_existing_incident(state) -> None:
    with pytest.raises(Refusal) as refused:
        next_state(incident(state), Action.REPORT)
    assert refused.value.code == "illegal"


def test_unknown_action_is_invalid() -> None:
    with pytest.raises(Refusal) as refused:
        next_state(incident(), "explode")
    assert refused.value.code == "invalid"


def test_the_whole_loop_with_a_return() -> None:
    """discover -> dispatch -> handle -> feedback -> assess(return) -> handle -> feedback -> assess(pass)."""
    steps = [
        (Action.DISPATCH, GOOD_ARGS[Action.DISPATCH], S.DISPATCHED),
        (Action.HANDLE, {}, S.HANDLING),
        (Action.FEEDBACK, {}, S.FEEDBACK),
        (Action.ASSESS, {"result": "return", "comment": "photo missing"}, S.HANDLING),
        (Action.HANDLE, {"comment": "photo taken"}, S.HANDLING),
        (Action.FEEDBACK, {}, S.FEEDBACK),
        (Action.ASSESS, {"result": "pass"}, S.CLOSED),
    ]
    current = incident()
    for action, args, expected in steps:
        state = next_state(current, action, args)
        assert state == expected
        current = incident(state, version=current.version + 1)
    assert available(Role.ADMIN, current) == []


@pytest.mark.parametrize("result", ["", None, "maybe", "PASS"])
def test_assess_needs_pass_or_return(result) -> None:
    with pytest.raises(Refusal) as refused:
        next_state(incident(S.FEEDBACK), Action.ASSESS, {"result": result, "comment": "x"})
    assert refused.value.code == "invalid"


@pytest.mark.parametrize("comment", [None, "", "   "])
def test_assess_return_needs_a_comment(comment) -> None:
    args = {"result": "return"} if comment is None else {"result": "return", "comment": comment}
    with pytest.raises(Refusal) as refused:
        next_state(incident(S.FEEDBACK), Action.ASSESS, args)
    assert refused.value.code == "invalid"
    assert next_state(incident(S.FEEDBACK), Action.ASSESS, {"result": "pass"}) == S.CLOSED  # pass needs none


@pytest.mark.parametrize("action", [Action.DISMISS, Action.COMMENT])
@pytest.mark.parametrize("args", [None, {}, {"comment": ""}, {"comment": " \t"}])
def test_dismiss_and_comment_need_a_comment(action, args) -> None:
    with pytest.raises(Refusal) as refused:
        next_state(incident(S.DISCOVERED), action, args)
    assert refused.value.code == "invalid"


@pytest.mark.parametrize("state", [S.DISCOVERED, S.DISPATCHED])
@pytest.mark.parametrize("args", [None, {}, {"assignee": ""}, {"assignee": "  "}])
def test_dispatch_needs_an_assignee(state, args) -> None:
    with pytest.raises(Refusal) as refused:
        next_state(incident(state), Action.DISPATCH, args)
    assert refused.value.code == "invalid"


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_role_matrix(role, action) -> None:
    """allowed() and check() agree with the role matrix for every role and action."""
    may = action in ROLE_MATRIX[role]
    assert allowed(role, action) is may
    assert allowed(role.value, action.value) is may
    target = None if action == Action.REPORT else incident(LEGAL_FROM[action])
    if not may:
        with pytest.raises(Refusal) as refused:
            check(role, action, target, 3, GOOD_ARGS[action])
        assert refused.value.code == "forbidden"
    elif action == Action.REPORT:
        assert check(role, action, None, None) is None
    else:
        assert check(role, action, target, 3, GOOD_ARGS[action]) == LEGAL[(action, LEGAL_FROM[action])]


@pytest.mark.parametrize("role, action", [("janitor", "comment"), ("duty", "explode"), ("", "")])
def test_unknown_roles_and_actions_are_not_allowed(role, action) -> None:
    assert allowed(role, action) is False


def test_available_lists_what_a_role_can_do_now_in_loop_order() -> None:
    assert available(Role.DUTY, incident(S.DISCOVERED)) == [Action.DISPATCH, Action.DISMISS, Action.COMMENT]
    assert available(Role.LEADER, incident(S.FEEDBACK)) == [Action.ASSESS, Action.COMMENT]
    assert available(Role.LEADER, incident(S.HANDLING)) == [Action.COMMENT]
    assert available(Role.INSPECTOR, incident(S.DISCOVERED)) == []
    assert available(Role.ADMIN, incident(S.CLOSED)) == []


def test_conflict_on_a_stale_expected_version() -> None:
    current = incident(S.DISCOVERED, version=5)
    with pytest.raises(Refusal) as refused:
        check(Role.DUTY, Action.DISPATCH, current, 4, GOOD_ARGS[Action.DISPATCH])
    assert refused.value.code == "conflict"
    assert str(refused.value).startswith("conflict: ") and "version 5" in str(refused.value)
    assert check(Role.DUTY, Action.DISPATCH, current, 5, GOOD_ARGS[Action.DISPATCH]) == S.DISPATCHED


def test_check_order_role_then_version_then_transition() -> None:
    closed = incident(S.CLOSED, version=2)
    with pytest.raises(Refusal) as refused:  # forbidden beats a stale version and an illegal state
        check(Role.INSPECTOR, Action.DISPATCH, closed, 1, GOOD_ARGS[Action.DISPATCH])
    assert refused.value.code == "forbidden"
    with pytest.raises(Refusal) as refused:  # conflict beats illegal
        check(Role.DUTY, Action.DISPATCH, closed, 1, GOOD_ARGS[Action.DISPATCH])
    assert refused.value.code == "conflict"
    with pytest.raises(Refusal) as refused:
        check(Role.DUTY, Action.DISPATCH, closed, 2, GOOD_ARGS[Action.DISPATCH])
    assert refused.value.code == "illegal"


def test_check_needs_an_incident_and_an_expected_version() -> None:
    with pytest.raises(Refusal) as refused:
        check(Role.DUTY, Action.COMMENT, None, 1, GOOD_ARGS[Action.COMMENT])
    assert refused.value.code == "invalid"
    with pytest.raises(Refusal) as refused:
        check(Role.DUTY, Action.COMMENT, incident(), None, GOOD_ARGS[Action.COMMENT])
    assert refused.value.code == "invalid"


@pytest.mark.parametrize(
    "severity, category, hours",
    [
        (Severity.LOW, "air", 72.0),
        (Severity.MEDIUM, "water", 24.0),
        (Severity.HIGH, "noise", 8.0),
        (Severity.CRITICAL, "air", 2.0),
        (Severity.LOW, "device", 144.0),
        (Severity.CRITICAL, "device", 4.0),
        (Severity.MEDIUM, "fume", 12.0),
        (Severity.HIGH, "source", 4.0),
        (Severity.CRITICAL, "source", 1.0),
        (Severity.MEDIUM, "odour", 24.0),
        (3, "other", 8.0),  # a plain int off the wire
    ],
)
def test_deadline_hours(severity, category, hours) -> None:
    assert deadline_hours(severity, category) == hours


def test_deadline_hours_refuses_an_unknown_severity() -> None:
    with pytest.raises(ValueError):
        deadline_hours(9, "air")


def test_next_level_climbs_the_grid_and_stops_at_the_city() -> None:
    assert [next_level(level) for level in LEVELS] == [Level.TOWNSHIP, Level.DISTRICT, Level.CITY, None]
    assert next_level("grid") == Level.TOWNSHIP


@pytest.mark.parametrize("state", list(IncidentState))
def test_overdue_only_while_the_deadline_clock_runs(state) -> None:
    late = incident(state, deadline=1000.0)
    runs = state in (S.DISPATCHED, S.HANDLING)
    assert overdue(late, 1000.5) is runs
    assert overdue(late, 1000.0) is False  # at the deadline itself it is not yet overdue
    assert overdue(late, 999.0) is False
    assert overdue(incident(state), 10**12) is False  # no deadline, never overdue


def test_check_calls_an_unknown_action_invalid_even_for_admin() -> None:
    with pytest.raises(Refusal) as refused:
        check(Role.ADMIN, "explode", incident(), 3)
    assert refused.value.code == "invalid"


def test_a_refusal_survives_pickling() -> None:
    import pickle

    again = pickle.loads(pickle.dumps(Refusal("conflict", "someone else changed it")))
    assert (again.code, str(again)) == ("conflict", "conflict: someone else changed it")


def test_acknowledging_needs_no_version_and_is_offered_only_while_a_critical_incident_waits() -> None:
    critical = incident(S.DISPATCHED, version=7, severity=Severity.CRITICAL)
    assert (
        check(Role.DUTY, Action.ACKNOWLEDGE, critical, None) == S.DISPATCHED
    )  # no version: nothing to overwrite
    assert check(Role.LEADER, Action.ACKNOWLEDGE, critical, 2) == S.DISPATCHED
    assert Action.ACKNOWLEDGE in available(Role.DUTY, critical)
    assert Action.ACKNOWLEDGE not in available(Role.DUTY, incident(S.DISPATCHED, severity=Severity.HIGH))
    seen = incident(S.DISPATCHED, severity=Severity.CRITICAL, acknowledged="duty")
    assert Action.ACKNOWLEDGE not in available(Role.DUTY, seen)
    with pytest.raises(Refusal, match="forbidden"):
        check(Role.INSPECTOR, Action.ACKNOWLEDGE, critical, 7)
