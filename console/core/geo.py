"""Geodesy helpers: WGS-84 ⇄ GCJ-02 (the offset of Chinese basemaps), distances and bearings."""

from __future__ import annotations

import math

import numpy as np

# Krasovsky 1940 ellipsoid, as used by the published GCJ-02 obfuscation algorithm.
_A = 6378245.0
_EE = 0.00669342162296594323
_EARTH_RADIUS_M = 6371008.8  # mean Earth radius (IUGG)
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_STEPS = 30


def out_of_china(lon: float, lat: float) -> bool:
    """True outside the rough China bounding box, where GCJ-02 equals WGS-84 (no shift)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _out_of_china_array(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _shift_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret: np.ndarray = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret: np.ndarray = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS-84 at a WGS-84 position, in degrees (zero outside China)."""
    dlat = _shift_lat(lon - 105.0, lat - 35.0)
    dlon = _shift_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(radlat) * np.pi)
    outside = _out_of_china_array(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02_arrays(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised WGS-84 → GCJ-02 for arrays of longitudes and latitudes."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84_arrays(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised GCJ-02 → WGS-84 by fixed-point iteration (error well below 1e-6°)."""
    gcj_lon = np.asarray(lon, dtype=float)
    gcj_lat = np.asarray(lat, dtype=float)
    wlon, wlat = gcj_lon.copy(), gcj_lat.copy()
    for _ in range(_INVERSE_MAX_STEPS):
        flon, flat = wgs84_to_gcj02_arrays(wlon, wlat)
        elon, elat = gcj_lon - flon, gcj_lat - flat
        wlon, wlat = wlon + elon, wlat + elat
        if np.all(np.abs(elon) < _INVERSE_TOLERANCE_DEG) and np.all(np.abs(elat) < _INVERSE_TOLERANCE_DEG):
            break
    return wlon, wlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Convert a WGS-84 (GPS) position to GCJ-02 (AMap/Tencent basemaps); unchanged outside China."""
    glon, glat = wgs84_to_gcj02_arrays(np.asarray(lon, np.float64), np.asarray(lat, np.float64))
    return float(glon), float(glat)


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Convert a GCJ-02 position back to WGS-84 (iterative inverse); unchanged outside China."""
    wlon, wlat = gcj02_to_wgs84_arrays(np.asarray(lon, np.float64), np.asarray(lat, np.float64))
    return float(wlon), float(wlat)


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two positions given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bearing_deg(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Initial bearing from point 1 to point 2, degrees clockwise from north in [0, 360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0
