"""A framed wall panel whose header shows its title and how old its data is."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QFrame, QSizePolicy, QVBoxLayout, QWidget

from console.widgets import theme


class SecondTicker(QObject):
    """One timer for the whole console that fires just after each wall-clock second.

    Signals:
        ticked(float): the current Unix time, once a second.
    """

    ticked = Signal(float)
    _instance: SecondTicker | None = None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._arm()

    @classmethod
    def shared(cls) -> SecondTicker:
        """The application-wide ticker (created on first use, owned by the QApplication)."""
        if cls._instance is None:
            cls._instance = cls(QCoreApplication.instance())
        return cls._instance

    def _arm(self) -> None:
        # Re-armed to the next second boundary, so clocks never skip or repeat a second.
        self._timer.start(1000 - int(time.time() * 1000) % 1000 + 5)

    def _on_timer_timeout(self) -> None:
        self._arm()
        self.ticked.emit(time.time())


def age_text(ts: float | None, now: float) -> str:
    """'as of 14:03 · 25 s ago' (local time), or 'no data'."""
    if ts is None:
        return QCoreApplication.translate("Panel", "no data")
    local, today = theme.local_time(ts), theme.local_time(now)
    clock = local.strftime("%H:%M") if local.date() == today.date() else local.strftime("%m-%d %H:%M")
    text = QCoreApplication.translate("Panel", "as of {time}").format(time=clock)
    age = now - ts
    return text if age < 0 else f"{text} · {_age_words(age)}"


def _age_words(age: float) -> str:
    if age < 60:
        return QCoreApplication.translate("Panel", "{n} s ago").format(n=int(age))
    if age < 3600:
        return QCoreApplication.translate("Panel", "{n} min ago").format(n=int(age // 60))
    if age < 86400:
        hours, minutes = divmod(int(age // 60), 60)
        return QCoreApplication.translate("Panel", "{h} h {m} min ago").format(h=hours, m=minutes)
    return QCoreApplication.translate("Panel", "{n} d ago").format(n=int(age // 86400))


class Panel(QFrame):
    """A framed panel: a header with the title and the data age, and one body widget below.

    The age label turns amber once the data is older than `stale_after_s`; it refreshes on the shared
    one-second ticker. `now` is the clock (injectable for tests).
    """

    def __init__(
        self,
        title: str,
        parent: QWidget | None = None,
        *,
        stale_after_s: float = 300.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Panel")
        self._stale_after_s = stale_after_s
        self._now = now
        self._data_time: float | None = None
        self._body: QWidget | None = None
        # title and age end in … rather than widen the panel: a screen never grows past its monitor
        self._title = theme.ElidedLabel(title, "title")
        theme.tight_height(self._title, theme.current_scale().title_px)
        self._age = theme.ElidedLabel("", "small")
        self._layout = self._build_layout()
        self._apply_frame_style()
        SecondTicker.shared().ticked.connect(self._on_ticker_ticked)
        self.refresh_age()

    def _build_layout(self) -> QVBoxLayout:
        gap = theme.current_scale().gap_px
        self._header = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._header.setSpacing(gap * 2)
        self._header.addWidget(self._title, 1)
        self._header.addWidget(self._age, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(gap * 2, gap, gap * 2, gap * 2)
        layout.setSpacing(gap)
        layout.addLayout(self._header)
        return layout

    def _margins(self, compact: bool) -> tuple[int, int, int, int, int]:
        """(left, top, right, bottom, spacing under the header) of the roomy or the compact panel."""
        gap = theme.current_scale().gap_px
        if compact:
            return gap * 2, gap // 2, gap * 2, gap, gap // 2
        return gap * 2, gap, gap * 2, gap * 2, gap

    def set_compact(self, compact: bool) -> None:
        """Compact: half the space above and below the header and under the body (a screen short of
        height keeps its rows, not its margins); the text keeps its size."""
        *margins, spacing = self._margins(compact)
        if self._layout.contentsMargins().top() != margins[1] or self._layout.spacing() != spacing:
            self._layout.setContentsMargins(*margins)
            self._layout.setSpacing(spacing)

    def chrome_height(self, compact: bool | None = None, width: int | None = None) -> int:
        """The height the panel takes besides its body: frame margins, the header (on one line or two, as
        its width has it now, or as ``width`` would have it) and the space under it; as it is, or roomy or
        compact."""
        if width is None:
            self._fit_header()
            header = self._header.sizeHint().height()
        else:
            title, age = self._title.sizeHint().height(), self._age.sizeHint().height()
            header = max(title, age) if self.header_width() <= width else title + age
        if compact is None:
            margins = self._layout.contentsMargins()
            return margins.top() + margins.bottom() + header + self._layout.spacing()
        _left, top, _right, bottom, spacing = self._margins(compact)
        return top + bottom + header + spacing

    def header_width(self) -> int:
        """The width that keeps the title and the age on one line, whole."""
        margins = self._layout.contentsMargins()
        spacing = theme.current_scale().gap_px * 2
        natural = self._title.natural_width() + spacing + self._age.natural_width()
        return natural + margins.left() + margins.right()

    def _fit_header(self) -> None:
        # Title and age on one line when they fit, else the age goes under the title.
        margins = self._layout.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        spacing = theme.current_scale().gap_px * 2
        title, age = self._title.natural_width(), self._age.natural_width()
        wide = title + spacing + age <= room
        # on one line the room is shared in proportion to the texts: both show whole
        self._header.setStretch(0, max(1, title))
        self._header.setStretch(1, max(1, age))
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._header.direction() != direction:
            self._header.setDirection(direction)
            self._header.setSpacing(theme.current_scale().gap_px * (2 if wide else 0))
        side = Qt.AlignmentFlag.AlignRight if wide else Qt.AlignmentFlag.AlignLeft
        self._age.setAlignment(side | Qt.AlignmentFlag.AlignBottom)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_header()

    def _apply_frame_style(self) -> None:
        self.setStyleSheet(
            f"QFrame#Panel {{ background: {theme.PANEL}; border: 1px solid {theme.PANEL_EDGE};"
            " border-radius: 6px; }"
        )
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def title(self) -> str:
        """The panel's title (whole, even when it is shown shortened)."""
        return self._title.full_text()

    def set_title(self, title: str) -> None:
        """Change the title."""
        self._title.set_full_text(title)
        self._fit_header()

    def set_body(self, widget: QWidget) -> None:
        """Show `widget` under the header, replacing (and deleting) the previous body."""
        if self._body is not None:
            self._layout.removeWidget(self._body)
            self._body.deleteLater()
        self._body = widget
        self._layout.addWidget(widget, 1)

    def body(self) -> QWidget | None:
        """The body widget, if any."""
        return self._body

    def set_data_time(self, ts: float | None) -> None:
        """Data time (Unix seconds, UTC) of what the panel shows; None when it has no data."""
        self._data_time = ts
        self.refresh_age()

    def age_text(self) -> str:
        """The text of the age label (whole, even when it is shown shortened)."""
        return self._age.full_text()

    def is_stale(self) -> bool:
        """Whether the data is older than the panel's threshold (or missing)."""
        if self._data_time is None:
            return True
        return self._now() - self._data_time > self._stale_after_s

    def refresh_age(self) -> None:
        """Recompute the age label (called every second by the shared ticker)."""
        now = self._now()
        text = age_text(self._data_time, now)
        if self._data_time is None:
            state = "offline"
        elif now - self._data_time > self._stale_after_s:
            state, text = "stale", "⚠ " + text
        else:
            state = "ok"
        theme.set_role(self._age, "state", state)
        if text != self._age.full_text():
            self._age.set_full_text(text)
            self._fit_header()

    def _on_ticker_ticked(self, _now: float) -> None:
        self.refresh_age()
