"""History for a freshly simulated city: the last hours written straight into storage before going live.

A wall that starts with empty 24-hour trends tells the duty officer nothing; a real hub has its history.
Standard air stations get one-minute data (so hourly AQI is valid); the others one value per five minutes.
"""

from __future__ import annotations

import logging
import time

from console.core.models import Reading, StationKind
from console.hub.derive import AqiDeriver
from console.hub.storage import Storage
from console.sim.citymodel import CityModel
from console.sim.network import StationSpec

log = logging.getLogger(__name__)
FINE_KINDS = frozenset({StationKind.AIR})
FINE_STEP_S = 60.0
COARSE_STEP_S = 300.0


def preroll(storage: Storage, specs: list[StationSpec], model: CityModel, end: float, hours: float) -> int:
    """Write ``hours`` of simulated history ending at ``end``; returns the number of readings written."""
    started = time.monotonic()
    deriver = AqiDeriver({s.station.id: s.station for s in specs})
    fine = [i for i, s in enumerate(specs) if s.station.kind in FINE_KINDS]
    coarse = [i for i, s in enumerate(specs) if s.station.kind not in FINE_KINDS]
    first = end - hours * 3600
    t = first - first % FINE_STEP_S
    written = 0
    while t < end:
        indices = fine + coarse if t % COARSE_STEP_S == 0 else fine
        batch = _readings(specs, model, indices, t)
        batch += deriver.feed(batch)
        written += storage.write_readings(batch)
        t += FINE_STEP_S
    log.info(
        "wrote %d readings of simulated history (%.0f h) in %.1f s",
        written,
        hours,
        time.monotonic() - started,
    )
    return written


def _readings(specs: list[StationSpec], model: CityModel, indices: list[int], t: float) -> list[Reading]:
    out = []
    for i in indices:
        values = model.sample(i, t)
        if values is None:
            continue
        sid = specs[i].station.id
        out += [Reading(sid, code, t, value, flag) for code, (value, flag) in values.items()]
    return out
