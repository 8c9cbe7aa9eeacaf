"""Render the simulated road network, township borders and the fleet's positions to a PNG (Qt offscreen).

    .venv/bin/python tools/render_roads.py [--region yanqing --seed 7 --at 600 --out FILE.png]

Each unit is drawn where the simulated fleet puts it ``--at`` seconds after its start; a look at the
picture tells whether the roads and the units' places are plausible.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath, QPen, QPolygonF

from console.core.units import UnitKind
from console.sim.fleet import Fleet
from console.sim.regions import PRESETS, boundary_geojson
from console.sim.roadnet import build_roads

ROOT = Path(__file__).resolve().parents[1]
ROAD_STYLE = {  # class: (colour, width px)
    "primary": ("#c0392b", 3.0),
    "secondary": ("#e67e22", 2.2),
    "tertiary": ("#7f8c8d", 1.2),
    "unclassified": ("#95a5a6", 1.0),
    "residential": ("#bdc3c7", 0.7),
}
KIND_COLOUR = {  # Okabe-Ito
    UnitKind.INSPECTOR: "#0072b2",
    UnitKind.GRID_MEMBER: "#56b4e9",
    UnitKind.MONITORING_VAN: "#009e73",
    UnitKind.SPRINKLER: "#f0e442",
    UnitKind.ENFORCEMENT: "#d55e00",
    UnitKind.DRONE: "#cc79a7",
    UnitKind.INSTRUMENT: "#000000",
}


class Canvas:
    """Lon/lat to pixels over the region's bounds."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int) -> None:
        self.minx, self.miny, maxx, maxy = bounds
        import math

        kx = math.cos(math.radians((self.miny + maxy) / 2))
        self.scale = (width - 40) / ((maxx - self.minx) * kx)
        self.kx = kx
        self.height = int((maxy - self.miny) * self.scale) + 40
        self.width = width
        self.maxy = maxy

    def at(self, lon: float, lat: float) -> QPointF:
        return QPointF(20 + (lon - self.minx) * self.kx * self.scale, 20 + (self.maxy - lat) * self.scale)


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def render(region_key: str, seed: int, at: float, out: Path, width: int = 1600) -> Path:
    region = PRESETS[region_key]
    borders = boundary_geojson(region)
    roads = build_roads(region, seed)
    fleet = Fleet(region, seed, roads)
    district = next(f for f in borders["features"] if f["properties"]["kind"] == "district")
    xs = [p[0] for ring in _rings(district["geometry"]) for p in ring]
    ys = [p[1] for ring in _rings(district["geometry"]) for p in ring]
    canvas = Canvas((min(xs), min(ys), max(xs), max(ys)), width)
    image = QImage(canvas.width, canvas.height, QImage.Format.Format_ARGB32)
    image.fill(QColor("#fbfaf6"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for feature in borders["features"]:
        district_line = feature["properties"]["kind"] == "district"
        painter.setPen(
            QPen(
                QColor("#34495e" if district_line else "#8e9bb0"),
                2.0 if district_line else 1.0,
                Qt.PenStyle.SolidLine if district_line else Qt.PenStyle.DashLine,
            )
        )
        for ring in _rings(feature["geometry"]):
            painter.drawPolyline(QPolygonF([canvas.at(x, y) for x, y in ring]))
    for cls in reversed(list(ROAD_STYLE)):
        colour, pen_width = ROAD_STYLE[cls]
        painter.setPen(QPen(QColor(colour), pen_width))
        for feature in roads["features"]:
            if feature["properties"]["class"] == cls:
                painter.drawPolyline(
                    QPolygonF([canvas.at(x, y) for x, y in feature["geometry"]["coordinates"]])
                )
    painter.setFont(QFont("Sans", 9))
    for town in region.townships:
        p = canvas.at(town.lon, town.lat)
        painter.setPen(QColor("#2c3e50"))
        painter.drawText(QRectF(p.x() + 4, p.y() - 16, 200, 16), town.name_en)
    start = fleet.start
    for unit in fleet.units:
        lon, lat, _, _ = fleet.position(unit.index, start + at)
        path = QPainterPath()
        path.addEllipse(canvas.at(lon, lat), 3.5, 3.5)
        painter.fillPath(path, QColor(KIND_COLOUR[unit.info.kind]))
        painter.setPen(QPen(QColor("#ffffff"), 0.6))
        painter.drawPath(path)
    y = 30
    for kind, colour in KIND_COLOUR.items():
        count = sum(1 for u in fleet.units if u.info.kind is kind)
        painter.fillRect(QRectF(canvas.width - 230, y - 9, 10, 10), QColor(colour))
        painter.setPen(QColor("#2c3e50"))
        painter.drawText(QPointF(canvas.width - 214, y), f"{kind.value} ({count})")
        y += 16
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(str(out))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--region", default="yanqing", choices=sorted(PRESETS))
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--at", type=float, default=600.0, help="seconds after the fleet's start")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "roads.png")
    p.add_argument("--geojson", type=Path, help="also write the roads here")
    args = p.parse_args()
    app = QGuiApplication(sys.argv[:1])
    print(render(args.region, args.seed, args.at, args.out))
    if args.geojson:
        args.geojson.write_text(json.dumps(build_roads(PRESETS[args.region], args.seed)), encoding="utf-8")
    del app


if __name__ == "__main__":
    main()
