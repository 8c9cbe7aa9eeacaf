"""Replay start and switching: a console that replays (the hub's history or an episode file) on the replayed
clock, and the switch that starts the console again live or as a replay of an incident's stretch."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from console.settings import Settings

if TYPE_CHECKING:
    from console.core import playback as engine
    from console.core.link import LinkStatus
    from console.core.session import ConsoleSession
    from console.viewmodels.incidents import IncidentViewModel
    from console.viewmodels.playback import PlaybackViewModel

log = logging.getLogger(__name__)


def console_session(settings: Settings) -> ConsoleSession:
    """Live: the wall clock and the console's cache. Replaying: the replayed clock, and a cache of its own
    that nothing is written to (the replay turns the session's recording off)."""
    from console.core.session import ConsoleSession

    days = {"raw_days": settings.cache_raw_days, "hourly_days": settings.cache_hourly_days}
    if settings.playback or settings.episode_file:
        from console.core.playback import PlaybackClock

        clock = PlaybackClock(settings.playback_at or 0.0)
        return ConsoleSession(settings.data_dir / "playback-cache.db", clock=clock, **days)
    from console.core.clock import LiveClock

    return ConsoleSession(settings.data_dir / "cache.db", clock=LiveClock(), **days)


class ReplaySwitch:
    """Starts the replay of one console run, and asks for the next run when the operator switches.

    ``next_settings`` is None until the operator goes live from a replay or replays a stretch: then it holds
    the settings the console starts again with, and ``done`` is set to end this run.
    """

    def __init__(
        self,
        settings: Settings,
        session: ConsoleSession,
        vm: PlaybackViewModel,
        say: Callable[[LinkStatus], None],
        done: asyncio.Event,
    ) -> None:
        self.settings = settings
        self.session = session
        self.vm = vm
        self.say = say
        self.done = done
        self.given_hub = (settings.hub_url, settings.token)  # before an embedded hub fills them in
        self.playback: engine.Playback | None = None
        self.next_settings: Settings | None = None
        self._on_replaying: Callable[[bool], None] | None = None

    def bind(self, incidents: IncidentViewModel, views: dict[str, Any]) -> None:
        """While a replay runs, commands are off and the map and the situation screen say so."""

        def on_replaying(active: bool) -> None:
            incidents.set_commands_enabled(not active)
            at = self.vm.state().at if active else None
            views["map"].set_replay(at)
            views["situation"].set_replay(at)

        self._on_replaying = on_replaying
        self.vm.active_changed.connect(on_replaying)
        self.vm.live_requested.connect(self.go_live)
        self.vm.replay_requested.connect(self.replay)
        self.vm.window_of = self.replay_window

    def replay_window(self, incident_id: str) -> tuple[float, float] | None:
        """The stretch an incident's Replay goes to, or None for an incident this console does not know."""
        from console.core.playback import replay_window_of

        incident = self.session.book.get(incident_id)
        return None if incident is None else replay_window_of(incident)

    async def start(self, hub_ready: Callable[[], Awaitable[bool]], on_api: Callable[[Any], None]) -> None:
        """Replay the hub's history (--playback) or an episode file (--open-episode): no link, no outbox, no
        commands; the same session, store and views as live, on the replayed clock.

        ``hub_ready`` starts the hub and logs in (False: the wall already says why); ``on_api`` gets the
        hub's REST client, for the region."""
        from console.core import playback as engine
        from console.core.episode import EpisodeSource

        settings = self.settings
        source: engine.PlaybackSource
        if settings.episode_file:
            source = EpisodeSource(settings.episode_file)
        else:
            if not await hub_ready():
                return  # the wall says OFFLINE and why
            hub = engine.HubSource(settings.hub_url, settings.token, transport=settings.transport())
            on_api(hub.api)  # the map's boundary and the township names
            source = hub
        at, speed = settings.playback_at, settings.playback_speed
        self.playback = engine.Playback(self.session, source, at=at, speed=speed)
        log.info("start-up: replay of %s at %s", source.name, settings.playback_at)
        if not await self._open():
            return
        self.vm.attach(self.playback)
        self.vm.set_replay_available(True)  # an incident's Replay goes to its window here

    async def _open(self) -> bool:
        """Open the replay; a hub that is busy or away (starting, migrating its database) is asked again
        with backoff while the wall says why. False for an episode file that cannot be read."""
        from PySide6.QtCore import QCoreApplication

        from console.core.episode import EpisodeError
        from console.core.hubapi import HubApiError
        from console.core.link import Backoff, LinkState, LinkStatus

        assert self.playback is not None, "start() made it"
        backoff = Backoff(base=1.0, cap=15.0)
        while True:
            try:
                await self.playback.open()
                return True
            except EpisodeError as exc:
                log.error("cannot replay: %s", exc)
                text = QCoreApplication.translate("Console", "Cannot replay: {0}").format(exc)
                self.say(LinkStatus(LinkState.REFUSED, text, since=self.session.clock.now()))
                return False
            except (HubApiError, OSError) as exc:
                delay = backoff.next_delay()
                log.warning("replay: the hub's history did not come (%s); again in %.0f s", exc, delay)
                text = QCoreApplication.translate(
                    "Console", "Replay: the hub's history did not come ({0}); trying again in {1} s"
                ).format(exc, round(delay))
                since = self.session.clock.now()
                self.say(LinkStatus(LinkState.RECONNECTING, text, backoff.attempt, delay, since))
                with contextlib.suppress(TimeoutError):  # quitting while waiting ends the wait
                    await asyncio.wait_for(self.done.wait(), delay)
                if self.done.is_set():
                    return False

    def go_live(self) -> None:
        """Back to live: the console starts again on the live clock, linked to the hub."""
        self._restart(dataclasses.replace(self.settings, playback=False, episode_file=None, playback_at=None))

    def replay(self, start: float, _end: float) -> None:
        """Replay a stretch (an incident's): the console starts again as a replay at its start."""
        self._restart(dataclasses.replace(self.settings, playback=True, playback_at=start))

    def _restart(self, settings: Settings) -> None:
        # the hub given on the command line again: an embedded hub stops with this console and the next
        # one starts its own
        hub_url, token = self.given_hub
        self.next_settings = dataclasses.replace(settings, hub_url=hub_url, token=token)
        self.done.set()

    def detach(self) -> None:
        """Before the windows close: no more replay news to the views, the replay's frames stop."""
        if self._on_replaying is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self.vm.active_changed.disconnect(self._on_replaying)  # the views are about to go
        self.vm.detach()

    async def close(self) -> None:
        """After the windows closed: the replay's source (its hub client or file) is released."""
        if self.playback is not None:
            await self.playback.close()
