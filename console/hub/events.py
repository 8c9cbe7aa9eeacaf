"""The hub's sequenced event log: one epoch per hub run, a bounded replay window for resuming clients."""

from __future__ import annotations

import secrets
import time
from collections import deque

from console.core import protocol
from console.core.incidents import AuditEntry, Incident
from console.core.models import Reading
from console.core.units import Fix, UnitState


class EventLog:
    """Assigns ``seq`` to events, keeps the last ``window`` encoded events (at most ``max_bytes``) for replay.

    Events are encoded once and the same bytes go to every client and into the window.
    """

    def __init__(self, window: int = 200_000, epoch: str | None = None, max_bytes: int = 256 * 2**20) -> None:
        self.epoch = epoch or f"{int(time.time()):x}-{secrets.token_hex(4)}"
        self.seq = 0
        self._window: deque[tuple[int, bytes]] = deque()
        self._limit = max(1, window)
        self._max_bytes = max_bytes
        self._bytes = 0

    def readings(self, items: list[Reading]) -> bytes:
        """Sequence and encode a ``readings`` event."""
        self.seq += 1
        return self._keep(protocol.Readings(epoch=self.epoch, seq=self.seq, items=items, sent=time.time()))

    def station(self, entry: protocol.StatusEntry) -> bytes:
        """Sequence and encode a ``station`` status event."""
        self.seq += 1
        return self._keep(protocol.StationEvent(epoch=self.epoch, seq=self.seq, entry=entry))

    def incident(self, incident: Incident, audit: AuditEntry | None = None) -> bytes:
        """Sequence and encode an ``incident`` event (the full new state and the entry that made it)."""
        self.seq += 1
        return self._keep(
            protocol.IncidentEvent(epoch=self.epoch, seq=self.seq, incident=incident, audit=audit)
        )

    def units(self, units: list[UnitState], fixes: list[Fix]) -> bytes:
        """Sequence and encode a ``unit`` event (units that changed, reports received)."""
        self.seq += 1
        return self._keep(protocol.UnitEvent(epoch=self.epoch, seq=self.seq, units=units, fixes=fixes))

    def warning(self, state: protocol.WarningState) -> bytes:
        """Sequence and encode a ``warning`` event (a heavy-pollution warning's full new state)."""
        self.seq += 1
        return self._keep(protocol.WarningEvent(epoch=self.epoch, seq=self.seq, warning=state))

    def forecast(self, stamp: str) -> bytes:
        """Sequence and encode a ``forecast`` event (the forecast changed: fetch it again)."""
        self.seq += 1
        return self._keep(protocol.ForecastEvent(epoch=self.epoch, seq=self.seq, stamp=stamp))

    def restart(self, epoch: str, seq: int) -> None:
        """Go on from ``seq`` of ``epoch`` (a hub node taking the lead goes on from the event stream's last
        sequence); the window is emptied, since its events belong to what came before."""
        self.epoch, self.seq = epoch, seq
        self._window.clear()
        self._bytes = 0

    def _keep(self, message: protocol._Msg) -> bytes:
        data = protocol.encode(message)
        window = self._window
        window.append((self.seq, data))
        self._bytes += len(data)
        while len(window) > self._limit or (self._bytes > self._max_bytes and len(window) > 1):
            self._bytes -= len(window.popleft()[1])
        return data

    def heartbeat(self) -> bytes:
        """An encoded heartbeat carrying the last seq (not itself an event)."""
        return protocol.encode(protocol.Heartbeat(epoch=self.epoch, seq=self.seq, ts=time.time()))

    def since(self, epoch: str, seq: int) -> list[bytes] | None:
        """Events after ``seq`` of ``epoch``, or None when they are no longer (or never were) here."""
        if epoch != self.epoch or seq > self.seq or seq < 0:
            return None
        if seq == self.seq:
            return []
        if not self._window or self._window[0][0] > seq + 1:
            return None
        first = self._window[0][0]
        return [data for _, data in list(self._window)[seq + 1 - first :]]

    @property
    def first_seq(self) -> int:
        """The oldest seq still replayable (0 when empty)."""
        return self._window[0][0] if self._window else 0
