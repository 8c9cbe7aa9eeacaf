"""The simulated city's history, written at a hub's first start."""

from __future__ import annotations

from console.hub.storage import Storage
from console.sim.citymodel import CityModel
from console.sim.network import build_network
from console.sim.preroll import preroll
from console.sim.regions import PRESETS


def test_first_start_writes_recent_history_with_hourly_aqi(tmp_path) -> None:
    """A fresh simulated hub has the last hours already, so the wall's 24 h trends are not empty."""
    region = PRESETS["yanqing"]
    specs = build_network(region, 7, 40)
    storage = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    storage.upsert_stations([(s.station, s.pw) for s in specs])
    end = 1_763_700_000.0
    written = preroll(storage, specs, CityModel(specs, region, 7, end - 3 * 3600), end, 3)
    air = next(s.station.id for s in specs if s.station.kind == "air")
    minutes = storage.history(air, "a34004", end - 3 * 3600, end, "raw")
    hourly_aqi = storage.history(air, "AQI_H", end - 3 * 3600, end, "raw")
    storage.close()
    assert written > 0 and len(minutes) >= 170  # one-minute data for standard air stations
    assert len(hourly_aqi) >= 2 and all(0 < p.value <= 500 for p in hourly_aqi)
