"""WGS-84 / GCJ-02 conversion, distances and bearings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.core.geo import (
    bearing_deg,
    gcj02_to_wgs84,
    gcj02_to_wgs84_arrays,
    haversine_m,
    out_of_china,
    wgs84_to_gcj02,
    wgs84_to_gcj02_arrays,
)

TIANANMEN = (116.397, 39.909)


def test_beijing_offset_has_the_known_sign_and_size():
    lon, lat = wgs84_to_gcj02(*TIANANMEN)
    assert 0.005 < lon - TIANANMEN[0] < 0.007  # ~ +0.006° east
    assert 0.0008 < lat - TIANANMEN[1] < 0.002  # ~ +0.0013° north


def test_offset_is_a_few_hundred_metres_in_yanqing():
    lon, lat = wgs84_to_gcj02(115.985, 40.462)
    assert 300.0 < haversine_m(115.985, 40.462, lon, lat) < 800.0


@given(st.floats(73.0, 135.0), st.floats(18.0, 53.0))
def test_round_trip_inside_china_is_below_a_micro_degree(lon, lat):
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert abs(back_lon - lon) < 1e-6
    assert abs(back_lat - lat) < 1e-6


@pytest.mark.parametrize(("lon", "lat"), [(2.35, 48.85), (-74.0, 40.7), (151.2, -33.9), (139.0, 60.0)])
def test_no_shift_outside_china(lon, lat):
    assert out_of_china(lon, lat)
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_out_of_china_is_false_for_chinese_cities():
    assert not out_of_china(*TIANANMEN)
    assert not out_of_china(120.836, 40.711)  # Huludao


def test_array_versions_agree_with_scalar_ones():
    lon = np.array([116.397, 115.985, 2.35])
    lat = np.array([39.909, 40.462, 48.85])
    glon, glat = wgs84_to_gcj02_arrays(lon, lat)
    for i in range(3):
        assert (glon[i], glat[i]) == pytest.approx(wgs84_to_gcj02(lon[i], lat[i]), abs=1e-12)
    wlon, wlat = gcj02_to_wgs84_arrays(glon, glat)
    assert np.allclose(wlon, lon, atol=1e-7) and np.allclose(wlat, lat, atol=1e-7)


def test_haversine_matches_known_distances():
    assert haversine_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(111_195, rel=1e-3)
    assert haversine_m(116.397, 39.909, 116.397, 39.909) == 0.0
    # Beijing to Shanghai is about 1,070 km
    assert haversine_m(116.407, 39.904, 121.474, 31.230) == pytest.approx(1_067_000, rel=0.01)


@pytest.mark.parametrize(
    ("lon2", "lat2", "expected"),
    [(116.0, 41.0, 0.0), (117.0, 40.0, 90.0), (116.0, 39.0, 180.0), (115.0, 40.0, 270.0)],
)
def test_bearing_points_the_right_way(lon2, lat2, expected):
    bearing = bearing_deg(116.0, 40.0, lon2, lat2)
    assert abs((bearing - expected + 180.0) % 360.0 - 180.0) < 0.5
    assert 0.0 <= bearing < 360.0
