"""Loads the map page once the region and the stations are known, and again when the stations change."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

from console.core.store import Store
from console.settings import Settings
from console.widgets.incident_words import incident_map_labels
from console.widgets.map_view import MapView
from console.widgets.theme import category_word


class MapLoader:
    """Builds the map page for the region's boundary and the store's stations (never for the same set twice);
    live changes then go to the page as batches."""

    def __init__(self, map_view: MapView, store: Store, settings: Settings) -> None:
        self.map_view, self.store, self.settings = map_view, store, settings
        self._loaded_for: frozenset[str] = frozenset()

    def maybe_load(self, region: dict[str, Any] | None) -> bool:
        """Load the page unless the region is unknown, there are no stations, or this set is shown; True
        when it loads."""
        stations = frozenset(self.store.stations)
        if region is None or not stations or stations == self._loaded_for:
            return False
        self._loaded_for = stations
        settings = self.settings
        self.map_view.load_map(
            region["boundary"],
            list(self.store.stations.values()),
            font_px=settings.scale.small_px,
            labels=map_labels(),
            tile_url=settings.tile_url or None,
            tiles_gcj02=not settings.tiles_wgs84,
        )
        return True


def map_labels() -> dict[str, str]:
    """Words of the map's legend and layers, translated (keys as in map_page.DEFAULT_LABELS)."""
    labels = {
        "layers": QCoreApplication.translate("Map", "Layers"),
        "status": QCoreApplication.translate("Map", "Status"),
        "air": QCoreApplication.translate("Map", "Air stations"),
        "micro": QCoreApplication.translate("Map", "Micro stations"),
        "scenic": QCoreApplication.translate("Map", "Scenic areas"),
        "water": QCoreApplication.translate("Map", "Water quality"),
        "noise": QCoreApplication.translate("Map", "Noise"),
        "fume": QCoreApplication.translate("Map", "Catering fume"),
        "source": QCoreApplication.translate("Map", "Pollution sources"),
        "odour": QCoreApplication.translate("Map", "Odour"),
        "state_ok": QCoreApplication.translate("Map", "Normal"),
        "state_alarm": QCoreApplication.translate("Map", "Exceedance"),
        "state_offline": QCoreApplication.translate("Map", "Offline"),
        "state_stale": QCoreApplication.translate("Map", "Stale data"),
        "state_fault": QCoreApplication.translate("Map", "Instrument fault"),
        "state_invalid": QCoreApplication.translate("Map", "Invalid data"),
        "state_selected": QCoreApplication.translate("Map", "Selected"),
        "approximate": QCoreApplication.translate("Map", "Township outlines approximate"),
        "tile_attribution": QCoreApplication.translate("Map", "Intranet basemap"),
    }
    return labels | {f"aqi_{level}": category_word(level) for level in range(1, 7)} | incident_map_labels()
