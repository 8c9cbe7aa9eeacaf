"""Words, marks and durations of the incident loop as the screens print them (translated through Qt)."""

from __future__ import annotations

import msgspec
from PySide6.QtCore import QCoreApplication

from console.core.incident_book import Lateness, Sla
from console.core.incidents import Action, IncidentState, Level, Role, Severity
from console.core.reasons import CONTEXT as REASON_CONTEXT
from console.core.reasons import RULE_WORDS, TEMPLATES, Why, render
from console.widgets import theme
from console.widgets.trend_plot import factor_title


def state_word(state: IncidentState | str) -> str:
    """发现 / 派发 / 处置 / 反馈 / 已关闭."""
    words: dict[IncidentState | str, str] = {
        IncidentState.DISCOVERED: QCoreApplication.translate("Incident", "Discovered"),
        IncidentState.DISPATCHED: QCoreApplication.translate("Incident", "Dispatched"),
        IncidentState.HANDLING: QCoreApplication.translate("Incident", "Handling"),
        IncidentState.FEEDBACK: QCoreApplication.translate("Incident", "Feedback"),
        IncidentState.CLOSED: QCoreApplication.translate("Incident", "Closed"),
    }
    return words.get(state, str(state))


def rule_word(rule: str) -> str:
    """What an alarm rule found, in a few words (the hub's own title is English)."""
    words = RULE_WORDS.get(rule)
    return QCoreApplication.translate("Incident", words) if words else ""


def why_text(why: Why | dict | None, fallback: str) -> str:
    """A rule's reason in the operator's language; ``fallback`` (the hub's English) when there is none.

    ``why`` is a :class:`Why` on an incident, or its JSON form in an audit entry's details.
    """
    if isinstance(why, dict):
        try:
            why = msgspec.convert(why, Why)
        except msgspec.ValidationError:
            return fallback
    if why is None:
        return fallback
    return render(why, _template, _name)


def _template(key: str) -> str:
    return QCoreApplication.translate(REASON_CONTEXT, TEMPLATES[key])


def _name(arg: str, value: str) -> str:
    if arg == "factor":
        return factor_title(value)
    if arg == "category" and value.isdigit() and 1 <= int(value) <= 6:
        return theme.category_word(int(value))
    if arg == "rule":
        return rule_word(value) or value
    return value


def incident_title(title: str, rule: str, why: Why | None = None) -> str:
    """The title a screen shows: the rule's words (and the factor it is about) for a rule's incident,
    the reporter's words otherwise: "Sudden rise · PM2.5"."""
    words = rule_word(rule)
    if not words:
        return title
    factor = why.args.get("factor") if why is not None else None
    return f"{words} · {factor_title(factor)}" if factor else words


def severity_word(severity: Severity | int) -> str:
    """一般 / 较重 / 严重 / 特别严重."""
    words: dict[Severity | int, str] = {
        Severity.LOW: QCoreApplication.translate("Incident", "Minor"),
        Severity.MEDIUM: QCoreApplication.translate("Incident", "Serious"),
        Severity.HIGH: QCoreApplication.translate("Incident", "Severe"),
        Severity.CRITICAL: QCoreApplication.translate("Incident", "Extremely severe"),
    }
    return words.get(severity, str(severity))


def severity_mark(severity: Severity | int) -> tuple[str, str]:
    """(shape, style state) of a severity: shape and word, colour only for the two worst."""
    marks: dict[Severity | int, tuple[str, str]] = {
        Severity.LOW: ("○", "dim"),
        Severity.MEDIUM: ("●", ""),
        Severity.HIGH: ("▲", "stale"),
        Severity.CRITICAL: ("◆", "alert"),
    }
    return marks.get(severity, ("○", "dim"))


def level_word(level: Level | str) -> str:
    """网格 / 乡镇 / 区县 / 市."""
    words: dict[Level | str, str] = {
        Level.GRID: QCoreApplication.translate("Incident", "Grid"),
        Level.TOWNSHIP: QCoreApplication.translate("Incident", "Township"),
        Level.DISTRICT: QCoreApplication.translate("Incident", "District"),
        Level.CITY: QCoreApplication.translate("Incident", "City"),
    }
    return words.get(level, str(level))


def role_word(role: Role | str) -> str:
    """值班员 / 调度员 / 领导 / 巡查员 / 管理员."""
    words = {
        Role.DUTY: QCoreApplication.translate("Incident", "Duty officer"),
        Role.COORDINATOR: QCoreApplication.translate("Incident", "Coordinator"),
        Role.LEADER: QCoreApplication.translate("Incident", "Leader"),
        Role.INSPECTOR: QCoreApplication.translate("Incident", "Inspector"),
        Role.ADMIN: QCoreApplication.translate("Incident", "Administrator"),
        "system": QCoreApplication.translate("Incident", "System"),
    }
    return words.get(role, str(role))


def action_word(action: Action | str) -> str:
    """The button's word for an action (or an audit line's: raise, escalate ...)."""
    words = {
        Action.REPORT: QCoreApplication.translate("Incident", "Report"),
        Action.ACKNOWLEDGE: QCoreApplication.translate("Incident", "Acknowledge"),
        Action.DISPATCH: QCoreApplication.translate("Incident", "Dispatch"),
        Action.HANDLE: QCoreApplication.translate("Incident", "Record handling"),
        Action.FEEDBACK: QCoreApplication.translate("Incident", "Submit feedback"),
        Action.ASSESS: QCoreApplication.translate("Incident", "Assess"),
        Action.DISMISS: QCoreApplication.translate("Incident", "Dismiss"),
        Action.COMMENT: QCoreApplication.translate("Incident", "Comment"),
        "raise": QCoreApplication.translate("Incident", "Raised"),
        "update": QCoreApplication.translate("Incident", "Updated"),
        "clear": QCoreApplication.translate("Incident", "Condition cleared"),
        "escalate": QCoreApplication.translate("Incident", "Escalated"),
        "assign_unit": QCoreApplication.translate("Incident", "Assign unit"),
        "unit_status": QCoreApplication.translate("Incident", "Unit status"),
        "release_unit": QCoreApplication.translate("Incident", "Unit released"),
    }
    return words.get(action, str(action))


def source_word(source: str) -> str:
    words = {
        "rule": QCoreApplication.translate("Incident", "Alarm rule"),
        "inspector": QCoreApplication.translate("Incident", "Inspector"),
        "duty": QCoreApplication.translate("Incident", "Duty officer"),
        "citizen": QCoreApplication.translate("Incident", "Citizen report"),
    }
    return words.get(source, source)


def span(seconds: float) -> str:
    """A duration in words: '45 min', '2 h 05 min', '3 d 4 h'."""
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return QCoreApplication.translate("Incident", "{m} min").format(m=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return QCoreApplication.translate("Incident", "{h} h {m:02d} min").format(h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return QCoreApplication.translate("Incident", "{d} d {h} h").format(d=days, h=hours)


def sla_text(sla: Sla) -> tuple[str, str]:
    """(text, style state) of a deadline standing: a shape and words, colour only when late or close."""
    left = sla.left or 0.0
    match sla.lateness:
        case Lateness.OVERDUE:
            return "⚠ " + QCoreApplication.translate("Incident", "overdue {0}").format(span(-left)), "alert"
        case Lateness.DUE_SOON:
            return "◷ " + QCoreApplication.translate("Incident", "{0} left").format(span(left)), "stale"
        case Lateness.ON_TIME:
            return QCoreApplication.translate("Incident", "{0} left").format(span(left)), ""
        case Lateness.WAITING:
            return "◔ " + QCoreApplication.translate("Incident", "awaiting assessment"), "dim"
        case Lateness.CLOSED_ON_TIME:
            return "✓ " + QCoreApplication.translate("Incident", "closed on time"), "dim"
        case Lateness.CLOSED_LATE:
            return "✓ " + QCoreApplication.translate("Incident", "closed {0} late").format(span(-left)), "dim"
    return "— " + QCoreApplication.translate("Incident", "not dispatched"), "dim"


def incident_map_labels() -> dict[str, str]:
    """The map legend's words for incidents (keys as the page expects them)."""
    return {
        "incidents": QCoreApplication.translate("Incident", "Incidents"),
        "inc_none": QCoreApplication.translate("Incident", "Not dispatched"),
        "inc_on_time": QCoreApplication.translate("Incident", "On time"),
        "inc_due_soon": QCoreApplication.translate("Incident", "Due soon"),
        "inc_overdue": QCoreApplication.translate("Incident", "Overdue"),
    }
