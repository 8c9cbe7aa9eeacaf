"""The console's one message pump: link -> resync -> store + incident book -> acks -> cache, without Qt.

Every hub message is applied here once, in order, and each turn publishes one :class:`SessionChange`;
back-filled readings and fetched history are applied here too. The live wall, headless tools and tests
all run this same pump; view-models subscribe to its topics and never hand it a widget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from console.core import protocol
from console.core.cache_picture import HOURLY_DAYS, RAW_DAYS, Picture, read_picture
from console.core.clock import LIVE_CLOCK, Clock
from console.core.incident_book import BookChange, IncidentBook
from console.core.incidents import AuditEntry
from console.core.link import Backoff, HubLink, LinkState, LinkStatus
from console.core.models import Reading
from console.core.store import ChangeSet, Store
from console.core.transport import Transport, check_hubs
from console.core.unit_book import UnitBook, UnitChange

if TYPE_CHECKING:  # SQLAlchemy (cache, outbox) and aiohttp come with their first use, after the picture
    from console.core.commands import CommandCenter
    from console.core.history import StationHistory
    from console.core.hubapi import HubApi
    from console.core.outbox import Outbox
    from console.core.persistence import LocalState
    from console.core.resync import Resync

OUTBOX_KEEP_S = 7 * 86400.0  # settled commands are kept a week, then dropped
WARNINGS_META = "warnings"  # the cache's meta key of the open warnings (a resume replays only later steps)
OPEN_WARNINGS = ("proposed", "issued")


class Topic[T]:
    """One kind of news from the session: every subscriber is called, in the order it subscribed."""

    def __init__(self) -> None:
        self._subscribers: list[Callable[[T], None]] = []

    def subscribe(self, subscriber: Callable[[T], None]) -> None:
        self._subscribers.append(subscriber)

    def publish(self, news: T) -> None:
        for subscriber in list(self._subscribers):
            subscriber(news)


@dataclass
class SessionChange:
    """What one turn of the pump changed in the store (``data``), the incident book (``incidents``) and the
    unit book (``units``).

    A turn is one hub message (``message``), one back-filled batch (``backfilled``, the readings it
    applied), one merge of fetched history, or the picture restored from the cache (``restored``).
    """

    data: ChangeSet = field(default_factory=ChangeSet)
    incidents: BookChange = field(default_factory=BookChange)
    units: UnitChange = field(default_factory=UnitChange)
    message: protocol.HubMessage | None = None
    backfilled: Sequence[Reading] = ()
    restored: bool = False
    warnings: bool = False  # the open heavy-pollution warnings changed (``ConsoleSession.warnings``)

    @property
    def forecast(self) -> bool:
        """Whether the hub announced a new forecast (fetch ``/api/forecast`` again)."""
        return isinstance(self.message, protocol.ForecastEvent)

    @property
    def role(self) -> str | None:
        """The role a welcome gave this console, else None."""
        return self.message.role if isinstance(self.message, protocol.Welcome) else None


class ConsoleSession:
    """Owns the store, the incident book, the unit book, the cache and its writer, and (once connected) the
    link, the resync, the outbox and its command centre, and the history fetches.

    Topics: ``changed`` (SessionChange, one a turn), ``link_changed`` (LinkStatus), ``backfill_changed``
    (0..1 while a gap is filled, None when done), ``commands_changed`` (the pending list or problems).
    ``clock`` is the console's time: deadlines, the link's "since", retention and outbox stamps.
    """

    def __init__(
        self,
        cache_path: Path,
        *,
        clock: Clock = LIVE_CLOCK,
        raw_days: float = RAW_DAYS,
        hourly_days: float = HOURLY_DAYS,
        margin_s: float | None = None,
    ) -> None:
        self.clock = clock
        self.record = True  # False (a replay sets it): nothing applied is written to the cache
        self.store = Store()
        self.book = IncidentBook(clock.now)
        self.units = UnitBook(clock.now)
        self.warnings: dict[int, protocol.WarningState] = {}  # the open warnings by id (proposed, issued)
        self._cache_args = (cache_path, raw_days, hourly_days)
        self._local: LocalState | None = None
        self._picture: Picture | None = None  # read before the cache opened (its region is kept there)
        self.margin_s = margin_s  # None: resync.MARGIN_S
        self.changed: Topic[SessionChange] = Topic()
        self.link_changed: Topic[LinkStatus] = Topic()
        self.backfill_changed: Topic[float | None] = Topic()
        self.commands_changed: Topic[None] = Topic()
        self.api: HubApi | None = None
        self.link: HubLink | None = None
        self.resync: Resync | None = None
        self.outbox: Outbox | None = None
        self.commands: CommandCenter | None = None
        self.history: StationHistory | None = None

    def _cache_now(self) -> float:
        # a simulated city may run ahead of the wall: nothing it sent is ever "older than a week" too soon
        return max(self.clock.now(), self.store.data_time)

    # --- start ------------------------------------------------------------------------------------------

    @property
    def local(self) -> LocalState:
        """The cache and its writer thread, opened (created, migrated) on first use: ``restore`` needs
        neither, so the picture is up before SQLAlchemy is imported."""
        if self._local is None:
            from console.core.persistence import LocalState

            path, raw_days, hourly_days = self._cache_args
            self._local = LocalState(path, raw_days=raw_days, hourly_days=hourly_days, clock=self._cache_now)
        return self._local

    def cached_region(self) -> dict[str, Any] | None:
        """The region (townships, boundary) the hub gave last time, or None."""
        if self._local is None and self._picture is not None:
            return self._picture.region
        return self.local.region()

    def restore(self) -> bool:
        """Apply the picture the cache kept from last time (before the hub answers); False when none."""
        picture = self._picture = read_picture(self._cache_args[0]) if self._local is None else None
        # what that cannot read, the cache proper reads (after opening, migrating or setting the file aside)
        snapshot = picture.snapshot if picture is not None else self.local.snapshot()
        if snapshot is None:
            return False
        change = SessionChange(
            self.store.apply(snapshot), self.book.apply(snapshot), self.units.apply(snapshot), restored=True
        )
        change.warnings = self._restore_warnings()
        self.changed.publish(change)
        return True

    def _restore_warnings(self) -> bool:
        picture = self._picture
        cached = picture.warnings if picture is not None else self.local.cache.meta(WARNINGS_META, [])
        try:
            kept = msgspec.convert(cached, list[protocol.WarningState])
        except msgspec.ValidationError:
            return False  # a cache of another version: the hub's snapshot brings them
        self.warnings = {w.id: w for w in kept}
        return bool(kept)

    def connect(
        self,
        url: str | Sequence[str],
        token: str,
        *,
        client_name: str = "console",
        backoff: Backoff | None = None,
        transport: Transport | None = None,
    ) -> None:
        """Open the outbox and the link to the hub (resuming from the cached position) and start it.

        ``url`` is one hub or a cluster's hubs: the link fails over between them and the REST calls follow
        it to the hub it is live on. A plain address off this machine without ``transport.insecure`` (or a
        bad list) raises TransportError first, naming the bad one."""
        from console.core.commands import CommandCenter
        from console.core.history import StationHistory
        from console.core.hubapi import HubApi
        from console.core.outbox import Outbox
        from console.core.resync import MARGIN_S, Resync

        urls = [url] if isinstance(url, str) else list(url)
        check_hubs(urls, transport or Transport())  # every hub before the first is dialled
        self.api = HubApi(urls[0], token, transport=transport)
        self.resync = Resync(
            self.store, self.api, self._on_backfilled, self.backfill_changed.publish,
            cache=self.local.cache, writer=self.local.writer,
            margin_s=MARGIN_S if self.margin_s is None else self.margin_s,
        )  # fmt: skip
        self.history = StationHistory(self.store, self.api, self.clock, self._on_history)
        self.outbox = Outbox(self.local.cache, clock=self.clock.now)
        self.outbox.purge(self.clock.now() - OUTBOX_KEEP_S)
        self.link = HubLink(
            urls, token, self.apply, self._on_link_status, client_name=client_name,
            position=self.local.position(), backoff=backoff, clock=self.clock.now, transport=transport,
        )  # fmt: skip
        self.commands = CommandCenter(self.outbox, self.link.send, self.book, self._on_commands_changed)
        self._on_commands_changed()
        self.link.start()

    def set_token(self, token: str) -> None:
        """A new token (after logging in again): used from the next reconnect and request on."""
        if self.link is not None:
            self.link.token = token
        if self.api is not None:
            self.api.set_token(token)

    # --- the pump ---------------------------------------------------------------------------------------

    def apply(self, message: protocol.HubMessage) -> None:
        """One turn: apply a hub message everywhere, in order, and publish what it changed."""
        if self.resync is not None:
            self.resync.before(message)
        data = self.store.apply(message)
        if isinstance(message, protocol.Ack) and self.commands is not None:
            self.commands.on_ack(message)
        incidents = self.book.apply(message)
        if incidents.incidents and self.commands is not None:
            self.commands.on_incidents_changed()  # echoes settle pending commands
        units = self.units.apply(message)
        warnings = self._apply_warnings(message)
        if self.record:
            if warnings:  # queued before the position: a resume never skips a step the cache lacks
                self.local.writer.submit_meta(WARNINGS_META, msgspec.to_builtins(
                    list(self.warnings.values())))  # fmt: skip
            self.local.record(message)  # the position is committed with (never before) its data
        if self.resync is not None:
            self.resync.after(message)
        self.changed.publish(SessionChange(data, incidents, units, message, warnings=warnings))

    def _apply_warnings(self, message: protocol.HubMessage) -> bool:
        """The open warnings after a snapshot or a warning event; whether they changed."""
        if isinstance(message, protocol.Snapshot):
            before = self.warnings
            self.warnings = {w.id: w for w in message.warnings if w.state in OPEN_WARNINGS}
            return before != self.warnings
        if isinstance(message, protocol.WarningEvent):
            w = message.warning
            if w.state in OPEN_WARNINGS:
                self.warnings[w.id] = w
            else:
                self.warnings.pop(w.id, None)
            return True
        return False

    def rewind(self) -> None:
        """Forget every value, state and incident (a replay seeking): the next snapshot starts afresh."""
        self.store.clear()
        self.book.clear()

    def set_trails(self, entries: Sequence[AuditEntry]) -> None:
        """One turn: incidents' whole audit trails, known at once (a replay showing a moment)."""
        change = BookChange()
        for ident in dict.fromkeys(e.incident for e in entries):
            change.merge(self.book.set_audit(ident, [e for e in entries if e.incident == ident]))
        self.changed.publish(SessionChange(incidents=change))

    def backfill(self, readings: Sequence[Reading]) -> None:
        """One turn: readings from before the newest ones applied (a replay filling its trends)."""
        self._on_backfilled(self.store.apply_backfill(readings), readings)

    def _on_backfilled(self, data: ChangeSet, readings: Sequence[Reading]) -> None:
        self.changed.publish(SessionChange(data, backfilled=readings))

    def _on_history(self, data: ChangeSet) -> None:
        self.changed.publish(SessionChange(data))

    def _on_commands_changed(self) -> None:
        self.commands_changed.publish(None)

    def _on_link_status(self, status: LinkStatus) -> None:
        if status.state == LinkState.LIVE and self.api is not None and self.link is not None:
            self.api.retarget(self.link.url)  # after a failover: history, back-fill and incidents from there
        if status.state == LinkState.LIVE and self.commands is not None:
            self.commands.on_link_live()  # replay the outbox in order (ids make repeats harmless)
        self.link_changed.publish(status)

    def watch_station(self, station_id: str) -> None:
        """A station was chosen: keep all its series and fetch its last day from the hub (once)."""
        if self.history is not None:
            self.history.watch(station_id)

    # --- waiting and stopping ---------------------------------------------------------------------------

    def reached(self, epoch: str, seq: int) -> bool:
        """Whether the link has applied the hub's event (epoch, seq)."""
        position = self.link.position if self.link is not None else None
        return position is not None and position[0] == epoch and position[1] >= seq

    async def caught_up(self, epoch: str, seq: int, timeout: float = 60.0) -> None:
        """Until the hub's event (epoch, seq) is applied and no back-fill runs (tools and tests)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.reached(epoch, seq) or (self.resync is not None and self.resync.running):
            if loop.time() > deadline:
                position = self.link.position if self.link else None
                raise TimeoutError(f"not caught up: at {position}, hub at {(epoch, seq)}")
            await asyncio.sleep(0.02)
        if self.resync is not None:
            await self.resync.wait()

    async def close(self) -> None:
        """Backwards: link, commands in flight, outbox, back-fill, history, REST, then the cache."""
        if self.link is not None:
            await self.link.stop()
        if self.commands is not None:
            await self.commands.drain()
        if self.outbox is not None:
            self.outbox.close()
        if self.resync is not None:
            await self.resync.stop()
        if self.history is not None:
            await self.history.stop()
        if self.api is not None:
            await self.api.close()
        if self._local is not None:  # off the loop's thread: the writer finishes its last batch first
            await asyncio.get_running_loop().run_in_executor(None, self._local.close)
