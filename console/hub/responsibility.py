"""Layered responsibility (层层负责): who answers for a place at each level, from the site's roster.

Grid member per responsibility-grid cell, a leader per township, one for the district and one for the
city, as the site's roster.toml names them. A unit the roster leaves out gets the name a bureau's duty
board would show ("网格员 110119001-03", "百泉街道负责人").
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from console.core.incidents import Level
from console.core.models import Station
from console.hub.site import Person, Site

__all__ = ["Person", "Responsibility"]


class Responsibility:
    """The roster and the rules that pick who is responsible for an incident at its level."""

    def __init__(self, site: Site, stations: Iterable[Station]) -> None:
        self.site = site
        self.stations = {s.id: s for s in stations}
        self.township_names = {t.code: t.name for t in site.townships}
        self.people: dict[tuple[Level, str], Person] = {(p.level, p.unit): p for p in site.roster}

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
        if level == Level.TOWNSHIP:
            return f"{self.township_names.get(township, township)}负责人"
        return f"{self.site.name or '区'}负责人" if level == Level.DISTRICT else "市负责人"

    def township_code(self, value: str) -> str | None:
        """A township code from a code or a name; None when the site does not know it."""
        if value in self.township_names:
            return value
        for code, name in self.township_names.items():
            if name == value:
                return code
        return None if self.township_names else value

    def locate(self, lon: float, lat: float) -> tuple[str, str]:
        """(township, grid) of a point: the nearest station's when it is within a grid cell's reach,
        otherwise the nearest township seat and no grid."""
        nearest = min(self.stations.values(), key=lambda s: _km(s.lon, s.lat, lon, lat), default=None)
        if nearest is not None and _km(nearest.lon, nearest.lat, lon, lat) <= self.site.grid_km:
            return nearest.township, nearest.grid
        if self.site.townships:
            seat = min(self.site.townships, key=lambda t: _km(t.lon, t.lat, lon, lat))
            return seat.code, ""
        return "", ""

    def roster(self) -> list[Person]:
        """Everyone, grid members first."""
        order = {level: i for i, level in enumerate(Level)}
        return sorted(self.people.values(), key=lambda p: (order[p.level], p.unit))


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    x = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(x, lat2 - lat1) * 111.2
