"""Domain records shared by the hub and the console: stations, readings and their states."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class StationKind(StrEnum):
    """The kinds of monitor in the network ("one network"); each is a map layer."""

    AIR = "air"  # standard air quality station (six pollutants + weather)
    MICRO = "micro"  # micro station (PM2.5, TSP)
    SCENIC = "scenic"  # scenic-area station (particles, negative oxygen ions)
    WATER = "water"  # surface water quality station
    NOISE = "noise"  # environmental noise monitor
    FUME = "fume"  # catering fume monitor (purifier state, fume concentration)
    SOURCE = "source"  # outlet of a key enterprise (waste gas or waste water)
    ODOUR = "odour"  # landfill odour monitor


class StationStatus(StrEnum):
    """Link state of a station as the hub sees it."""

    ONLINE = "online"
    AWAITING = "awaiting"  # not heard from since the hub started, which has not listened three intervals yet
    OFFLINE = "offline"  # the logger missed its reporting interval
    FAULT = "fault"  # the logger reports an instrument fault (data flag D, F or B)


class Station(msgspec.Struct, frozen=True, kw_only=True):
    """One monitoring point. Coordinates are WGS-84."""

    id: str
    name: str
    kind: StationKind
    township: str  # township code (see the region preset)
    lon: float
    lat: float
    mn: str  # HJ 212 device identifier of the station's data logger
    st: str  # HJ 212 system code (22 air, 21 surface water, 23 noise, 31 air source, 32 water source ...)
    factors: tuple[str, ...]  # HJ 212 factor codes the station reports
    interval_s: int = 60  # nominal reporting interval (simulated seconds)
    zone: str = ""  # noise zone class (GB 3096: 0, 1, 2, 3, 4a, 4b) or water target class (I..V)
    grid: str = ""  # grid cell the station belongs to (responsibility grid)


class Reading(msgspec.Struct, array_like=True, frozen=True):
    """One value of one factor at one station; travels as a compact JSON array."""

    station: str
    factor: str
    ts: float  # data time, seconds since the Unix epoch (UTC)
    value: float
    flag: str = "N"  # HJ 212 data flag: N F M S D C T B


# One logger upload as the hub stores it: (station, data time, factor -> (value, flag)). The ingest builds
# it beside the upload's readings, so storage need not group readings back into uploads.
Values = dict[str, tuple[float, str]]  # factor -> (value, flag)
Upload = tuple[str, float, Values]

VALID_FLAGS = frozenset("NFMSDCTB")
INVALID_FLAGS = frozenset("FMSDCTB")  # values that must not count as valid monitoring data
FAULT_FLAGS = frozenset("DFB")  # flags that put a station into the fault state
