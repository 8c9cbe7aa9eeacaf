"""Station grading for the map: AQI colours for air only, water classes, limits, stale and offline."""

from __future__ import annotations

from console.core import aqi, grading
from console.core.grading import station_look
from console.core.models import Station, StationKind, StationStatus
from console.core.store import Value

NOW = 1_000_000.0


def st(kind: StationKind, zone: str = "") -> Station:
    return Station(
        id="X", name="X", kind=kind, township="1", lon=0, lat=0, mn="X", st="22", factors=(), zone=zone
    )


def v(value: float, flag: str = "N", age: float = 0.0) -> Value:
    return Value(NOW - age, value, flag)


def test_air_station_takes_the_hj633_colour_of_its_aqi() -> None:
    look = station_look(
        st(StationKind.AIR), {"a34004": v(100.0), "a34002": v(120.0)}, StationStatus.ONLINE, NOW
    )
    assert (look.label, look.level, look.color, look.state) == ("132", 3, "#FF7E00", "ok")  # 轻度污染 orange


def test_invalid_flag_is_shown_as_invalid_not_graded_from_it() -> None:
    look = station_look(st(StationKind.MICRO), {"a34004": v(300.0, "D")}, StationStatus.ONLINE, NOW)
    assert look.state == "invalid" and look.label == ""


def test_offline_and_stale_and_fault() -> None:
    values = {"a34004": v(20.0, age=10 * 60)}
    assert station_look(st(StationKind.AIR), values, StationStatus.OFFLINE, NOW).state == "offline"
    stale = station_look(st(StationKind.AIR), values, StationStatus.ONLINE, NOW)
    assert stale.state == "stale" and stale.color == "#00E400"  # keeps its grade, drawn hollow
    assert station_look(st(StationKind.AIR), {"a34004": v(20.0)}, StationStatus.FAULT, NOW).state == "fault"


def test_water_worse_than_its_target_class_alarms() -> None:
    good = {"w01001": v(7.5), "w01009": v(8.0), "w21003": v(0.3), "w21011": v(0.05), "w01019": v(3.0)}
    look = station_look(st(StationKind.WATER, zone="III"), good, StationStatus.ONLINE, NOW)
    assert (look.label, look.state) == ("Ⅱ", "ok")
    bad = {**good, "w21003": v(1.8)}
    look = station_look(st(StationKind.WATER, zone="III"), bad, StationStatus.ONLINE, NOW)
    assert (look.label, look.state, look.color) == ("Ⅴ", "alarm", grading.WATER_COLOURS[4])
    assert "NH3N" in look.reason


def test_noise_at_night_is_held_to_the_night_limit() -> None:
    values = {"Leq": v(53.0)}
    assert (
        station_look(st(StationKind.NOISE, "2"), values, StationStatus.ONLINE, NOW, local_hour=14).state
        == "ok"
    )
    night = station_look(st(StationKind.NOISE, "2"), values, StationStatus.ONLINE, NOW, local_hour=23)
    assert night.state == "alarm" and night.color == grading.ALARM and night.label == "53"


def test_purifier_off_while_cooking_alarms() -> None:
    cooking_off = {"a34041": v(0.8), "SB1-RS": v(0.0), "SB2-RS": v(1.0)}
    look = station_look(st(StationKind.FUME), cooking_off, StationStatus.ONLINE, NOW)
    assert look.state == "alarm" and "purifier_off" in look.reason
    idle = {"a34041": v(0.1), "SB1-RS": v(0.0), "SB2-RS": v(0.0)}
    assert station_look(st(StationKind.FUME), idle, StationStatus.ONLINE, NOW).state == "ok"


def test_outlet_over_its_permit_limit_alarms_and_stopped_plant_is_marked() -> None:
    over = {"a21026": v(14.0), "a21002": v(20.0)}
    look = station_look(st(StationKind.SOURCE), over, StationStatus.ONLINE, NOW)
    assert look.state == "alarm" and look.reason == "a21026>10"
    stopped = {"a21026": v(0.4, "F"), "a21002": v(1.0, "F")}
    assert station_look(st(StationKind.SOURCE), stopped, StationStatus.ONLINE, NOW).state == "invalid"


def test_a_station_awaiting_its_first_report_is_neither_graded_nor_offline_grey() -> None:
    stored = {"a34004": v(200.0, age=10 * 60)}  # what the hub had from before it started
    look = station_look(st(StationKind.AIR), stored, StationStatus.AWAITING, NOW)
    assert (look.state, look.label, look.level) == ("awaiting", "", None)
    aqi_colours = {grading.rgb_hex(aqi.category_of(x).colour) for x in (25, 75, 125, 175, 250, 350)}
    assert look.color not in {grading.OFFLINE, grading.NEUTRAL, *aqi_colours, *grading.WATER_COLOURS}
    assert station_look(st(StationKind.FUME), {}, StationStatus.AWAITING, NOW).state == "awaiting"
