"""The console store: snapshot then events, newest value wins, series bounded, link backoff."""

from __future__ import annotations

import random

from console.core import protocol
from console.core.link import Backoff
from console.core.models import Reading, Station, StationKind, StationStatus
from console.core.store import HISTORY_S, Store


def station(sid: str, kind: StationKind = StationKind.AIR) -> Station:
    return Station(
        id=sid, name=sid, kind=kind, township="1", lon=116.0, lat=40.0, mn=sid, st="22", factors=()
    )


def snapshot(seq: int = 5) -> protocol.Snapshot:
    return protocol.Snapshot(
        epoch="e",
        seq=seq,
        stations=[station("A"), station("M", StationKind.MICRO)],
        latest=[Reading("A", "a34004", 100.0, 30.0, "N")],
        status=[protocol.StatusEntry("A", StationStatus.ONLINE, 1.0)],
    )


def test_snapshot_then_readings_update_latest_values() -> None:
    store = Store()
    change = store.apply(snapshot())
    assert (
        change.snapshot and store.value("A", "a34004").value == 30.0 and (store.epoch, store.seq) == ("e", 5)
    )
    change = store.apply(
        protocol.Readings(epoch="e", seq=6, items=[Reading("A", "a34004", 160.0, 42.0, "N")])
    )
    assert change.stations == {"A"} and store.value("A", "a34004").value == 42.0 and store.seq == 6


def test_an_older_value_never_overwrites_a_newer_one() -> None:
    store = Store()
    store.apply(snapshot())
    store.apply_readings([Reading("A", "a34004", 50.0, 99.0, "N")])
    assert store.value("A", "a34004").value == 30.0


def test_unknown_stations_are_ignored_until_the_snapshot_knows_them() -> None:
    store = Store()
    store.apply(snapshot())
    change = store.apply_readings([Reading("ZZ", "a34004", 200.0, 1.0, "N")])
    assert not change and store.value("ZZ", "a34004") is None


def test_status_events_change_station_state() -> None:
    store = Store()
    store.apply(snapshot())
    event = protocol.StationEvent(
        epoch="e", seq=6, entry=protocol.StatusEntry("M", StationStatus.FAULT, 2.0, "D")
    )
    change = store.apply(event)
    assert change.status == {"M"} and store.station_status("M") == StationStatus.FAULT
    assert store.station_status("A") == StationStatus.ONLINE


def test_series_keep_one_day_for_air_stations_only_aqi_for_micro() -> None:
    store = Store()
    store.apply(snapshot())
    items = [Reading("A", "a34004", 1000.0 + 60 * n, float(n), "N") for n in range(2000)]
    items += [Reading("M", "a34004", 1000.0, 5.0, "N"), Reading("M", "AQI_H", 0.0, 50.0, "N")]
    store.apply_readings(items)
    series = store.series[("A", "a34004")]
    assert series.times[-1] - series.times[0] <= HISTORY_S and len(series) < 2000
    assert ("M", "a34004") not in store.series and ("M", "AQI_H") in store.series


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    backoff = Backoff(base=0.5, cap=30, rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(12)]
    assert delays[0] <= 0.5 and delays[3] > 1.0 and max(delays) <= 30
    assert len(set(delays)) == len(delays)
    backoff.reset()
    assert backoff.next_delay() <= 0.5


def test_selected_station_keeps_series_and_merges_fetched_history() -> None:
    store = Store()
    store.apply(snapshot())
    assert store.track("M") and not store.track("A")  # air stations keep series anyway
    store.apply_readings([Reading("M", "a34004", 5000.0, 9.0, "N")])
    store.merge_history("M", "a34004", [(4000.0, 7.0, "N"), (4060.0, 8.0, "D"), (5000.0, 1.0, "N")])
    series = store.series[("M", "a34004")]
    assert list(series.times) == [4000.0, 4060.0, 5000.0] and list(series.values) == [7.0, 8.0, 9.0]


def test_a_long_series_keeps_exactly_the_last_26_hours_in_order() -> None:
    store = Store()
    store.apply(snapshot())
    minutes = 6000  # four days of one-minute data: the oldest points are dropped many times over
    # (minute 5999, the newest, carries a D flag: 5999 = 7 x 857)
    for start in range(0, minutes, 500):
        store.apply_readings(
            [
                Reading("A", "a34004", 60.0 * n, float(n), "D" if n % 7 == 0 else "N")
                for n in range(start, start + 500)
            ]
        )
    series = store.series[("A", "a34004")]
    newest = 60.0 * (minutes - 1)
    kept = [n for n in range(minutes) if 60.0 * n >= newest - HISTORY_S]
    assert list(series.times) == [60.0 * n for n in kept]
    assert list(series.values) == [float(n) for n in kept]
    assert list(series.flags) == ["D" if n % 7 == 0 else "N" for n in kept]
    assert (series.times[0], series.times[-1], series.flags[-1], len(series)) == (
        60.0 * kept[0],
        newest,
        "D",
        len(kept),
    )
