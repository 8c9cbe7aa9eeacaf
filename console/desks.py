"""The desks beside the wall: dispatch (incidents and units), reports, and the leaders' briefing wired to
the wall's windows (the cover that hides the wall while the briefing shows, the keys that open each)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console.settings import Settings

if TYPE_CHECKING:
    from console.core.session import ConsoleSession
    from console.core.store import Store
    from console.viewmodels.incidents import IncidentViewModel
    from console.viewmodels.playback import PlaybackViewModel
    from console.viewmodels.units import UnitViewModel
    from console.views.briefing import BriefingView
    from console.views.window import WallWindows


class Desks:
    """The dispatch desk, the report desk and their view-models, and the briefing's view-model and view.

    Built once the wall's cached picture is up (their imports wait for it); ``attach`` puts them on the
    wall's windows; ``close`` before the session closes."""

    def __init__(
        self,
        settings: Settings,
        session: ConsoleSession,
        incidents: IncidentViewModel,
        playback: PlaybackViewModel,
        units: UnitViewModel,
    ) -> None:
        from console.core.briefing import load_config
        from console.viewmodels.briefing import BriefingViewModel
        from console.viewmodels.reports import ReportsViewModel
        from console.views.dispatch_desk import DispatchDesk
        from console.views.report_desk import ReportDesk

        self.settings = settings
        self.desk = DispatchDesk(incidents, playback, units)
        self.reports = ReportsViewModel()
        self.report_desk = ReportDesk(self.reports)
        self.desk.window_created.append(self.report_desk.attach_dispatch)
        config = load_config(settings.briefing_file)
        self.briefing = BriefingViewModel(
            session.store, session.book, config, as_of=settings.briefing_as_of, clock=session.clock
        )
        self.briefing_view: BriefingView | None = None

    def attach(self, windows: WallWindows, store: Store, region: dict[str, Any] | None) -> BriefingView:
        """The names the store and the region (None: not known yet) give; the desks' and the briefing's keys
        on the wall's windows; the briefing's view, sized for the wall's tiles and the room's viewing distance
        (Ctrl+P, the report dialog, on its windows too)."""
        from console.core.region import township_names
        from console.views.briefing import BriefingView, WallCover
        from console.widgets.theme import WallScale

        self.set_station_names({s.id: s.name for s in store.stations.values()})
        if region is not None:
            self.set_region(region, township_names(region))
        settings = self.settings
        self.desk.add_shortcuts(windows.windows)
        self.report_desk.add_shortcuts(windows.windows)
        scale = WallScale(settings.tile_diagonal_in, self.briefing.config.viewing_distance_m)
        cover = WallCover(windows, self.desk, self.briefing)
        cover.add_shortcuts(windows.windows)
        dress = self.report_desk.add_shortcuts
        view = BriefingView(self.briefing, scale, hide_wall=cover.hide, show_wall=cover.show, dress=dress)
        self.briefing_view = view
        if settings.dispatch:
            self.desk.toggle()
        return view

    def set_station_names(self, names: dict[str, str]) -> None:
        self.reports.station_names = dict(names)

    def set_region(self, region: dict[str, Any], names: dict[str, str]) -> None:
        """The township names (and the bureau's name on reports) from the hub's region."""
        self.reports.township_names = names
        self.reports.bureau = f"{region['name']}生态环境局" if region.get("name") else ""
        self.briefing.set_township_names(names)
        self.desk.set_townships()

    def close(self) -> None:
        """The desks' windows close (after the wall's; the briefing stopped before them)."""
        self.desk.close()
        self.report_desk.close()
