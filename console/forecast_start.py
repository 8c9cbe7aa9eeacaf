"""Puts the forecast and the warnings on every screen: builds the forecast view-model on the console's
session, dresses every window (the wall's, the desk's, the briefing's) with the warning banner, puts the
forecast panel on the situation view, and feeds the view-model from the hub (live, or the replay's)."""

from __future__ import annotations

from typing import Any

from console.core.link import LinkStatus
from console.viewmodels.forecast import ForecastViewModel
from console.views.forecast_wall import ForecastWall


def attach_forecast(console: Any) -> ForecastWall:
    """Build the view-model on the console's session, put the forecast panel on the situation view
    and a banner on every window, and feed the view-model from the hub once there is one (the replay's
    hub while replaying)."""
    session = console.session
    vm = ForecastViewModel(session)
    wall = ForecastWall(vm)
    wall.sources = [
        lambda: list(console.windows.windows) if console.windows is not None else [],
        lambda: list(getattr(console.briefing_view, "screens", [])),
        lambda: [console.desk.window] if console.desk.window is not None else [],
    ]
    console.desk.window_created.append(wall.dress)
    console.briefing.active_changed.connect(lambda _active: wall.dress_all())
    console.views["situation"].set_forecast(vm)
    wall.dress_all()

    def on_link(_status: LinkStatus) -> None:
        api = session.api
        if api is not None and vm.fetch_forecast is None:
            vm.fetch_forecast, vm.send_command = api.forecast, api.warning_command

    session.link_changed.subscribe(on_link)
    playback = console.playback_vm

    def on_replay_state(state: Any) -> None:
        if vm.fetch_forecast is None and console.playback is not None:
            source = console.playback.source
            api = getattr(source, "api", None)  # a hub's history; an episode file answers from itself
            vm.fetch_forecast = api.forecast if api is not None else getattr(source, "forecast", None)
        vm.set_replay(state.at if playback.active else None)

    playback.state_changed.connect(on_replay_state)
    playback.active_changed.connect(lambda active: None if active else vm.set_replay(None))
    return wall
