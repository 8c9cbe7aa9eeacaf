"""Catalogue of the monitoring factors the network reports: HJ 212 code, names and units."""

from __future__ import annotations

import msgspec


class Factor(msgspec.Struct, frozen=True):
    """A monitored quantity. `code` is the HJ 212-2017 factor code (or a documented vendor code)."""

    code: str
    name_zh: str
    name_en: str
    unit: str
    decimals: int = 1


# Codes from HJ 212-2017 Appendix B (B.1 water, B.2 gas, B.3 noise) and HJ 524 (a05024 ozone).
# Codes marked "vendor" are not in the standard: real networks use vendor extensions for these.
_FACTORS = [
    # ambient air (standard, micro and scenic stations); air stations report µg/m³ except CO in mg/m³
    Factor("a21026", "二氧化硫", "SO2", "µg/m³", 0),
    Factor("a21004", "二氧化氮", "NO2", "µg/m³", 0),
    Factor("a21005", "一氧化碳", "CO", "mg/m³", 2),
    Factor("a05024", "臭氧", "O3", "µg/m³", 0),
    Factor("a34004", "细颗粒物", "PM2.5", "µg/m³", 0),
    Factor("a34002", "可吸入颗粒物", "PM10", "µg/m³", 0),
    Factor("a34001", "总悬浮颗粒物", "TSP", "µg/m³", 0),
    Factor("a01001", "温度", "Temperature", "°C", 1),
    Factor("a01002", "湿度", "Humidity", "%", 0),
    Factor("a01006", "气压", "Pressure", "kPa", 1),
    Factor("a01007", "风速", "Wind speed", "m/s", 1),
    Factor("a01008", "风向", "Wind direction", "°", 0),
    Factor("a99001", "负氧离子", "Negative ions", "个/cm³", 0),  # vendor
    # noise
    Factor("Leq", "等效声级", "Leq", "dB(A)", 1),
    # surface water
    Factor("w01010", "水温", "Water temperature", "°C", 1),
    Factor("w01001", "pH", "pH", "", 2),
    Factor("w01009", "溶解氧", "Dissolved oxygen", "mg/L", 2),
    Factor("w01014", "电导率", "Conductivity", "µS/cm", 0),
    Factor("w01003", "浊度", "Turbidity", "NTU", 1),
    Factor("w01018", "化学需氧量", "CODcr", "mg/L", 1),
    Factor("w01019", "高锰酸盐指数", "Permanganate index", "mg/L", 2),
    Factor("w21003", "氨氮", "NH3-N", "mg/L", 3),
    Factor("w21011", "总磷", "TP", "mg/L", 3),
    Factor("w21001", "总氮", "TN", "mg/L", 2),
    # waste water outlets
    Factor("w00000", "污水流量", "Waste water flow", "L/s", 2),
    # waste gas outlets (mg/m³)
    Factor("a00000", "废气流量", "Flue gas flow", "m³/s", 1),
    Factor("a21002", "氮氧化物", "NOx", "mg/m³", 1),
    Factor("a34013", "烟尘", "Smoke dust", "mg/m³", 1),
    # catering fume
    Factor("a34041", "油烟浓度", "Cooking fume", "mg/m³", 2),  # vendor
    Factor("SB1-RS", "净化器状态", "Purifier state", "", 0),  # HJ 212 SBxxx-RS: 0 off, 1 running
    Factor("SB2-RS", "风机状态", "Fan state", "", 0),  # fan running = cooking
    # odour
    Factor("a21028", "硫化氢", "H2S", "mg/m³", 3),
    Factor("a21001", "氨", "NH3", "mg/m³", 3),
    Factor("a99002", "臭气浓度", "Odour concentration", "", 0),  # vendor, dimensionless
    # derived by the hub (published like readings)
    Factor("AQI_H", "小时AQI", "Hourly AQI", "", 0),
    Factor("AQI_D", "日AQI", "Daily AQI", "", 0),
]

FACTORS: dict[str, Factor] = {f.code: f for f in _FACTORS}

# The six pollutants of HJ 633, by factor code, with their AQI names.
AQI_POLLUTANTS: dict[str, str] = {
    "a34004": "PM2.5",
    "a34002": "PM10",
    "a21026": "SO2",
    "a21004": "NO2",
    "a21005": "CO",
    "a05024": "O3",
}


def unit_of(code: str, kind: str = "") -> str:
    """Unit of a factor code at a station kind, '' when unknown.

    Stack emissions (kind "source") report gases in mg/m³ under the same codes that ambient stations
    report in µg/m³.
    """
    factor = FACTORS.get(code)
    if factor is None:
        return ""
    if kind == "source" and factor.unit == "µg/m³":
        return "mg/m³"
    return factor.unit
