"""Loads the map page once the region and the stations are known, and again when the stations change."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

from console.viewmodels.wall import WallViewModel
from console.widgets.incident_words import incident_map_labels
from console.widgets.map_view import MapView
from console.widgets.theme import category_word
from console.widgets.unit_words import unit_map_labels


class MapLoader:
    """Builds the map page for the region's boundary and the wall's stations (never for the same set twice);
    live changes then go to the page as batches.

    ``font_px`` is the labels' size; ``tile_url`` an intranet basemap (None: none), ``tiles_gcj02`` whether
    its tiles are in GCJ-02 (Chinese basemaps) rather than WGS-84.
    """

    def __init__(
        self, map_view: MapView, vm: WallViewModel, *, font_px: int, tile_url: str | None, tiles_gcj02: bool
    ) -> None:
        self.map_view, self.vm = map_view, vm
        self.font_px, self.tile_url, self.tiles_gcj02 = font_px, tile_url, tiles_gcj02
        self._loaded_for: frozenset[str] = frozenset()

    def maybe_load(self, region: dict[str, Any] | None) -> bool:
        """Load the page unless the region is unknown, there are no stations, or this set is shown; True
        when it loads."""
        stations = self.vm.stations()
        ids = frozenset(s.id for s in stations)
        if region is None or not ids or ids == self._loaded_for:
            return False
        self._loaded_for = ids
        self.map_view.load_map(
            region["boundary"],
            stations,
            font_px=self.font_px,
            labels=map_labels(),
            tile_url=self.tile_url,
            tiles_gcj02=self.tiles_gcj02,
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
    return (
        labels
        | {f"aqi_{level}": category_word(level) for level in range(1, 7)}
        | incident_map_labels()
        | unit_map_labels()
    )
