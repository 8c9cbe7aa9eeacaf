"""The simulated city: every station's values and data flags at any data time, vectorised and seeded."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from functools import partial

import msgspec
import numpy as np

from console.core.factors import FACTORS
from console.sim.ambient import Group, PuffPlume, air_station, micro_station, scenic_station, to_metres
from console.sim.faults import FLAG_CHARS, FLAG_T, FaultModel, FaultRates, FaultState, station_keys
from console.sim.network import StationSpec
from console.sim.regions import Region
from console.sim.sitephysics import fume_station, noise_station, odour_station, source_station, water_station
from console.sim.weather import (
    Conditions,
    Episode,
    Weather,
    WeatherModel,
    conditions,
    default_episodes,
    local_hour,
)

Sample = dict[str, tuple[float, str]]
_Physics = Callable[[Group, Conditions], tuple[np.ndarray, np.ndarray | None]]
_SITES: dict[str, _Physics] = {
    "water": water_station,
    "noise": noise_station,
    "source_gas": source_station,
    "source_water": source_station,
    "odour": odour_station,
}
# Instrument upper limits: a value above reads with flag T.
_RANGE_MAX = {"a34004": 1000.0, "a34002": 2000.0, "a34001": 5000.0, "a21004": 2000.0, "a05024": 2000.0}
_NO_SPIKE = frozenset({"SB1-RS", "SB2-RS", "a01008"})  # state and direction channels never spike
_FRAME_CACHE = 6


class _Frame(msgspec.Struct):
    """All stations at one data time: per-group value and flag arrays, plus who is offline."""

    values: list[np.ndarray]
    flags: list[np.ndarray]
    offline: np.ndarray


class CityModel:
    """Values and HJ 212 data flags of every simulated station at any data time (Unix seconds, UTC).

    A pure function of (seed, t): the same seed and time give the same readings whatever the order in
    which stations are sampled. All stations are computed together for a time and the last few times
    are cached, so a logger's `sample` costs a dict build.
    """

    def __init__(
        self,
        specs: list[StationSpec],
        region: Region,
        seed: int,
        start: float,
        episodes: list[Episode] | None = None,
        faults: FaultRates | None = None,
    ) -> None:
        self.specs = specs
        self.region = region
        self.seed = seed
        self.start = start
        self.episodes: list[Episode] = default_episodes(start) if episodes is None else list(episodes)
        self._weather = WeatherModel(seed, region.pressure_kpa, self.episodes)
        self._keys = station_keys([s.station.mn for s in specs], seed)
        self._index = {s.station.id: i for i, s in enumerate(specs)}
        self._groups = self._build_groups()
        self._where = self._locate_rows()
        self._plume = self._build_plume()
        counts = np.array([len(s.station.factors) for s in specs])
        self._faults = FaultModel(self._keys, counts, faults or FaultRates())
        self._physics = _SITES | {
            "air": partial(air_station, plume=self._plume),
            "micro": partial(micro_station, plume=self._plume),
            "scenic": partial(scenic_station, plume=self._plume),
            "fume": partial(fume_station, purifier_off_rate=(faults or FaultRates()).purifier_off_per_day),
        }
        self._spikeable = [np.array([c not in _NO_SPIKE for c in g.factors]) for g in self._groups]
        self._frames: OrderedDict[float, _Frame] = OrderedDict()
        self._stuck_ref: tuple[float, list[np.ndarray]] | None = None

    # -- construction -------------------------------------------------------------------------------------

    def _build_groups(self) -> list[Group]:
        members: dict[str, list[int]] = {}
        for i, spec in enumerate(self.specs):
            members.setdefault(str(spec.params.get("sub", spec.station.kind.value)), []).append(i)
        ref_lon, ref_lat = self._reference()
        groups = []
        for sub, rows in members.items():
            idx = np.array(rows, dtype=int)
            factors = self.specs[rows[0]].station.factors
            group = Group(sub, factors, idx, self._keys[idx], [self.specs[i].params for i in rows])
            lon = np.array([self.specs[i].station.lon for i in rows])
            lat = np.array([self.specs[i].station.lat for i in rows])
            group.x, group.y = to_metres(lon, lat, ref_lon, ref_lat)
            groups.append(group)
        return groups

    def _reference(self) -> tuple[float, float]:
        seats = self.region.townships
        return sum(t.lon for t in seats) / len(seats), sum(t.lat for t in seats) / len(seats)

    def _locate_rows(self) -> list[tuple[int, int]]:
        where = [(0, 0)] * len(self.specs)
        for gi, group in enumerate(self._groups):
            for row, i in enumerate(group.idx):
                where[int(i)] = (gi, row)
        return where

    def _build_plume(self) -> PuffPlume:
        ref_lon, ref_lat = self._reference()
        places = self.region.industry
        x, y = to_metres(
            np.array([p.lon for p in places]), np.array([p.lat for p in places]), ref_lon, ref_lat
        )
        return PuffPlume(
            self._weather, np.column_stack([x, y]).reshape(-1, 2), np.array([p.weight for p in places])
        )

    # -- public API -------------------------------------------------------------------------------------

    def weather(self, t: float) -> Weather:
        """Regional weather at time t (wind direction = where the wind blows from)."""
        return self._weather.at(t)

    def sample(self, index: int, t: float) -> Sample | None:
        """Value and HJ 212 flag of each factor of station `index` at data time t; None while offline."""
        frame = self._frame(t)
        if frame.offline[index]:
            return None
        gi, row = self._where[index]
        values = frame.values[gi][row].tolist()
        flags = frame.flags[gi][row]
        return {code: (values[j], FLAG_CHARS[flags[j]]) for j, code in enumerate(self._groups[gi].factors)}

    def sample_all(self, t: float) -> list[Sample | None]:
        """`sample` for every station at data time t, in the order of the specs."""
        return [self.sample(i, t) for i in range(len(self.specs))]

    def offline(self, t: float) -> np.ndarray:
        """Boolean mask (in spec order) of the loggers that are offline at time t."""
        return self._frame(t).offline.copy()

    def offline_ids(self, t: float) -> list[str]:
        """Ids of the stations whose loggers are offline at time t."""
        return [self.specs[i].station.id for i in np.flatnonzero(self._frame(t).offline)]

    def index_of(self, station_id: str) -> int:
        """Position of a station in the specs (the `index` argument of `sample`)."""
        return self._index[station_id]

    # -- computation ------------------------------------------------------------------------------------

    def _frame(self, t: float) -> _Frame:
        t = float(t)
        frame = self._frames.get(t)
        if frame is None:
            frame = self._compute_frame(t)
            self._frames[t] = frame
            while len(self._frames) > _FRAME_CACHE:
                self._frames.popitem(last=False)
        return frame

    def _raw(self, t: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Fault-free values and flags of every group at time t."""
        c = conditions(self._weather, t)
        values, flags = [], []
        for group in self._groups:
            block, row_flags = self._physics[group.sub](group, c)
            values.append(np.asarray(block, dtype=float))
            flag_block = np.zeros(block.shape, dtype=np.uint8)
            if row_flags is not None:
                flag_block[:] = row_flags[:, None]
            flags.append(flag_block)
        return values, flags

    def _compute_frame(self, t: float) -> _Frame:
        values, flags = self._raw(t)
        state = self._faults.at(t, float(local_hour(t)))
        for gi, group in enumerate(self._groups):
            self._apply_stuck(gi, group, values[gi], state)
            self._apply_spikes(gi, group, values[gi], state)
            _apply_flags(group, flags[gi], state)
            _flag_out_of_range(group, values[gi], flags[gi])
            values[gi] = _round(group, values[gi])
        return _Frame(values=values, flags=flags, offline=state.offline)

    def _apply_stuck(self, gi: int, group: Group, block: np.ndarray, state: FaultState) -> None:
        since = state.stuck_since[group.idx]
        rows = np.flatnonzero(~np.isnan(since))
        if rows.size == 0:
            return
        hour_start = float(since[rows[0]])
        if self._stuck_ref is None or self._stuck_ref[0] != hour_start:
            self._stuck_ref = (hour_start, self._raw(hour_start)[0])
        block[rows] = self._stuck_ref[1][gi][rows]

    def _apply_spikes(self, gi: int, group: Group, block: np.ndarray, state: FaultState) -> None:
        slots = state.spike_slot[group.idx]
        rows = np.flatnonzero((slots >= 0) & (slots < block.shape[1]))
        rows = rows[self._spikeable[gi][slots[rows]]]
        block[rows, slots[rows]] *= state.spike_gain[group.idx][rows]


def _apply_flags(group: Group, flags: np.ndarray, state: FaultState) -> None:
    code = state.flag[group.idx]
    slot = state.flag_slot[group.idx]
    for row in np.flatnonzero(code):
        if 0 <= slot[row] < flags.shape[1]:
            flags[row, slot[row]] = code[row]
        else:
            flags[row, :] = code[row]


def _flag_out_of_range(group: Group, block: np.ndarray, flags: np.ndarray) -> None:
    for j, code in enumerate(group.factors):
        limit = _RANGE_MAX.get(code)
        if limit is not None and group.sub != "source_gas":
            flags[block[:, j] > limit, j] = FLAG_T


def _round(group: Group, block: np.ndarray) -> np.ndarray:
    """Round each column to the factor's published decimals (stack gases get two)."""
    out = np.empty_like(block)
    for j, code in enumerate(group.factors):
        decimals = FACTORS[code].decimals if code in FACTORS else 2
        if group.sub.startswith("source") and code not in ("a00000", "w00000"):
            decimals = max(decimals, 2)
        out[:, j] = np.round(block[:, j], decimals)
        if code == "a01008":
            out[:, j] %= 360.0  # 359.6° rounds to 0°, not 360°
    return out
