"""Geofences: township borders and exclusion zones, and the enter/exit events of units crossing them.

Zones are polygons from GeoJSON (the site's ``boundaries/townships.geojson``, or a file of exclusion zones:
one feature per zone with ``id`` and ``name``). ``FenceWatch`` follows each unit's successive fixes and
says when it enters or leaves a zone. Pure: fixes in, events out; no Qt, no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import msgspec
import shapely
from shapely.geometry import shape

from console.core.units import Fix

__all__ = ["FenceEvent", "FenceWatch", "Geofences", "Zone", "ZoneKind"]


class ZoneKind(StrEnum):
    TOWNSHIP = "township"  # a township's area: crossing it is a border crossing
    EXCLUSION = "exclusion"  # a place units must not enter (a drone no-fly area, a closed site)


class FenceEvent(msgspec.Struct, frozen=True):
    """A unit entered or left a zone, at the time of the fix that showed it."""

    unit: str
    zone: str
    kind: str  # "enter" or "exit"
    ts: float
    zone_kind: ZoneKind = ZoneKind.EXCLUSION


@dataclass(frozen=True, slots=True)
class Zone:
    """One fence: its id (a township code or a zone id), name, kind and polygon (WGS-84)."""

    id: str
    name: str
    kind: ZoneKind
    geometry: shapely.Geometry


class Geofences:
    """A set of zones, indexed: which zones hold a point."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        ids = [z.id for z in zones]
        if len(set(ids)) != len(ids):
            raise ValueError("zone ids must be unique")
        self.zones = tuple(zones)
        self._kinds = {z.id: z.kind for z in self.zones}
        self._tree = shapely.STRtree([z.geometry for z in self.zones])

    @classmethod
    def from_geojson(cls, collection: dict[str, Any], kind: ZoneKind) -> Geofences:
        """Zones of a FeatureCollection of (Multi)Polygons; the id is ``code`` or ``id``, the name ``name``.
        A feature without a polygon or an id raises ValueError naming it."""
        return cls(zones_of(collection, kind))

    def __add__(self, other: Geofences) -> Geofences:
        return Geofences((*self.zones, *other.zones))

    def at(self, lon: float, lat: float) -> frozenset[str]:
        """Ids of the zones that hold the point (a point on a border counts as inside)."""
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        return frozenset(self.zones[int(i)].id for i in hits)

    def kind_of(self, zone: str) -> ZoneKind:
        return self._kinds[zone]


def zones_of(collection: dict[str, Any], kind: ZoneKind) -> list[Zone]:
    """The zones of a GeoJSON FeatureCollection."""
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise ValueError("zones must be a GeoJSON FeatureCollection")
    zones = []
    for n, feature in enumerate(features):
        props = feature.get("properties") or {} if isinstance(feature, dict) else {}
        ident = str(props.get("code") or props.get("id") or "")
        if not ident:
            raise ValueError(f"zone feature {n}: needs a 'code' or 'id'")
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"zone {ident}: the geometry must be a Polygon or MultiPolygon")
        try:
            polygon = shapely.make_valid(shape(geometry))
        except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
            raise ValueError(f"zone {ident}: {exc}") from None
        zones.append(Zone(ident, str(props.get("name") or ident), kind, polygon))
    return zones


class FenceWatch:
    """Which zones each unit is in, from its successive fixes; ``update`` says what changed.

    A unit's first fix places it without an event (it did not cross anything we saw). A report without a
    position (``fix`` False) and a fix older than the unit's newest (a late back-filled one) change nothing:
    a crossing is dated by the fix that first shows it.
    """

    def __init__(self, fences: Geofences) -> None:
        self.fences = fences
        self._inside: dict[str, tuple[float, frozenset[str]]] = {}

    def update(self, fix: Fix) -> list[FenceEvent]:
        """The enter and exit events this fix shows (exits first, then entries, each by zone id)."""
        if not fix.fix:
            return []
        known = self._inside.get(fix.unit)
        if known is not None and fix.ts < known[0]:
            return []
        now = self.fences.at(fix.lon, fix.lat)
        self._inside[fix.unit] = (fix.ts, now)
        if known is None:
            return []
        before = known[1]
        events = [self._event(fix, zone, "exit") for zone in sorted(before - now)]
        return events + [self._event(fix, zone, "enter") for zone in sorted(now - before)]

    def update_all(self, fixes: Iterable[Fix]) -> list[FenceEvent]:
        """Events of many fixes, taken in time order."""
        events: list[FenceEvent] = []
        for fix in sorted(fixes, key=lambda f: f.ts):
            events += self.update(fix)
        return events

    def zones_of(self, unit: str) -> frozenset[str]:
        """The zones a unit was in at its newest fix (empty when never seen)."""
        known = self._inside.get(unit)
        return known[1] if known is not None else frozenset()

    def _event(self, fix: Fix, zone: str, kind: str) -> FenceEvent:
        return FenceEvent(fix.unit, zone, kind, fix.ts, self.fences.kind_of(zone))
