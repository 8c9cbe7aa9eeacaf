"""Builds the simulated monitoring network ("one network") of a region: where each logger stands."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import msgspec
import numpy as np
import shapely
from numpy.random import PCG64, Generator

from console.core.models import Station, StationKind
from console.sim.regions import Place, Region, district_boundary, township_areas

_KM_PER_DEG_LAT = 111.32

# Station counts of a Yanqing-scale network (905 in all).
DEFAULT_COUNTS: dict[StationKind, int] = {
    StationKind.AIR: 20,
    StationKind.SCENIC: 11,
    StationKind.MICRO: 435,
    StationKind.WATER: 10,
    StationKind.NOISE: 46,
    StationKind.FUME: 350,
    StationKind.SOURCE: 20,
    StationKind.ODOUR: 13,
}

_ID_PREFIX = {kind: kind.value.upper() for kind in StationKind}
_ID_WIDTH = {StationKind.MICRO: 4, StationKind.FUME: 4}

AIR_FACTORS = ("a21026", "a21004", "a21005", "a05024", "a34004", "a34002")
WEATHER_FACTORS = ("a01001", "a01002", "a01006", "a01007", "a01008")
WATER_PHYSICAL = (
    "w01010",
    "w01001",
    "w01009",
    "w01014",
    "w01003",
)  # temperature, pH, DO, conductivity, turbidity
WATER_CHEMICAL = ("w01018", "w01019", "w21003", "w21011", "w21001")  # CODcr, CODMn, NH3-N, TP, TN
FACTORS_BY_KIND: dict[str, tuple[str, ...]] = {
    "air": AIR_FACTORS + WEATHER_FACTORS,
    "micro": ("a34004", "a34001"),
    "scenic": ("a34004", "a34002", "a99001"),
    "water": WATER_PHYSICAL + WATER_CHEMICAL,
    "noise": ("Leq",),
    "fume": ("a34041", "SB1-RS", "SB2-RS"),
    "source_gas": ("a00000", "a21026", "a21002", "a34013"),
    "source_water": ("w00000", "w01018", "w21003"),
    "odour": ("a21028", "a21001", "a99002"),
}
_ST_BY_KIND = {"air": "22", "micro": "22", "scenic": "22", "water": "21", "noise": "23", "fume": "31"}
_ST_BY_KIND |= {"source_gas": "31", "source_water": "32", "odour": "22"}
_NOISE_ZONES = ("1", "2", "3", "4a")
_NOISE_ZONE_WEIGHTS = (0.3, 0.35, 0.1, 0.25)


class StationSpec(msgspec.Struct):
    """A simulated data logger: its station record, HJ 212 password and simulation parameters."""

    station: Station
    pw: str  # HJ 212 access password of the logger (6 digits)
    params: dict[str, Any]  # per-station simulation parameters (plain floats, bools and strings)


class _Site(msgspec.Struct):
    """A placed station before it gets its record: kind, position and naming hints."""

    kind: StationKind
    lon: float
    lat: float
    township: str = ""
    label: str = ""  # scenic spot, river section, industrial site ...
    params: dict[str, Any] = msgspec.field(default_factory=dict)


def scale_counts(total: int | None) -> dict[StationKind, int]:
    """Station counts per kind: the default network, or scaled proportionally to exactly `total`.

    Every kind keeps at least one station; the rest is shared by the largest-remainder method.
    """
    if total is None:
        return dict(DEFAULT_COUNTS)
    if total < len(DEFAULT_COUNTS):
        raise ValueError(f"a network needs at least {len(DEFAULT_COUNTS)} stations, got {total}")
    spare = total - len(DEFAULT_COUNTS)
    base = sum(DEFAULT_COUNTS.values())
    raw = {kind: count * spare / base for kind, count in DEFAULT_COUNTS.items()}
    counts = {kind: 1 + math.floor(value) for kind, value in raw.items()}
    by_remainder = sorted(raw, key=lambda kind: math.floor(raw[kind]) - raw[kind])
    for kind in by_remainder[: total - sum(counts.values())]:
        counts[kind] += 1
    return counts


class _Placer:
    """Draws positions inside the region's township areas (vectorised rejection sampling)."""

    def __init__(self, region: Region, rng: Generator) -> None:
        self.region = region
        self.rng = rng
        self.areas = township_areas(region)
        self.boundary = district_boundary(region)
        for geometry in (*self.areas.values(), self.boundary):
            shapely.prepare(geometry)
        self.seats = {t.code: (t.lon, t.lat) for t in region.townships}

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Township code of each point ('' outside the district boundary or every township area)."""
        codes = np.full(lon.shape, "", dtype=object)
        inside = shapely.contains_xy(self.boundary, lon, lat)
        for code, area in self.areas.items():
            hit = inside & (codes == "") & shapely.contains_xy(area, lon, lat)
            codes[hit] = code
        return codes

    def scatter(self, centers: np.ndarray, sigma_km: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """Gaussian draws around centers (N×2) until each lands in its wanted township ('' = any)."""
        points = centers.copy()
        pending = np.ones(len(centers), dtype=bool)
        sigma = sigma_km.astype(float).copy()
        for attempt in range(60):
            idx = np.flatnonzero(pending)
            if idx.size == 0:
                return points
            points[idx] = centers[idx] + self._offsets(centers[idx], sigma[idx])
            codes = self.locate(points[idx, 0], points[idx, 1])
            good = (codes != "") & ((wanted[idx] == "") | (codes == wanted[idx]))
            pending[idx[good]] = False
            if attempt >= 10:
                sigma[idx] *= 0.8
        return self._fallback(points, pending, wanted)

    def _offsets(self, centers: np.ndarray, sigma_km: np.ndarray) -> np.ndarray:
        dy = self.rng.normal(size=len(centers)) * sigma_km / _KM_PER_DEG_LAT
        dx = (
            self.rng.normal(size=len(centers))
            * sigma_km
            / (_KM_PER_DEG_LAT * np.cos(np.radians(centers[:, 1])))
        )
        return np.column_stack([dx, dy])

    def _fallback(self, points: np.ndarray, pending: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """Points whose center lies outside the wanted area move to a seat (always inside its area)."""
        for i in np.flatnonzero(pending):
            code = wanted[i] or self.nearest_seat(points[i, 0], points[i, 1])
            points[i] = self.seats[code]
        return points

    def nearest_seat(self, lon: float, lat: float) -> str:
        """Code of the township whose seat is closest to a point."""
        return min(self.seats, key=lambda c: (self.seats[c][0] - lon) ** 2 + (self.seats[c][1] - lat) ** 2)

    def urban_index(self, lon: float, lat: float) -> float:
        """0..1: how urban a spot is, from its distance to township seats (core seats count double)."""
        best = 0.0
        for code, (slon, slat) in self.seats.items():
            weight = 1.0 if code in self.region.core else 0.5
            d_km = math.hypot((slon - lon) * math.cos(math.radians(lat)), slat - lat) * _KM_PER_DEG_LAT
            best = max(best, weight * math.exp(-d_km / 3.0))
        return round(best, 3)

    def grid_cell(self, code: str, lon: float, lat: float) -> str:
        """Responsibility-grid cell id: squares of `grid_km` over the township area's bounding box."""
        minx, miny, maxx, _ = shapely.bounds(self.areas[code])
        km_x = _KM_PER_DEG_LAT * math.cos(math.radians(lat))
        cols = max(1, math.ceil((maxx - minx) * km_x / self.region.grid_km))
        col = min(cols - 1, int((lon - minx) * km_x / self.region.grid_km))
        row = int((lat - miny) * _KM_PER_DEG_LAT / self.region.grid_km)
        return f"{code}-{row * cols + col + 1:02d}"


def _urban_sites(placer: _Placer, kind: StationKind, n: int, core_weight: float) -> list[_Site]:
    """Monitors clustered around township seats, denser around the urban core."""
    region = placer.region
    weights = np.array([core_weight if t.code in region.core else 1.0 for t in region.townships])
    picks = placer.rng.choice(len(region.townships), size=n, p=weights / weights.sum())
    towns = [region.townships[i] for i in picks]
    centers = np.array([(t.lon, t.lat) for t in towns]).reshape(-1, 2)
    sigma = np.array([region.urban_sigma_km * (1.0 if t.code in region.core else 0.7) for t in towns])
    wanted = np.array([t.code for t in towns], dtype=object)
    points = placer.scatter(centers, sigma, wanted)
    return [_Site(kind, lon, lat, code) for (lon, lat), code in zip(points, wanted, strict=True)]


def _air_sites(placer: _Placer, n: int) -> list[_Site]:
    """Standard air stations: one per township (core first), extras spread around the seats."""
    region = placer.region
    order = sorted(region.townships, key=lambda t: t.code not in region.core)
    towns = [order[j % len(order)] for j in range(n)]
    centers = np.array([(t.lon, t.lat) for t in towns]).reshape(-1, 2)
    sigma = np.array([0.3 if j < len(order) else 2.0 * region.urban_sigma_km for j in range(n)])
    wanted = np.array([t.code for t in towns], dtype=object)
    points = placer.scatter(centers, sigma, wanted)
    return [_Site(StationKind.AIR, lon, lat, code) for (lon, lat), code in zip(points, wanted, strict=True)]


def _place_sites(
    placer: _Placer, kind: StationKind, places: tuple[Place, ...], n: int, spread_km: float
) -> list[_Site]:
    """Stations at points of interest: the first round right at each place, later rounds around them."""
    if not places:
        places = tuple(Place(t.name, t.lon, t.lat) for t in placer.region.townships)
    ranked = sorted(places, key=lambda p: -p.weight)
    chosen = [ranked[j % len(ranked)] for j in range(n)]
    centers = np.array([(p.lon, p.lat) for p in chosen]).reshape(-1, 2)
    sigma = np.array([spread_km * (0.3 if j < len(ranked) else 1.0) for j in range(n)])
    points = placer.scatter(centers, sigma, np.full(n, "", dtype=object))
    codes = placer.locate(points[:, 0], points[:, 1])
    return [
        _Site(kind, lon, lat, code, place.name)
        for (lon, lat), code, place in zip(points, codes, chosen, strict=True)
    ]


def _water_sites(placer: _Placer, n: int) -> list[_Site]:
    """Water sections spaced along the rivers, target class and section name from the river's data."""
    rivers = placer.region.rivers
    if not rivers:
        return _place_sites(placer, StationKind.WATER, (), n, 1.0)
    lines = [shapely.LineString(r.points) for r in rivers]
    sites: list[_Site] = []
    for river, line, m in zip(rivers, lines, _shares([line.length for line in lines], n), strict=True):
        for k in range(m):
            frac = (k + 0.5) / m
            point = line.interpolate(frac, normalized=True)
            cls = river.classes[min(len(river.classes) - 1, int(frac * len(river.classes)))]
            section = river.sections[int(frac * len(river.sections))] if river.sections else ""
            site = _Site(StationKind.WATER, point.x, point.y, label=f"{river.name}|{section}")
            site.params = {"cls": cls, "river": river.name, "frac": round(frac, 3)}
            sites.append(site)
    return _settle(placer, sites, 0.05)


def _shares(lengths: list[float], n: int) -> list[int]:
    """Split n stations over rivers in proportion to their lengths (every river gets one if it can)."""
    if n < len(lengths):
        return [1] * n + [0] * (len(lengths) - n)
    shares = [max(1, round(n * length / sum(lengths))) for length in lengths]
    shares[lengths.index(max(lengths))] += n - sum(shares)
    return shares


def _settle(placer: _Placer, sites: list[_Site], sigma_km: float) -> list[_Site]:
    """Nudge sites into the region (a tiny jitter) and record their township."""
    centers = np.array([(s.lon, s.lat) for s in sites]).reshape(-1, 2)
    points = placer.scatter(centers, np.full(len(sites), sigma_km), np.full(len(sites), "", dtype=object))
    codes = placer.locate(points[:, 0], points[:, 1])
    for site, (lon, lat), code in zip(sites, points, codes, strict=True):
        site.lon, site.lat, site.township = float(lon), float(lat), code
    return sites


_Builder = Callable[[_Placer, int], list[_Site]]
_BUILDERS: dict[StationKind, _Builder] = {
    StationKind.AIR: _air_sites,
    StationKind.SCENIC: lambda p, n: _place_sites(p, StationKind.SCENIC, p.region.scenic, n, 1.0),
    StationKind.MICRO: lambda p, n: _urban_sites(p, StationKind.MICRO, n, 3.0),
    StationKind.WATER: _water_sites,
    StationKind.NOISE: lambda p, n: _urban_sites(p, StationKind.NOISE, n, 3.0),
    StationKind.FUME: lambda p, n: _urban_sites(p, StationKind.FUME, n, 4.0),
    StationKind.SOURCE: lambda p, n: _place_sites(p, StationKind.SOURCE, p.region.industry, n, 0.8),
    StationKind.ODOUR: lambda p, n: _place_sites(p, StationKind.ODOUR, p.region.odour_sites, n, 0.4),
}


def _kind_params(site: _Site, j: int, rng: Generator, placer: _Placer) -> dict[str, Any]:
    """Simulation parameters of one station: common ones plus those of its kind."""
    params = dict(site.params)
    params["base"] = round(float(np.exp(rng.normal(0.0, 0.12))), 3)
    params["urban"] = placer.urban_index(site.lon, site.lat)
    params.update(_KIND_PARAMS[site.kind](rng, j))
    return params


def _noise_params(rng: Generator, j: int) -> dict[str, Any]:
    zone = str(rng.choice(_NOISE_ZONES, p=_NOISE_ZONE_WEIGHTS))
    loud_nights = zone in ("2", "4a") and rng.random() < 0.3
    return {
        "zone": zone,
        "night_excess": round(rng.uniform(5.0, 9.0), 1) if loud_nights else 0.0,
        "level": round(rng.normal(0.0, 1.5), 2),
    }


def _fume_params(rng: Generator, j: int) -> dict[str, Any]:
    return {
        "offender": bool(rng.random() < 0.05),  # cooks with the purifier off
        "lunch": bool(rng.random() < 0.85),  # open at lunchtime (all are open for dinner)
        "shift_min": round(rng.uniform(-20.0, 20.0), 1),
        "fume": round(rng.uniform(0.3, 1.1), 3),
    }


def _source_params(rng: Generator, j: int) -> dict[str, Any]:
    return {
        "sub": "source_gas" if j % 5 < 3 else "source_water",
        "load": round(rng.uniform(0.45, 0.8), 3),  # typical concentration as a fraction of the limit
        "day_only": bool(rng.random() < 0.4),  # runs 07:00-19:00 only; stopped (flag F) otherwise
        "exceed": round(rng.uniform(0.5, 2.0), 3),  # propensity to exceed
    }


_KIND_PARAMS: dict[StationKind, Callable[[Generator, int], dict[str, Any]]] = {
    StationKind.AIR: lambda rng, j: {"elev_c": round(rng.normal(0.0, 0.6), 2)},
    StationKind.MICRO: lambda rng, j: {
        "dust": round(rng.uniform(1.4, 2.4), 2),
        "bias": round(rng.uniform(0.9, 1.15), 3),
    },
    StationKind.SCENIC: lambda rng, j: {"ions": round(rng.uniform(1800.0, 4500.0))},
    StationKind.WATER: lambda rng, j: {
        "worse": j % 10 == 3,
        "cond": round(rng.uniform(280.0, 650.0)),
        "turb": round(rng.uniform(4.0, 25.0), 1),
    },
    StationKind.NOISE: _noise_params,
    StationKind.FUME: _fume_params,
    StationKind.SOURCE: _source_params,
    StationKind.ODOUR: lambda rng, j: {"strength": round(rng.uniform(0.6, 1.4), 3)},
}


def _name_key(site: _Site) -> str:
    """Stations sharing this key are numbered 1, 2, 3 ... in their names."""
    if site.kind in (StationKind.SCENIC, StationKind.SOURCE, StationKind.ODOUR):
        return f"{site.kind}|{site.label}"
    return f"{site.kind}|{site.label}|{site.township}"


def _station_name(site: _Site, town: str, n: int) -> str:
    """A plausible Chinese station name; `n` counts stations sharing the same township or landmark."""
    kind, label = site.kind, site.label
    if kind is StationKind.AIR:
        return f"{town}空气站" if n == 1 else f"{town}{n}号空气站"
    if kind is StationKind.SCENIC:
        return f"{label}景区站" if n == 1 else f"{label}景区{n}号站"
    if kind is StationKind.WATER:
        river, _, section = label.partition("|")
        return f"{river}{section or town}断面" if n == 1 else f"{river}{section or town}{n}号断面"
    if kind is StationKind.SOURCE:
        outlet = "废气" if site.params.get("sub") == "source_gas" else "废水"
        return f"{label}{n}号{outlet}排口"
    simple = {StationKind.MICRO: f"{town}微站{n:03d}", StationKind.NOISE: f"{town}噪声站{n:02d}"}
    simple |= {StationKind.FUME: f"{town}餐饮油烟{n:03d}", StationKind.ODOUR: f"{label}恶臭监测{n:02d}"}
    return simple[kind]


def _digest(seed: int, salt: str, station_id: str) -> str:
    return hashlib.sha256(f"{salt}:{seed}:{station_id}".encode()).hexdigest()


def build_network(region: Region, seed: int, total: int | None = None) -> list[StationSpec]:
    """The region's stations, deterministic for a seed; `total` scales every kind to exactly N stations."""
    rng = Generator(PCG64(seed))
    placer = _Placer(region, rng)
    names = {t.code: t.name for t in region.townships}
    specs: list[StationSpec] = []
    for kind, count in scale_counts(total).items():
        sites = _BUILDERS[kind](placer, count)
        per_label: Counter[str] = Counter()
        for j, site in enumerate(sites):
            station_id = f"{_ID_PREFIX[kind]}-{j + 1:0{_ID_WIDTH.get(kind, 3)}d}"
            params = site.params = _kind_params(site, j, rng, placer)
            key = _name_key(site)
            per_label[key] += 1
            name = _station_name(site, names[site.township], per_label[key])
            specs.append(_spec(seed, station_id, name, site, params, placer))
    return specs


def _spec(
    seed: int, station_id: str, name: str, site: _Site, params: dict[str, Any], placer: _Placer
) -> StationSpec:
    sub = params.get("sub", site.kind.value)
    station = Station(
        id=station_id,
        name=name,
        kind=site.kind,
        township=site.township,
        lon=round(float(site.lon), 6),
        lat=round(float(site.lat), 6),
        mn=_digest(seed, "mn", station_id)[:24].upper(),
        st=_ST_BY_KIND[sub],
        factors=FACTORS_BY_KIND[sub],
        interval_s=60,
        zone=params.get("zone", params.get("cls", "")),
        grid=placer.grid_cell(site.township, site.lon, site.lat),
    )
    pw = f"{int(_digest(seed, 'pw', station_id)[:12], 16) % 1_000_000:06d}"
    return StationSpec(station, pw, params)
