"""A small hand-written site directory: two townships, two grid cells, a roster and three stations."""

from __future__ import annotations

from pathlib import Path

SITE_TOML = """\
key = "testdistrict"
name = "测试区"
name_en = "Test District"
timezone = "Asia/Shanghai"
centre = [116.05, 40.45]
grid_km = 2.0

[files]
stations = "stations.csv"
"""

DISTRICT = """\
{"type": "FeatureCollection", "features": [
{"type": "Feature", "properties": {"name": "测试区"},
 "geometry": {"type": "Polygon", "coordinates": [[[116.0, 40.4], [116.1, 40.4], [116.1, 40.5], [116.0, 40.5], [116.0, 40.4]]]}}
]}
"""

TOWNSHIPS = """\
{"type": "FeatureCollection", "features": [
{"type": "Feature", "properties": {"code": "T01", "name": "东镇", "name_en": "East Town", "seat": [116.075, 40.45]},
 "geometry": {"type": "Polygon", "coordinates": [[[116.05, 40.4], [116.1, 40.4], [116.1, 40.5], [116.05, 40.5], [116.05, 40.4]]]}},
{"type": "Feature", "properties": {"code": "T02", "name": "西镇"},
 "geometry": {"type": "Polygon", "coordinates": [[[116.0, 40.4], [116.05, 40.4], [116.05, 40.5], [116.0, 40.5], [116.0, 40.4]]]}}
]}
"""

GRID = """\
{"type": "FeatureCollection", "features": [
{"type": "Feature", "properties": {"id": "T01-01", "township": "T01"},
 "geometry": {"type": "Polygon", "coordinates": [[[116.05, 40.4], [116.1, 40.4], [116.1, 40.45], [116.05, 40.45], [116.05, 40.4]]]}},
{"type": "Feature", "properties": {"id": "T02-01", "township": "T02"},
 "geometry": {"type": "Polygon", "coordinates": [[[116.0, 40.4], [116.05, 40.4], [116.05, 40.45], [116.0, 40.45], [116.0, 40.4]]]}}
]}
"""

ROSTER = """\
[city]
name = "市值班长"

[district]
name = "区值班长"

[[township]]
code = "T01"
name = "东镇 王主任"

[[grid]]
cell = "T01-01"
name = "网格员 李四"
"""

STATIONS = """\
id,name,kind,lon,lat,mn,pw,factors,interval_s,township,st,zone,grid
AIR-1,东镇空气站,air,116.07,40.42,TESTMN000000000000000001,111111,a34004;a34002;a21026,60,T01,,,T01-01
NOISE-1,西镇噪声站,noise,116.02,40.42,TESTMN000000000000000002,222222,Leq,60,T02,23,2,T02-01
WATER-1,东镇水站,water,116.08,40.47,TESTMN000000000000000003,333333,w01001;w21003,240,T01,,III,
"""

FILES = {
    "site.toml": SITE_TOML,
    "boundaries/district.geojson": DISTRICT,
    "boundaries/townships.geojson": TOWNSHIPS,
    "grid.geojson": GRID,
    "roster.toml": ROSTER,
    "stations.csv": STATIONS,
}


def write_small_site(directory: Path, changes: dict[str, str | None] | None = None) -> Path:
    """Write the small site into ``directory``; ``changes`` replaces a file's text (None leaves it out)."""
    for name, text in {**FILES, **(changes or {})}.items():
        if text is not None:
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return directory
