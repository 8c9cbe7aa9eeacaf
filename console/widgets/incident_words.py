"""Words, marks and durations of the incident loop as the screens print them (translated through Qt)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from console.core.incident_book import Lateness, Sla
from console.core.incidents import Action, IncidentState, Level, Role, Severity


def _t(text: str) -> str:
    return QCoreApplication.translate("Incident", text)


def state_word(state: IncidentState | str) -> str:
    """发现 / 派发 / 处置 / 反馈 / 已关闭."""
    words = {
        IncidentState.DISCOVERED: _t("Discovered"),
        IncidentState.DISPATCHED: _t("Dispatched"),
        IncidentState.HANDLING: _t("Handling"),
        IncidentState.FEEDBACK: _t("Feedback"),
        IncidentState.CLOSED: _t("Closed"),
    }
    return words.get(state, str(state))  # type: ignore[call-overload]


def severity_word(severity: Severity | int) -> str:
    """一般 / 较重 / 严重 / 特别严重."""
    words = {
        Severity.LOW: _t("Minor"),
        Severity.MEDIUM: _t("Serious"),
        Severity.HIGH: _t("Severe"),
        Severity.CRITICAL: _t("Critical"),
    }
    return words.get(severity, str(severity))  # type: ignore[call-overload]


def severity_mark(severity: Severity | int) -> tuple[str, str]:
    """(shape, style state) of a severity: shape and word, colour only for the two worst."""
    return {
        Severity.LOW: ("○", "dim"),
        Severity.MEDIUM: ("●", ""),
        Severity.HIGH: ("▲", "stale"),
        Severity.CRITICAL: ("◆", "alert"),
    }.get(severity, ("○", "dim"))  # type: ignore[call-overload]


def level_word(level: Level | str) -> str:
    """网格 / 乡镇 / 区县 / 市."""
    words = {
        Level.GRID: _t("Grid"),
        Level.TOWNSHIP: _t("Township"),
        Level.DISTRICT: _t("District"),
        Level.CITY: _t("City"),
    }
    return words.get(level, str(level))  # type: ignore[call-overload]


def role_word(role: Role | str) -> str:
    """值班员 / 调度员 / 领导 / 巡查员 / 管理员."""
    words = {
        Role.DUTY: _t("Duty officer"),
        Role.COORDINATOR: _t("Coordinator"),
        Role.LEADER: _t("Leader"),
        Role.INSPECTOR: _t("Inspector"),
        Role.ADMIN: _t("Administrator"),
        "system": _t("System"),
    }
    return words.get(role, str(role))  # type: ignore[call-overload]


def action_word(action: Action | str) -> str:
    """The button's word for an action (or an audit line's: raise, escalate ...)."""
    words = {
        Action.REPORT: _t("Report"),
        Action.DISPATCH: _t("Dispatch"),
        Action.HANDLE: _t("Record handling"),
        Action.FEEDBACK: _t("Submit feedback"),
        Action.ASSESS: _t("Assess"),
        Action.DISMISS: _t("Dismiss"),
        Action.COMMENT: _t("Comment"),
        "raise": _t("Raised"),
        "update": _t("Updated"),
        "clear": _t("Condition cleared"),
        "escalate": _t("Escalated"),
    }
    return words.get(action, str(action))  # type: ignore[call-overload]


def source_word(source: str) -> str:
    words = {
        "rule": _t("Alarm rule"),
        "inspector": _t("Inspector"),
        "duty": _t("Duty officer"),
        "citizen": _t("Citizen report"),
    }
    return words.get(source, source)


def span(seconds: float) -> str:
    """A duration in words: '45 min', '2 h 05 min', '3 d 4 h'."""
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return _t("{m} min").format(m=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _t("{h} h {m:02d} min").format(h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return _t("{d} d {h} h").format(d=days, h=hours)


def sla_text(sla: Sla) -> tuple[str, str]:
    """(text, style state) of a deadline standing: a shape and words, colour only when late or close."""
    left = sla.left or 0.0
    match sla.lateness:
        case Lateness.OVERDUE:
            return "⚠ " + _t("overdue {0}").format(span(-left)), "alert"
        case Lateness.DUE_SOON:
            return "◷ " + _t("{0} left").format(span(left)), "stale"
        case Lateness.ON_TIME:
            return _t("{0} left").format(span(left)), ""
        case Lateness.WAITING:
            return "◔ " + _t("awaiting assessment"), "dim"
        case Lateness.CLOSED_ON_TIME:
            return "✓ " + _t("closed on time"), "dim"
        case Lateness.CLOSED_LATE:
            return "✓ " + _t("closed {0} late").format(span(-left)), "dim"
    return "— " + _t("not dispatched"), "dim"


def incident_map_labels() -> dict[str, str]:
    """The map legend's words for incidents (keys as the page expects them)."""
    return {
        "incidents": _t("Incidents"),
        "inc_none": _t("Not dispatched"),
        "inc_on_time": _t("On time"),
        "inc_due_soon": _t("Due soon"),
        "inc_overdue": _t("Overdue"),
    }
