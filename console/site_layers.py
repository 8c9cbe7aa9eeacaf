"""The site's map layers for the units: the road network (ETA along roads) and the exclusion zones.

The one seam between where a site's files come from and the view-model that uses them: today the embedded
hub's site folder on this machine; later a remote hub may hand the same files over.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.core.roads import RoadNetwork
    from console.viewmodels.units import UnitViewModel

log = logging.getLogger(__name__)


@dataclass
class SiteLayers:
    """What a site folder gives the map: roads (None: the nearest units by straight line) and zones."""

    roads: RoadNetwork | None = None
    zones: dict[str, Any] | None = None


def read_site_layers(site: Path) -> SiteLayers:
    """Read ``roads.geojson`` and ``zones.geojson`` from a site folder (blocking: run it off the GUI thread).

    A missing file gives no layer; an unusable one is logged and skipped, never raised."""
    from console.core.roads import RoadError, RoadNetwork

    layers = SiteLayers()
    roads = site / "roads.geojson"
    if not roads.exists():
        return layers  # no roads: zones are only watched along them
    try:
        layers.roads = RoadNetwork.load(roads)
    except (RoadError, OSError) as exc:
        log.warning("road network %s not usable: %s", roads, exc)
        return layers
    log.info("road network: %d nodes, %d segments", layers.roads.nodes, layers.roads.edges)
    zones = site / "zones.geojson"
    if zones.exists():
        try:
            layers.zones = json.loads(zones.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("exclusion zones %s not usable: %s", zones, exc)
    return layers


async def load_site_layers(site: Path, units: UnitViewModel) -> None:
    """Read a site folder's layers in an executor and hand them to the units' view-model."""
    layers = await asyncio.get_running_loop().run_in_executor(None, read_site_layers, site)
    if layers.roads is not None:
        units.set_roads(layers.roads)
    if layers.zones is not None:
        units.set_fences(zones=layers.zones)
