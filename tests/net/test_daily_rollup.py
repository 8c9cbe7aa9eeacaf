"""The daily roll-up on real SQLite: equal to console/core/aggregation.py's daily values on crafted days,
kept current by the writer (a late upload), filled by a migration and by an import."""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta

import pytest

from console.core import aggregation
from console.core.models import Station, StationKind
from console.hub.storage import Storage
from tests.net.test_import import coords, import_slice, prsa_slice  # noqa: F401 (fixtures)

DAY = 1704038400.0  # 2024-01-01 00:00 at UTC+8
FIRST = date(2024, 1, 1)
SIX = {"a34004": 55.0, "a34002": 90.0, "a21026": 10.0, "a21004": 38.0, "a21005": 1.0, "a05024": 90.0}
LATER = DAY + 30 * 86400  # "now": long after the crafted days


def _station(station_id: str) -> Station:
    return Station(
        id=station_id, name=station_id, kind=StationKind.AIR, township="T1", lon=116.0, lat=40.0,
        mn=f"MN{station_id}", st="22", factors=tuple(SIX), interval_s=3600,
    )  # fmt: skip


def _crafted(rng: random.Random) -> tuple[list, dict[str, dict[date, dict[str, dict[int, float]]]]]:
    """Hourly uploads of two stations over four days, with the validity edges: a day of 19 hours, one of
    20, a day whose O3 has 13 valid 8-hour windows, a factor missing; and the hourly means by day."""
    uploads, hours = [], {}
    plan = {
        "S1": [range(24), range(19), range(20), range(24)],
        "S2": [range(24), range(4, 24), range(24), range(10)],
    }
    for station, days in plan.items():
        for n, day_hours in enumerate(days):
            for h in day_hours:
                values = {code: (base * rng.uniform(0.3, 2.0), "N") for code, base in SIX.items()}
                if station == "S2" and n == 2 and h < 11:
                    del values["a05024"]  # O3 from 11:00 only: 13 valid windows at most
                if station == "S1" and n == 3:
                    del values["a21026"]  # no SO2 that day
                ts = DAY + n * 86400 + h * 3600
                uploads.append((station, ts, values))
                for code, (value, _flag) in values.items():
                    by_day = hours.setdefault(station, {}).setdefault(FIRST + timedelta(days=n), {})
                    by_day.setdefault(code, {})[h] = value
    return uploads, hours


def _expected(hours: dict[str, dict[date, dict[str, dict[int, float]]]]) -> dict:
    """Valid daily items by aggregation.daily_items, independently of the hub's queries."""
    out: dict = {}
    for station, days in hours.items():
        for day, by_code in days.items():
            items = {k: v.value for k, v in aggregation.daily_items(by_code).items() if v.valid}
            if items:
                out.setdefault(station, {})[day] = items
    return out


def _approx(found: dict) -> dict:
    return {s: {d: pytest.approx(items) for d, items in days.items()} for s, days in found.items()}


@pytest.fixture
def storage(tmp_path):
    store = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    store.upsert_stations([(_station("S1"), "pw"), (_station("S2"), "pw")])
    yield store
    store.close()


def _stored_days(storage: Storage) -> list[int]:
    with storage.engine.connect() as conn:
        return [row[0] for row in conn.exec_driver_sql("SELECT day FROM daily_days ORDER BY day")]


def test_the_daily_roll_up_equals_the_gb3095_daily_values(storage):
    uploads, hours = _crafted(random.Random(3))
    storage.write([], uploads)
    expected = _expected(hours)
    assert set(expected["S1"][FIRST + timedelta(days=1)]) == {"O3_8H"}  # 19 hours: only O3's 14 windows
    assert "O3_8H" not in expected["S2"][FIRST + timedelta(days=2)]  # 13 windows
    assert "SO2_24H" not in expected["S1"][FIRST + timedelta(days=3)]
    first = storage.stations_daily(["S1", "S2"], DAY, DAY + 4 * 86400, now=LATER)  # stores the 4 days
    assert len(_stored_days(storage)) == 4
    assert first == _approx(expected)
    again = storage.stations_daily(["S1", "S2"], DAY, DAY + 4 * 86400, now=LATER)  # read from the table
    assert again == first
    with storage.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM daily_rollup").scalar()
    assert rows == sum(len(days) for days in expected.values())


def test_an_unfinished_day_is_computed_but_not_stored(storage):
    uploads, hours = _crafted(random.Random(4))
    storage.write([], uploads)
    now = DAY + 3 * 86400 + 12 * 3600  # noon of the fourth day
    found = storage.stations_daily(["S1", "S2"], DAY, DAY + 4 * 86400, now=now)
    assert found == _approx(_expected(hours))
    assert len(_stored_days(storage)) == 3


def test_a_late_upload_to_a_stored_day_is_counted(storage):
    uploads, hours = _crafted(random.Random(5))
    storage.write([], uploads)
    storage.stations_daily(["S1", "S2"], DAY, DAY + 4 * 86400, now=LATER)
    before = storage.stations_daily(["S1"], DAY, DAY + 4 * 86400, now=LATER)["S1"]
    assert "PM25_24H" not in before[FIRST + timedelta(days=1)]
    late = {code: (base, "N") for code, base in SIX.items()}
    storage.write([], [("S1", DAY + 86400 + h * 3600, late) for h in range(19, 24)])  # day 2 now has 24 hours
    assert len(_stored_days(storage)) == 3  # the writer took day 2's mark back
    for h in range(19, 24):
        for code, (value, _flag) in late.items():
            hours["S1"][FIRST + timedelta(days=1)].setdefault(code, {})[h] = value
    found = storage.stations_daily(["S1", "S2"], DAY, DAY + 4 * 86400, now=LATER)
    assert found == _approx(_expected(hours))
    assert "PM25_24H" in found["S1"][FIRST + timedelta(days=1)]
    assert len(_stored_days(storage)) == 4


def test_a_database_of_schema_4_gets_its_daily_roll_up(tmp_path):
    path = tmp_path / "hub.db"
    storage = Storage(f"sqlite:///{path}")
    storage.upsert_stations([(_station("S1"), "pw"), (_station("S2"), "pw")])
    uploads, hours = _crafted(random.Random(6))
    storage.write([], uploads)
    storage.close()
    with sqlite3.connect(path) as conn:  # what a schema 4 database looks like
        conn.execute("DROP TABLE daily_rollup")
        conn.execute("DROP TABLE daily_days")
        conn.execute("UPDATE schema_version SET version = 4")
    storage = Storage(f"sqlite:///{path}")
    try:
        assert len(_stored_days(storage)) == 4
        with storage.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version FROM schema_version").scalar() == 5
        assert storage.stations_daily(["S1", "S2"], DAY, DAY + 4 * 86400, now=LATER) == _approx(
            _expected(hours)
        )
    finally:
        storage.close()


def test_an_import_fills_the_daily_roll_up(capsys, tmp_path, prsa_slice, coords):  # noqa: F811
    code, err = import_slice(capsys, prsa_slice, coords, tmp_path)
    assert code == 0
    assert "daily roll-up: 7 days" in err  # 2013-03-01 .. 03-07, Beijing time
    storage = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        assert len(_stored_days(storage)) == 7
        ids = [station.id for station, _pw in storage.load_stations()]
        start = DAY_2013 = 1362067200.0  # 2013-03-01 00:00 at UTC+8
        stored = storage.stations_daily(ids, start, DAY_2013 + 7 * 86400)
        computed: dict = {}
        with storage.engine.connect() as conn:  # the same days straight from the hourly roll-up
            storage._history._compute_daily(
                conn, ids, (int(start // 3600), int(start // 3600) + 7 * 24), set(SIX), computed
            )
        assert stored == computed and len(stored) == 2
    finally:
        storage.close()


@pytest.mark.parametrize("now", [LATER, DAY + 3.5 * 86400], ids=["stored", "last-day-unfinished"])
def test_the_city_s_daily_values_are_the_mean_of_the_stations(storage, now):
    uploads, hours = _crafted(random.Random(7))
    storage.write([], uploads)
    expected: dict = {}
    for days in _expected(hours).values():
        for day, items in days.items():
            for item, value in items.items():
                expected.setdefault(day, {}).setdefault(item, []).append(value)
    means = {d: pytest.approx({k: sum(v) / len(v) for k, v in i.items()}) for d, i in expected.items()}
    assert storage.city_daily(["S1", "S2"], DAY, DAY + 4 * 86400, now=now) == means
    pm25 = storage.city_daily(["S1", "S2"], DAY, DAY + 4 * 86400, factors=["a34004"], now=now)
    assert {day: set(items) for day, items in pm25.items()} == {
        day: {"PM25_24H"} for day, items in expected.items() if "PM25_24H" in items
    }
