"""The station registry: which data loggers may report, and how they authenticate (MN + PW)."""

from __future__ import annotations

from collections.abc import Iterable

from console.core.models import Station


class Registry:
    """Stations by id and by HJ 212 MN, with each logger's password."""

    def __init__(self, entries: Iterable[tuple[Station, str]] = ()) -> None:
        self._by_id: dict[str, Station] = {}
        self._by_mn: dict[str, tuple[Station, str]] = {}
        for station, pw in entries:
            self.add(station, pw)

    def add(self, station: Station, pw: str) -> None:
        self._by_id[station.id] = station
        self._by_mn[station.mn] = (station, pw)

    def authenticate(self, mn: str, pw: str) -> tuple[Station | None, str]:
        """The station for MN+PW, or None with the refusal reason ('unknown_mn' or 'bad_pw')."""
        entry = self._by_mn.get(mn)
        if entry is None:
            return None, "unknown_mn"
        station, expected = entry
        if pw != expected:
            return None, "bad_pw"
        return station, ""

    def get(self, station_id: str) -> Station | None:
        return self._by_id.get(station_id)

    @property
    def stations(self) -> list[Station]:
        return list(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)
