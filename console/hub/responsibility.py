"""Layered responsibility (层层负责): who answers for a place at each level, from the region preset.

Grid member per responsibility-grid cell, a leader per township, one for the district and one for the
city. The roster is data built from the region and the stations' grid cells; names follow the pattern
a bureau uses on its duty boards ("网格员 110119001-03", "百泉街道负责人").
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import msgspec

from console.core.incidents import Level
from console.core.models import Station
from console.hub.regions import PRESETS, Region

# Region preset -> (district level, city level) as they appear in the roster.
UPPER_UNITS = {"yanqing": ("延庆区", "北京市"), "huludao": ("葫芦岛市", "辽宁省")}


class Person(msgspec.Struct, frozen=True):
    """One responsible person: level, the unit (grid cell, township code, district, city) and name."""

    level: Level
    unit: str
    name: str


class Responsibility:
    """The roster and the rules that pick who is responsible for an incident at its level."""

    def __init__(self, region: Region | None, stations: Iterable[Station]) -> None:
        self.region = region
        self.stations = {s.id: s for s in stations}
        self.township_names = {t.code: t.name for t in region.townships} if region else {}
        district, city = UPPER_UNITS.get(region.key, (region.name, "市")) if region else ("区", "市")
        self.people: dict[tuple[Level, str], Person] = {}
        for grid in sorted({s.grid for s in self.stations.values() if s.grid}):
            self._add(Level.GRID, grid, f"网格员 {grid}")
        for code, name in self.township_names.items():
            self._add(Level.TOWNSHIP, code, f"{name}负责人")
        self._add(Level.DISTRICT, "", f"{district}负责人")
        self._add(Level.CITY, "", f"{city}负责人")

    @classmethod
    def for_region(cls, key: str, stations: Iterable[Station]) -> Responsibility:
        """The roster of a region preset (an unknown key gives a roster without townships)."""
        return cls(PRESETS.get(key), stations)

    def _add(self, level: Level, unit: str, name: str) -> None:
        self.people[(level, unit)] = Person(level, unit, name)

    def start_level(self, township: str, grid: str) -> Level:
        """Where responsibility starts: the grid member, the township when there is no grid cell, the
        district when the place is not known at all."""
        return Level.GRID if grid else Level.TOWNSHIP if township else Level.DISTRICT

    def responsible(self, level: Level, township: str, grid: str) -> str:
        """The person who answers for a place at a level."""
        unit = {Level.GRID: grid, Level.TOWNSHIP: township}.get(level, "")
        person = self.people.get((level, unit))
        if person is not None:
            return person.name
        if level == Level.GRID:
            return f"网格员 {grid}"
        return f"{self.township_names.get(township, township)}负责人"

    def township_code(self, value: str) -> str | None:
        """A township code from a code or a name; None when the region does not know it."""
        if value in self.township_names:
            return value
        for code, name in self.township_names.items():
            if name == value:
                return code
        return None if self.township_names else value

    def locate(self, lon: float, lat: float) -> tuple[str, str]:
        """(township, grid) of a point: the nearest station's when it is within a grid cell's reach,
        otherwise the nearest township seat and no grid."""
        reach_km = self.region.grid_km if self.region else 3.0
        nearest = min(self.stations.values(), key=lambda s: _km(s.lon, s.lat, lon, lat), default=None)
        if nearest is not None and _km(nearest.lon, nearest.lat, lon, lat) <= reach_km:
            return nearest.township, nearest.grid
        if self.region and self.region.townships:
            seat = min(self.region.townships, key=lambda t: _km(t.lon, t.lat, lon, lat))
            return seat.code, ""
        return "", ""

    def roster(self) -> list[Person]:
        """Everyone, grid members first."""
        order = {level: i for i, level in enumerate(Level)}
        return sorted(self.people.values(), key=lambda p: (order[p.level], p.unit))


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    x = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(x, lat2 - lat1) * 111.2
