"""The top bar: centre name, connection state (live, reconnecting, offline, replay), clock and warnings."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QResizeEvent, QTextDocumentFragment
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from console.widgets import theme
from console.widgets.panel import SecondTicker

LINK_STATES = ("live", "reconnecting", "offline", "replay")

# Banner colours per link state: (background, text). Live is calm; the others must not be missed.
_COLOURS = {
    "live": (theme.BACKGROUND, theme.TEXT_SECONDARY),
    "reconnecting": ("#2E2208", theme.AMBER),
    "offline": ("#8E1B1B", "#FFFFFF"),
    "replay": (theme.PLAYBACK, theme.BACKGROUND),
}


class StatusBanner(QFrame):
    """Top bar: the centre's name, the link state, the local 24-hour clock and a warning strip.

    The clock follows the shared one-second ticker. `now` is the clock source (injectable for tests).
    """

    def __init__(
        self, title: str = "", parent: QWidget | None = None, *, now: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self.setObjectName("StatusBanner")
        self._now = now
        self._state = "live"
        self._title = theme.ElidedLabel(title, "strong")
        self._link = theme.WrappedLabel("", "figure")  # a long reason wraps: the banner never widens a screen
        self._link.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._clock = theme.label("", "figure", rich=True)  # the date smaller than the time
        self._clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._fill = theme.label("", "figure")
        self._fill.hide()
        self._warning = theme.label("", "figure")
        self._warning.setWordWrap(True)
        self._warning.hide()
        self._build_layout()
        self.set_link_state("live", "", None)
        SecondTicker.shared().ticked.connect(self._on_ticker_ticked)
        self.refresh_clock()

    def _build_layout(self) -> None:
        gap = theme.current_scale().gap_px
        self._bar = QFrame()
        self._bar.setObjectName("LinkBar")
        self._rows = QVBoxLayout(self._bar)  # the link state moves to a line of its own when it is long
        self._rows.setContentsMargins(gap * 2, gap, gap * 2, gap)
        self._rows.setSpacing(gap)
        self._row = bar = QHBoxLayout()
        bar.setSpacing(gap * 4)
        bar.addWidget(self._title, 2)
        bar.addWidget(self._link, 0)
        bar.addWidget(self._fill, 0)
        bar.addWidget(self._clock, 2)
        self._rows.addLayout(bar)
        self._warning.setContentsMargins(gap * 2, gap, gap * 2, gap)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._bar)
        layout.addWidget(self._warning)

    def _fit_link(self) -> None:
        # The link state in the bar when it fits beside a readable title, else on its own line below.
        spacing = self._row.spacing()
        room = self._bar.contentsRect().width() - self._rows.contentsMargins().left() * 2
        for label in (self._clock, self._fill):
            if not label.isHidden():
                room -= label.sizeHint().width() + spacing
        title = min(self._title.natural_width(), theme.current_scale().body_px * 10)  # ten characters or so
        room -= title + spacing
        self._link.ensurePolished()
        advance = self._link.fontMetrics().horizontalAdvance(self._link.text())
        inline = advance <= room
        # in the bar, on one line: a wrapping label left to its own size hint breaks a short text in two
        self._link.setMinimumWidth(advance + 1 if inline else 0)
        if inline == (self._row.indexOf(self._link) >= 0):
            return
        (self._rows if inline else self._row).removeWidget(self._link)
        if inline:
            self._row.insertWidget(1, self._link, 0)
        else:
            self._rows.addWidget(self._link)

    def link_on_its_own_line(self) -> bool:
        """Whether the link state is too long for the bar and shows on a line of its own."""
        return self._row.indexOf(self._link) < 0

    def set_title(self, title: str) -> None:
        """The command centre's name (shortened with … when the bar is narrow)."""
        self._title.set_full_text(title)

    def set_link_state(
        self, state: str, detail: str, data_time: float | None, since: float | None = None
    ) -> None:
        """Show the link state: 'live', 'reconnecting', 'offline' or 'replay'.

        `detail` is appended as given (see reconnect_detail); `data_time` (Unix seconds) is the time of the
        newest data shown when offline, and the replay position in replay; `since` (Unix seconds) is when
        the link was lost, shown when offline.
        """
        if state not in LINK_STATES:
            raise ValueError(f"unknown link state {state!r}; expected one of {', '.join(LINK_STATES)}")
        self._state = state
        text = self._state_text(state, data_time, since)
        self._link.setText(f"{text} · {detail}" if detail else text)
        self._fit_link()
        background, colour = _COLOURS[state]
        self._bar.setStyleSheet(
            f"QFrame#LinkBar {{ background: {background}; border-bottom: 2px solid {theme.PANEL_EDGE}; }}"
            f"QFrame#LinkBar QLabel {{ color: {colour}; }}"
        )

    def _state_text(self, state: str, data_time: float | None, since: float | None = None) -> str:
        if state == "live":
            return self.tr("● LIVE")
        if state == "reconnecting":
            return self.tr("⟳ RECONNECTING")
        stamp = "—" if data_time is None else _stamp(data_time, self._now(), seconds=state == "offline")
        if state == "offline" and since is not None:
            lost = _stamp(since, self._now(), seconds=True)
            return self.tr("OFFLINE since {since} — data as of {time}").format(since=lost, time=stamp)
        if state == "offline":
            return self.tr("OFFLINE — showing data as of {time}").format(time=stamp)
        return self.tr("▶ REPLAY {time} — not live").format(time=stamp)

    @staticmethod
    def reconnect_detail(attempt: int, retry_in_s: float) -> str:
        """Detail text for the reconnecting state: 'attempt 3 · next retry in 8 s'."""
        text = QCoreApplication.translate("StatusBanner", "attempt {n} · next retry in {s} s")
        return text.format(n=attempt, s=max(0, round(retry_in_s)))

    @staticmethod
    def hub_detail(number: int, count: int, address: str) -> str:
        """Which of the cluster's hubs the link is on or trying: 'hub 2 of 2: wss://hub-b:8765'."""
        text = QCoreApplication.translate("StatusBanner", "hub {n} of {count}: {address}")
        return text.format(n=number, count=count, address=address)

    def set_backfill(self, fraction: float | None) -> None:
        """Progress of filling a gap from the hub's history (0..1); None when no fill is running."""
        self._fill.setVisible(fraction is not None)
        if fraction is not None:
            self._fill.setText(self.tr("filling the gap {percent} %").format(percent=round(fraction * 100)))
        self._fit_link()

    def backfill_text(self) -> str:
        """The gap-filling progress shown ('' when none)."""
        return self._fill.text() if self._fill.isVisibleTo(self) else ""

    def link_state(self) -> str:
        """The link state shown."""
        return self._state

    def link_text(self) -> str:
        """The link state text as shown."""
        return self._link.text()

    def set_warning(self, text: str | None) -> None:
        """A heavy-pollution warning as a text strip under the bar; None hides it."""
        self._warning.setVisible(bool(text))
        self._warning.setText(f"⚠ {text}" if text else "")
        self._warning.setStyleSheet(f"background: {theme.AMBER}; color: {theme.BACKGROUND};")
        self._fit_warning()

    def _fit_warning(self) -> None:
        # A wrapped label does not always pass its height for a width up the layouts: give it explicitly.
        self._warning.ensurePolished()
        self._warning.setMinimumHeight(0)  # else the label answers with its current minimum
        if self._warning.text():
            self._warning.setMinimumHeight(self._warning.heightForWidth(max(self.width(), 100)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_link()
        self._fit_warning()

    def warning_text(self) -> str:
        """The warning shown ('' when none)."""
        return self._warning.text() if self._warning.isVisibleTo(self) else ""

    def clock_text(self) -> str:
        """The clock as shown, as plain text."""
        return QTextDocumentFragment.fromHtml(self._clock.text()).toPlainText()

    def refresh_clock(self) -> None:
        """Show the current local time (called every second by the shared ticker)."""
        local = theme.local_time(self._now())
        small = theme.current_scale().small_px
        self._clock.setText(
            f'<span style="font-size:{small}px; font-weight:normal">{local:%Y-%m-%d}</span> {local:%H:%M:%S}'
        )

    def _on_ticker_ticked(self, _now: float) -> None:
        self.refresh_clock()


def _stamp(ts: float, now: float, *, seconds: bool) -> str:
    local = theme.local_time(ts)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    same_day = local.date() == theme.local_time(now).date()
    return clock if same_day and seconds else f"{local:%Y-%m-%d} {clock}"
