"""The replay's words: moments in the site's local time with date and weekday, speeds, and typed times
read back (with a clear message when they cannot be)."""

from __future__ import annotations

import re
from datetime import datetime

from PySide6.QtCore import QCoreApplication

from console.widgets import theme

SPEEDS = (1.0, 10.0, 60.0, 600.0, 3600.0)
HOUR_S = 3600.0
DAY_S = 86400.0


def weekday_word(day: int) -> str:
    """Translated short weekday name, Monday = 0 (Mon / 周一)."""
    words = (
        QCoreApplication.translate("Weekday", "Mon"),
        QCoreApplication.translate("Weekday", "Tue"),
        QCoreApplication.translate("Weekday", "Wed"),
        QCoreApplication.translate("Weekday", "Thu"),
        QCoreApplication.translate("Weekday", "Fri"),
        QCoreApplication.translate("Weekday", "Sat"),
        QCoreApplication.translate("Weekday", "Sun"),
    )
    return words[day]


def moment_text(ts: float, *, seconds: bool = True) -> str:
    """A moment as the site's local time with its date and weekday: '2015-11-28 Sat 14:00:00'."""
    local = theme.local_time(ts)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{local:%Y-%m-%d} {weekday_word(local.weekday())} {clock}"


def speed_text(speed: float) -> str:
    """'3600×'."""
    return f"{speed:g}×"


_TIME = re.compile(r"^\s*(?:(?:(\d{4})-)?(\d{1,2})-(\d{1,2})[ T]+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


class TimeInputError(ValueError):
    """Typed text that is not a time of the replay; the message says what to type."""


def parse_local_time(text: str, around: float) -> float:
    """A typed local (UTC+8) time as Unix seconds: ``2015-12-01 08:00[:00]``, ``12-01 08:00`` (the year of
    ``around``) or ``08:00`` (the day of ``around``); ``T`` may stand for the space. Raises TimeInputError."""
    match = _TIME.match(text)
    if not match:
        raise TimeInputError(
            QCoreApplication.translate("PlaybackBar", "Type a time as 2015-12-01 08:00, 12-01 08:00 or 08:00")
        )
    year, month, day, hour, minute, second = match.groups()
    base = theme.local_time(around)
    try:
        moment = datetime(
            int(year) if year else base.year,
            int(month) if month else base.month,
            int(day) if day else base.day,
            int(hour),
            int(minute),
            int(second or 0),
            tzinfo=theme.LOCAL_TZ,
        )
    except ValueError:
        raise TimeInputError(
            QCoreApplication.translate("PlaybackBar", "No such date or time: {0}").format(text.strip())
        ) from None
    return moment.timestamp()
