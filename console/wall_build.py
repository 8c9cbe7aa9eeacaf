"""The wall's three screens (situation, map, action), their windows on the monitors, the map page's loader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.settings import Settings

if TYPE_CHECKING:
    from console.viewmodels.incidents import IncidentViewModel
    from console.viewmodels.playback import PlaybackViewModel
    from console.viewmodels.units import UnitViewModel
    from console.viewmodels.wall import WallViewModel
    from console.views.map_loader import MapLoader
    from console.views.window import WallWindows


@dataclass
class Wall:
    """The screens by name ("situation", "map", "action"), their windows and the map page's loader."""

    views: dict[str, Any]
    windows: WallWindows
    map_loader: MapLoader


def build_wall(
    settings: Settings,
    vm: WallViewModel,
    incidents: IncidentViewModel,
    units: UnitViewModel,
    playback: PlaybackViewModel,
) -> Wall:
    """Build the screens on their view-models and arrange their windows on the monitors (the layout from
    the settings, the windows' places kept in the data directory's console.ini). The map page is not loaded
    here: ``MapLoader.maybe_load`` does that once the region and the stations are known."""
    from PySide6.QtCore import QSettings

    from console.views.map_loader import MapLoader
    from console.views.screens import ActionView, MapScreenView, SituationView
    from console.views.window import WallWindows
    from console.widgets.map_view import MapView

    map_view = MapView(cache_dir=settings.data_dir / "map")
    map_screen = MapScreenView(vm, map_view, incidents, units=units)
    map_screen.banner.set_title(settings.banner_title())
    views = {
        "situation": SituationView(vm),
        "map": map_screen,
        "action": ActionView(vm, incidents, units=units),
    }
    loader = MapLoader(
        map_view,
        vm,
        font_px=settings.scale.small_px,
        tile_url=settings.tile_url or None,
        tiles_gcj02=not settings.tiles_wgs84,
    )
    qsettings = QSettings(str(settings.data_dir / "console.ini"), QSettings.Format.IniFormat)
    windows = WallWindows(views, settings.layout(), qsettings, playback=playback)
    windows.arrange()
    return Wall(views, windows, loader)
