"""The hub's unit tracker without sockets: how reports are judged, placed in time and published."""

from __future__ import annotations

from console.core.units import Fix, UnitInfo, UnitKind, UnitSource, UnitStatus
from console.hub.units.tracker import Tracker

NOW = 1_800_000_000.0
LAT, LON = 40.4650, 115.9850
CAR = UnitInfo(
    id="CAR", name="执法车", kind=UnitKind.ENFORCEMENT, source=UnitSource.JT808, device="013800000001"
)
DRONE = UnitInfo(id="UAV", name="无人机", kind=UnitKind.DRONE, source=UnitSource.OSMAND, device="uav")


def tracker(**kwargs) -> Tracker:
    return Tracker([CAR, DRONE], lambda: NOW, **kwargs)


def fix(ts: float, lat: float = LAT, lon: float = LON, unit: str = "CAR", **kwargs) -> Fix:
    return Fix(unit, ts, lat, lon, **kwargs)


def reasons(t: Tracker) -> dict[float, str]:
    rows, _ = t.take_rows()
    return {row[1]: row[8] for row in rows}


def test_devices_are_found_with_or_without_padding_zeros() -> None:
    t = tracker()
    assert t.by_device(UnitSource.JT808, "13800000001").info.id == "CAR"
    assert t.by_device(UnitSource.JT808, "00000000013800000001").info.id == "CAR"  # a 2019 phone
    assert t.by_device(UnitSource.OSMAND, "uav").info.id == "UAV"
    assert t.by_device(UnitSource.OSMAND, "13800000001") is None


def test_the_newest_position_is_the_greatest_device_time_not_the_last_to_arrive() -> None:
    t = tracker()
    car = t.units["CAR"]
    t.report(car, [fix(NOW - 10, lon=LON + 0.002)])
    t.report(car, [fix(NOW - 300), fix(NOW - 200, lon=LON + 0.001)])  # back-filled after an outage
    assert car.last.ts == NOW - 10 and car.last.lon == LON + 0.002
    states, fixes = t.take_event()
    assert [s.info.id for s in states] == ["CAR"]
    assert [f.ts for f in fixes] == [NOW - 300, NOW - 200, NOW - 10]  # published in device-time order
    assert set(reasons(t).values()) == {""}


def test_a_no_fix_report_is_kept_and_never_moves_the_unit() -> None:
    t = tracker()
    car = t.units["CAR"]
    t.report(car, [fix(NOW - 20)])
    t.report(car, [fix(NOW - 5, lat=0.0, lon=0.0, fix=False, alarms=("sos",))])
    assert car.last.ts == NOW - 20 and car.alarms == ("sos",)  # the alarm of the newest report counts
    _, fixes = t.take_event()
    assert [f.fix for f in fixes] == [True, False] and t.no_fix == 1


def test_future_old_impossible_and_teleporting_reports_are_kept_out_with_a_reason() -> None:
    t = tracker()
    car = t.units["CAR"]
    t.report(car, [fix(NOW - 100)])
    t.report(car, [fix(NOW + 3600)])  # a clock an hour ahead
    t.report(car, [fix(315_532_800.0)])  # 1980: a GPS week rollover
    t.report(car, [fix(NOW - 90, lat=95.0)])
    t.report(car, [fix(NOW - 80, lat=LAT + 0.5)])  # 55 km in 20 s
    t.report(car, [fix(NOW - 70, lat=LAT + 0.001)])  # 110 m in 30 s: fine
    assert reasons(t) == {
        NOW - 100: "", NOW + 3600: "future", 315_532_800.0: "implausible_time", NOW - 90: "bad_position",
        NOW - 80: "teleport", NOW - 70: "",
    }  # fmt: skip
    assert car.last.ts == NOW - 70
    assert dict(t.rejected) == {"future": 1, "implausible_time": 1, "bad_position": 1, "teleport": 1}
    _, fixes = t.take_event()
    assert [f.ts for f in fixes] == [NOW - 100, NOW - 70]


def test_a_back_filled_report_is_judged_against_its_neighbours_in_time() -> None:
    t = tracker()
    car = t.units["CAR"]
    t.report(car, [fix(NOW - 100), fix(NOW - 10, lat=LAT + 0.01)])
    t.report(car, [fix(NOW - 50, lat=LAT + 0.005), fix(NOW - 40, lat=LAT - 0.3)])
    assert reasons(t)[NOW - 50] == "" and reasons(t) == {}  # rows were taken once
    t.report(car, [fix(NOW - 45, lat=LAT - 0.3)])
    assert reasons(t) == {NOW - 45: "teleport"}


def test_drones_may_fly_faster_than_cars_drive() -> None:
    t = tracker()
    t.report(t.units["CAR"], [fix(NOW - 60), fix(NOW - 30, lat=LAT + 0.03)])  # 3.3 km in 30 s: 400 km/h
    t.report(t.units["UAV"], [fix(NOW - 60, unit="UAV"), fix(NOW - 30, lat=LAT + 0.03, unit="UAV")])
    assert [row[8] for row in t.take_rows()[0]] == ["", "teleport", "", ""]


def test_three_agreeing_jumps_move_the_trail_to_them() -> None:
    t = tracker()
    car = t.units["CAR"]
    t.report(car, [fix(NOW - 100, lat=LAT + 1)])  # a first fix far off
    t.report(car, [fix(NOW - 90 + n * 10, lon=LON + n * 1e-4) for n in range(4)])
    assert [row[8] for row in t.take_rows()[0]] == ["", "teleport", "teleport", "", ""]
    assert car.last.ts == NOW - 60 and car.last.lat == LAT


def test_an_en_route_unit_near_its_incident_has_arrived() -> None:
    arrivals = []
    t = tracker(place_of=lambda incident: (LAT + 0.01, LON), arrived=lambda slot, f: arrivals.append(f.ts))
    car = t.units["CAR"]
    car.status, car.incident, car.since = UnitStatus.EN_ROUTE, "INC-1", NOW - 500
    t.report(car, [fix(NOW - 600, lat=LAT + 0.01)])  # there before it was sent: does not count
    t.report(car, [fix(NOW - 100)])  # 1.1 km away
    t.report(car, [fix(NOW - 40, lat=LAT + 0.0099)])  # 11 m away
    assert arrivals == [NOW - 40]
