"""Alarm rules on synthetic series: each rule opens once per episode, updates sparingly and clears."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from console.core.incidents import Severity
from console.core.models import INVALID_FLAGS, Reading, Station, StationKind, StationStatus
from console.core.protocol import StatusEntry
from console.core.reasons import missing, render
from console.hub.rules import RULES, Finding, RuleConfig, RuleEngine

T0 = 1_763_740_800.0  # 2025-11-22 00:00 local (UTC+8)
MIN = 60.0
HOUR = 3600.0


def station(sid: str, kind: str, factors: Iterable[str], zone: str = "", lon=115.97, lat=40.45) -> Station:
    return Station(
        id=sid,
        name=sid,
        kind=StationKind(kind),
        township="110229001",
        lon=lon,
        lat=lat,
        mn=sid,
        st="22",
        factors=tuple(factors),
        zone=zone,
    )


def series(sid: str, code: str, start: float, values: Iterable[float], flag: str = "N") -> list[Reading]:
    """One reading a minute from ``start``."""
    return [Reading(sid, code, start + i * MIN, float(v), flag) for i, v in enumerate(values)]


def wobble(level: float, n: int, step: float = 1.0) -> list[float]:
    """n values around a level that never repeat twice in a row (a live sensor)."""
    return [level + step * (i % 3 - 1) for i in range(n)]


def drive(engine: RuleEngine, readings: Iterable[Reading], until: float | None = None) -> list[Finding]:
    """Feed readings minute by minute as the hub does, ticking every minute, then on to ``until``."""
    by_ts: dict[float, list[Reading]] = {}
    for r in readings:
        by_ts.setdefault(r.ts, []).append(r)
    out: list[Finding] = []
    t, end = min(by_ts, default=T0), max([*by_ts, until or T0])
    while t <= end:
        out += engine.feed(by_ts.get(t, []))
        out += engine.tick(t)
        t += MIN
    for f in out:  # every finding carries its reason as a Why that renders in full, in English as its reason
        assert f.why is not None and not missing(f.why) and render(f.why) == f.reason, f
    return out


def kinds(findings: list[Finding], rule: str | None = None) -> list[str]:
    return [f.kind for f in findings if rule is None or f.rule == rule]


def local(ts: float) -> str:
    return f"{int((ts - T0) // HOUR) % 24:02d}:{int((ts - T0) % HOUR // MIN):02d}"


# -- exceedance ---------------------------------------------------------------------------------------------


def test_micro_exceedance_opens_once_updates_on_a_worse_category_and_clears() -> None:
    engine = RuleEngine([station("M1", "micro", ["a34004", "a34001"])])
    hourly = [40, 140, 200, 30, 30, 30, 30]  # clean, 中度, 重度, then clean
    values = [v + (i % 3) for h in hourly for i, v in enumerate([h] * 60)]
    found = drive(engine, series("M1", "a34004", T0, values), until=T0 + 8 * HOUR)
    assert kinds(found, "sudden_rise") == ["open", "clear"]  # 40 -> 140 µg/m³ within a minute is one too
    found = [f for f in found if f.rule == "exceedance"]
    assert kinds(found) == ["open", "update", "clear"]
    opened, update, clear = found
    assert (opened.rule, opened.category, opened.severity, opened.ts) == (
        "exceedance",
        "air",
        Severity.MEDIUM,
        T0 + HOUR,
    )
    for words in ("Exceedance", "PM2.5", "141 µg/m³", "115 µg/m³", "01:00", "75 µg/m³"):
        assert words in opened.reason
    assert opened.values["value"] == pytest.approx(141.0) and opened.values["threshold"] == 115
    assert update.severity == Severity.HIGH and update.ts == T0 + 2 * HOUR and "02:00" in update.reason
    assert clear.station == "M1" and clear.ts > T0 + 5 * HOUR
    assert engine.open_episodes() == []


def test_air_station_exceedance_by_hourly_aqi_names_the_primary_pollutant() -> None:
    engine = RuleEngine([station("A1", "air", ["a34004", "a34002", "a21004", "a01001"])])
    readings = series("A1", "a34004", T0, wobble(180, 61)) + series("A1", "a21004", T0, wobble(40, 61))
    readings += series("A1", "a34002", T0, wobble(150, 61)) + series("A1", "a01001", T0, [3.0] * 61)
    found = drive(engine, readings)
    found += engine.feed([Reading("A1", "AQI_H", T0, 230.0), Reading("A1", "AQI_D", T0 - 86400, 260.0)])
    assert kinds(found) == ["open"]
    opened = found[0]
    assert (opened.severity, opened.ts, opened.category) == (Severity.HIGH, T0, "air")
    for words in ("AQI 230", "Heavily polluted", "AQI 200", "PM2.5", "180 µg/m³", "00:00"):
        assert words in opened.reason
    assert opened.values["aqi"] == 230 and opened.values["value"] == pytest.approx(180.0)


@pytest.mark.parametrize(
    "value, expected", [(120.0, None), (160.0, Severity.MEDIUM), (350.0, Severity.CRITICAL)]
)
def test_aqi_category_sets_the_severity_and_light_pollution_raises_nothing(value, expected) -> None:
    engine = RuleEngine([station("A1", "air", ["a34004"])])
    found = engine.feed([Reading("A1", "AQI_H", T0, value)])
    assert [f.severity for f in found] == ([] if expected is None else [expected])


# -- sudden rise --------------------------------------------------------------------------------------------


def test_sudden_rise_fires_once_and_a_lone_spike_does_not() -> None:
    engine = RuleEngine([station("M1", "micro", ["a34004"])])
    values = [*wobble(30, 40), 900.0, *wobble(30, 10), *wobble(220, 6), *wobble(60, 40)]
    found = drive(engine, series("M1", "a34004", T0, values), until=T0 + 3 * HOUR)
    rise = [f for f in found if f.rule == "sudden_rise"]
    assert kinds(rise) == ["open", "clear"]
    opened = rise[0]
    assert opened.ts == T0 + 53 * MIN and opened.severity == Severity.LOW  # the third high reading
    for words in ("Sudden-rise", "PM2.5", "221 µg/m³", "baseline", "00:53"):
        assert words in opened.reason
    assert opened.values["baseline"] < 40


# -- stuck / offline ----------------------------------------------------------------------------------------


def test_stuck_value_opens_once_and_clears_when_it_moves() -> None:
    engine = RuleEngine([station("M1", "micro", ["a34004"])])
    values = [87.0] * 45 + wobble(90, 30)
    found = drive(engine, series("M1", "a34004", T0, values), until=T0 + 2 * HOUR)
    assert kinds(found) == ["open", "clear"]
    opened = found[0]
    assert (opened.rule, opened.category, opened.ts) == ("stuck", "device", T0 + 29 * MIN)
    for words in ("PM2.5", "87 µg/m³", "30 times", "00:29"):
        assert words in opened.reason


def test_an_episode_taken_up_after_a_restart_clears_or_updates_but_never_opens_twice() -> None:
    engine = RuleEngine([station("M1", "micro", ["a34004"])])  # the restarted hub's fresh engine
    assert engine.resume_episode("M1", "stuck", "device", Severity.LOW, T0)
    assert not engine.resume_episode("M9", "stuck", "device", Severity.LOW, T0)  # no such station
    assert engine.open_episodes() == [("M1", "stuck")]
    moving = drive(engine, series("M1", "a34004", T0 + MIN, wobble(90, 100)), until=T0 + 2 * HOUR)
    assert kinds(moving) == ["clear"] and moving[0].station == "M1"
    config = RuleConfig()  # the rule had its time to see the value frozen again, then the hold
    assert moving[0].ts >= T0 + config.redetect("stuck") + config.hold("stuck")

    again = RuleEngine([station("M1", "micro", ["a34004"])])
    again.resume_episode("M1", "stuck", "device", Severity.LOW, T0)
    frozen = drive(again, series("M1", "a34004", T0 + MIN, [87.0] * 45 + wobble(90, 30)), until=T0 + 3 * HOUR)
    assert kinds(frozen) == ["clear"]  # seen frozen again: no second opening; cleared once it moved
    assert frozen[0].ts >= T0 + 46 * MIN + RuleConfig().hold("stuck")


def test_second_data_repeating_for_a_quiet_minute_is_not_stuck() -> None:
    engine = RuleEngine([station("M1", "micro", ["a34004"])])
    seconds = [Reading("M1", "a34004", T0 + n, 87.0, "N") for n in range(120)]  # two minutes, one value
    assert engine.feed(seconds) == []


def test_a_low_value_repeating_in_whole_units_is_not_stuck() -> None:
    engine = RuleEngine([station("A1", "air", ["a21026"])])
    assert drive(engine, series("A1", "a21026", T0, [6.0] * 120)) == []


def test_offline_opens_after_the_threshold_rises_after_a_day_and_clears_when_back() -> None:
    stations = [station(f"M{i}", "micro", ["a34004"]) for i in range(4)]
    engine = RuleEngine(stations)
    drive(engine, series("M1", "a34004", T0, wobble(40, 10)))
    assert engine.status(StatusEntry("M1", StationStatus.OFFLINE, 0.0, "no data for 180 s")) == []
    last = T0 + 9 * MIN
    assert engine.tick(last + 0.5 * HOUR) == []
    opened = engine.tick(last + HOUR + 1)
    assert [(f.kind, f.rule, f.severity) for f in opened] == [("open", "offline", Severity.LOW)]
    assert "00:09" in opened[0].reason and "1.0 h" in opened[0].reason and opened[0].category == "device"
    assert engine.tick(last + 2 * HOUR) == []
    worse = engine.tick(last + 25 * HOUR)
    assert [(f.kind, f.severity) for f in worse] == [("update", Severity.MEDIUM)]
    engine.status(StatusEntry("M1", StationStatus.ONLINE, 0.0))
    assert kinds(engine.tick(last + 25 * HOUR + MIN)) == ["clear"]
    assert engine.open_episodes() == []


def test_most_of_the_network_offline_is_the_hubs_link_not_an_incident_per_logger() -> None:
    engine = RuleEngine([station(f"M{i}", "micro", ["a34004"]) for i in range(3)])
    for sid in ("M0", "M1"):
        engine.status(StatusEntry(sid, StationStatus.OFFLINE, 0.0, "hub receives no data from the network"))
    engine.tick(T0)
    assert engine.tick(T0 + 3 * HOUR) == []


# -- catering fume ------------------------------------------------------------------------------------------


def fume(sid: str, start: float, minutes: int, fume_value: float, purifier: float) -> list[Reading]:
    out = series(sid, "a34041", start, [fume_value + 0.01 * (i % 5) for i in range(minutes)])
    out += series(sid, "SB1-RS", start, [purifier] * minutes) + series(sid, "SB2-RS", start, [1.0] * minutes)
    return out


def test_purifier_off_only_in_cooking_hours_and_once_per_meal() -> None:
    engine = RuleEngine([station("F1", "fume", ["a34041", "SB1-RS", "SB2-RS"])])
    lunch = fume("F1", T0 + 11 * HOUR, 60, 3.2, 0.0)
    afternoon = fume("F1", T0 + 15 * HOUR, 60, 3.2, 0.0)  # the same readings outside cooking hours
    dinner_on = fume("F1", T0 + 18 * HOUR, 30, 0.7, 1.0)  # purifier running
    found = drive(engine, lunch + afternoon + dinner_on, until=T0 + 19 * HOUR)
    assert kinds(found) == ["open", "clear"]
    opened = found[0]
    assert (opened.rule, opened.category, opened.severity) == ("purifier_off", "fume", Severity.MEDIUM)
    assert opened.ts == T0 + 11 * HOUR + 5 * MIN
    for words in ("SB1-RS", "off", "3.2", "1.00 mg/m³", "11:05", "cooking hours"):
        assert words in opened.reason
    assert found[1].ts < T0 + 15 * HOUR


# -- water, noise, outlets, odour ---------------------------------------------------------------------------


def test_water_worse_than_target_class_sustained_for_an_hour() -> None:
    engine = RuleEngine([station("W1", "water", ["w21003", "w01009", "w01010"], zone="III")])
    nh3n = [1.3] * 90 + [0.5] * 200
    do = [7.0 + 0.01 * (i % 5) for i in range(290)]
    readings = series("W1", "w21003", T0, nh3n) + series("W1", "w01009", T0, do)
    readings += series("W1", "w01010", T0, [4.0] * 290)  # water temperature does not change: not stuck
    found = drive(engine, readings, until=T0 + 5 * HOUR)
    assert kinds(found) == ["open", "clear"]
    opened = found[0]
    assert (opened.rule, opened.category, opened.severity) == ("water_class", "water", Severity.MEDIUM)
    assert opened.ts == T0 + HOUR
    for words in ("class IV", "target class III", "NH3-N", "1.300 mg/L", "1.000 mg/L", "01:00", "00:00"):
        assert words in opened.reason
    assert opened.values["value"] == 1.3 and opened.values["limit"] == 1.0


def test_night_noise_only_at_night_and_once_per_night() -> None:
    engine = RuleEngine([station("N1", "noise", ["Leq"], zone="2")])
    day = series("N1", "Leq", T0 + 8 * HOUR, [65.0 + 0.1 * (i % 7) for i in range(13 * 60)])  # 08:00-21:00
    night = series("N1", "Leq", T0 + 21 * HOUR, [57.0 + 0.1 * (i % 7) for i in range(11 * 60)])  # 21:00-08:00
    found = drive(engine, day + night, until=T0 + 33 * HOUR)
    assert kinds(found) == ["open", "clear"]
    opened = found[0]
    assert (opened.rule, opened.category, opened.severity) == ("night_noise", "noise", Severity.MEDIUM)
    assert opened.ts == T0 + 22 * HOUR
    for words in ("Leq 57.", "zone 2", "night limit 50 dB(A)", "22:00"):
        assert words in opened.reason
    assert found[1].ts > T0 + 30 * HOUR  # after the last night hour (05:00) and the hold


def test_emission_updates_are_rate_limited_severity_rises_at_once_and_a_later_exceedance_reopens() -> None:
    engine = RuleEngine([station("S1", "source", ["a21026", "a00000"])])
    so2 = [11.0 + 0.1 * (i % 2) for i in range(12)] + [14.0 + 0.1 * (i % 2) for i in range(10)]
    so2 += [20.0, 20.1, 20.0, 20.1] + [5.0 + 0.1 * (i % 2) for i in range(60)]
    first = drive(engine, series("S1", "a21026", T0, so2), until=T0 + 2 * HOUR)
    assert [(f.kind, f.severity, local(f.ts)) for f in first] == [
        ("open", Severity.MEDIUM, "00:10"),  # ten minutes over the permit limit
        ("update", Severity.MEDIUM, "00:20"),  # 14 mg/m³ from 00:12, announced 10 min after the open
        ("update", Severity.HIGH, "00:22"),  # twice the limit: at once
        ("clear", Severity.HIGH, "00:56"),  # half an hour after the last reading over the limit (00:25)
    ]
    assert "SO2" in first[0].reason and "10.0 mg/m³" not in first[0].reason and "10 mg/m³" in first[0].reason
    again = drive(engine, series("S1", "a21026", T0 + 3 * HOUR, [12.0 + 0.1 * (i % 2) for i in range(15)]))
    assert kinds(again) == ["open"]


def test_odour_over_the_boundary_limit_for_half_an_hour() -> None:
    engine = RuleEngine([station("O1", "odour", ["a21028", "a21001", "a99002"])])
    h2s = [0.1 + 0.001 * (i % 3) for i in range(45)]
    found = drive(engine, series("O1", "a21028", T0, h2s) + series("O1", "a99002", T0, wobble(12, 45)))
    assert [(f.kind, f.rule, f.category, f.severity) for f in found] == [
        ("open", "odour", "odour", Severity.LOW)
    ]
    assert "H2S" in found[0].reason and "0.060 mg/m³" in found[0].reason and "00:30" in found[0].reason


# -- neighbours ---------------------------------------------------------------------------------------------


def cluster() -> list[Station]:
    return [station(f"M{i}", "micro", ["a34004"], lon=115.97 + 0.002 * i, lat=40.45) for i in range(6)]


def test_neighbour_high_opens_once_when_sustained() -> None:
    engine = RuleEngine(cluster())
    readings = [r for i in range(1, 6) for r in series(f"M{i}", "a34004", T0, wobble(40 + i, 50))]
    readings += series("M0", "a34004", T0, wobble(200, 50))
    found = drive(engine, readings)
    assert [(f.kind, f.rule, f.station) for f in found] == [("open", "neighbour_high", "M0")]
    opened = found[0]
    assert opened.ts == T0 + 30 * MIN and opened.values["neighbours_median"] == pytest.approx(43.0, abs=1.5)
    for words in ("PM2.5", "median", "5 same-kind stations", "3 km", "00:30"):
        assert words in opened.reason


def test_a_short_hot_spell_against_neighbours_is_not_a_hotspot() -> None:
    engine = RuleEngine(cluster())
    readings = [r for i in range(1, 6) for r in series(f"M{i}", "a34004", T0, wobble(40 + i, 50))]
    readings += series("M0", "a34004", T0, wobble(40, 20) + wobble(200, 10) + wobble(40, 20))
    assert kinds(drive(engine, readings), "neighbour_high") == []


# -- robustness ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", sorted(INVALID_FLAGS))
def test_invalid_flags_never_trigger_a_value_rule(flag) -> None:
    engine = RuleEngine([station("M1", "micro", ["a34004"]), station("S1", "source", ["a21026"])])
    readings = series("M1", "a34004", T0, [30.0] * 40 + [400.0] * 200, flag)  # stuck, rise and exceedance
    readings += series("S1", "a21026", T0, [50.0] * 240, flag)
    assert drive(engine, readings, until=T0 + 6 * HOUR) == []


def test_unknown_stations_factors_and_odd_values_are_ignored() -> None:
    engine = RuleEngine([station("M1", "micro", ["a34004"])])
    junk = [
        Reading("NOPE", "a34004", T0, 999.0),
        Reading("M1", "xyz", T0, 999.0),
        Reading("M1", "a34004", T0, float("nan")),
        Reading("M1", "a34004", T0, float("inf"), "X"),
    ]
    assert engine.feed(junk) == []
    assert engine.status(StatusEntry("NOPE", StationStatus.OFFLINE, 0.0)) == []
    assert engine.tick(T0 + 10 * HOUR) == []
    assert RuleEngine([]).feed(junk) == []


def test_config_holds_cover_every_rule() -> None:
    assert all(RuleConfig().hold(rule) >= 0 for rule in RULES)


def test_a_clean_simulated_day_raises_nothing_at_normal_stations() -> None:
    """A summer day of the simulated city without faults or episodes: only its deliberate offenders alarm."""
    from console.hub.derive import AqiDeriver
    from console.sim.citymodel import CityModel
    from console.sim.faults import NO_FAULTS
    from console.sim.network import build_network
    from console.sim.regions import PRESETS

    region, start = PRESETS["yanqing"], 1_752_508_800.0  # 2025-07-15 00:00 local
    specs = build_network(region, 7, 60)
    model = CityModel(specs, region, 7, start, episodes=[], faults=NO_FAULTS)
    stations = [s.station for s in specs]
    engine, deriver = RuleEngine(stations), AqiDeriver({s.id: s for s in stations})
    found: list[Finding] = []
    for k in range(24 * 60):
        t = start + k * MIN
        batch = [
            Reading(spec.station.id, code, t, value, flag)
            for i, spec in enumerate(specs)
            for code, (value, flag) in (model.sample(i, t) or {}).items()
        ]
        found += engine.feed(batch + deriver.feed(batch))
        found += engine.tick(t)
    normal = {
        s.station.id
        for s in specs
        if s.station.kind in ("air", "scenic", "micro", "water")
        or (s.station.kind == "fume" and not s.params["offender"])
        or (s.station.kind == "noise" and s.station.zone in ("0", "1") and not s.params["night_excess"])
    }
    offenders = {s.station.id for s in specs if s.params.get("offender")}
    assert len(normal) > 40 and offenders
    assert [f for f in found if f.station in normal] == []
    purifier = [f for f in found if f.rule == "purifier_off" and f.kind == "open"]
    assert {f.station for f in purifier} == offenders  # the offenders cook with the purifier off
    assert all(f.rule in RULES and f.reason and f.title for f in found)
