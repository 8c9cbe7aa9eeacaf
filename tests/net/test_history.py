"""History from the hourly roll-up on real SQLite and a real PostgreSQL server: re-sent and late uploads, the
daily AQI, migration."""

from __future__ import annotations

import random
from collections.abc import Iterable
from statistics import fmean

import aiohttp
import pytest
import sqlalchemy as sa

from console.core import aqi
from console.core.models import Reading, Station, StationKind
from console.hub.derive import AqiDeriver
from console.hub.history import HistoryPoint
from console.hub.storage import Storage
from tests.conftest import BACKENDS, fresh_database
from tests.net.hubkit import STATIONS, TOKEN, running_hub

DAY = 1704038400.0  # 2024-01-01 00:00 at UTC+8: a local midnight
PM25, PM10, O3, CO = "a34004", "a34002", "a05024", "a21005"


def _station(station_id: str) -> Station:
    return Station(
        id=station_id, name=station_id, kind=StationKind.AIR, township="110119001", lon=115.97, lat=40.45,
        mn=f"MN{station_id}", st="22", factors=(PM25, PM10, O3, CO), interval_s=60,
    )  # fmt: skip


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "hub.db"


@pytest.fixture
def db_url(db_path, request):
    """The database of ``storage``: the SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.node.callspec.params["storage"].startswith("sqlite"):
        yield f"sqlite:///{db_path}"
        return
    with fresh_database("postgresql", db_path.parent) as url:
        yield url


@pytest.fixture(params=["sqlite-function", "sqlite-read-and-merge", "postgresql"])
def storage(db_url, request):
    store = Storage(db_url)
    store._merge_in_db = request.param == "sqlite-function"  # the others: the path PostgreSQL takes
    store.upsert_stations([(_station("AIR01"), "pw"), (_station("AIR02"), "pw")])
    yield store
    store.close()


def _uploads(start: float, minutes: range, values: dict[str, float], flag: str = "N", station: str = "AIR01"):
    return [(station, start + 60 * m, {code: (v, flag) for code, v in values.items()}) for m in minutes]


def _hourly_from_raw(storage: Storage, station: str, factor: str, start: float, end: float):
    """Hourly means recomputed from every stored value: what the roll-up must agree with."""
    hours: dict[float, list[float]] = {}
    for point in storage.history(station, factor, start, end, "raw"):
        if point.flag == "N":
            hours.setdefault(point.ts - point.ts % 3600, []).append(point.value)
    return [
        (ts, pytest.approx(fmean(v)), "N" if len(v) >= 45 else "I", len(v)) for ts, v in sorted(hours.items())
    ]


def _tuples(points: list[HistoryPoint]):
    return [(p.ts, p.value, p.flag, p.count) for p in points]


def test_a_resent_upload_does_not_count_twice(storage):
    storage.write([], _uploads(DAY, range(45), {PM25: 20.0}))
    storage.write([], _uploads(DAY, range(45), {PM25: 20.0}))  # the logger re-sends the whole hour
    assert storage.history("AIR01", PM25, DAY, DAY + 3600, "1h") == [HistoryPoint(DAY, 20.0, "N", 45)]
    storage.write([], _uploads(DAY, range(5), {PM25: 99.0}, flag="D"))  # corrected: five now invalid
    assert storage.history("AIR01", PM25, DAY, DAY + 3600, "1h") == [HistoryPoint(DAY, 20.0, "I", 40)]
    storage.write([], _uploads(DAY, range(2), {PM25: 30.0}))  # and two of those valid again
    assert _tuples(storage.history("AIR01", PM25, DAY, DAY + 3600, "1h")) == [
        (DAY, pytest.approx((40 * 20 + 2 * 30) / 42), "I", 42)
    ]


def test_a_partial_resend_keeps_the_factors_it_does_not_carry(storage):
    storage.write([], _uploads(DAY, range(60), {PM25: 10.0, O3: 80.0}))
    storage.write([Reading("AIR01", "AQI_H", DAY, 55.0)], _uploads(DAY, range(60), {O3: 81.0}))
    assert storage.history("AIR01", PM25, DAY, DAY + 3600, "1h") == [HistoryPoint(DAY, 10.0, "N", 60)]
    assert storage.history("AIR01", O3, DAY, DAY + 3600, "1h") == [HistoryPoint(DAY, 81.0, "N", 60)]
    assert storage.history("AIR01", "AQI_H", DAY, DAY + 3600, "1h") == [HistoryPoint(DAY, 55.0, "N", 1)]


def test_late_uploads_and_resends_in_any_order_agree_with_the_raw_values(storage):
    """Uploads out of order, across batches and within one, some re-sent with other values or flags."""
    rng = random.Random(7)
    moments = [(s, DAY + 60 * m) for s in ("AIR01", "AIR02") for m in range(4 * 60)]
    sends = moments + rng.sample(moments, 300) + rng.sample(moments, 100)
    rng.shuffle(sends)
    for start in range(0, len(sends), 97):
        batch = [
            (s, ts, {PM25: (float(rng.randint(1, 99)), rng.choice("NNNNND")), O3: (50.0, "N")})
            for s, ts in sends[start : start + 97]
        ]
        storage.write([], batch)
    for station in ("AIR01", "AIR02"):
        expected = _hourly_from_raw(storage, station, PM25, DAY, DAY + 4 * 3600)
        assert _tuples(storage.history(station, PM25, DAY, DAY + 4 * 3600, "1h")) == expected
        assert storage.history(station, O3, DAY, DAY + 4 * 3600, "1h") == [
            HistoryPoint(DAY + h * 3600, 50.0, "N", 60) for h in range(4)
        ]


def test_a_reopened_database_still_knows_what_is_stored(storage, db_url):
    storage.write([], _uploads(DAY, range(60), {PM25: 10.0}))
    reopened = Storage(db_url)  # a restarted hub, then the logger re-sends
    reopened.write([], _uploads(DAY, range(60), {PM25: 10.0}))
    assert reopened.history("AIR01", PM25, DAY, DAY + 3600, "1h") == [HistoryPoint(DAY, 10.0, "N", 60)]
    reopened.close()


def _day(station: str = "AIR01", hours: Iterable[int] = range(24)) -> list:
    values = {PM25: 60.0, PM10: 90.0, CO: 0.8}
    out = []
    for h in hours:
        out += _uploads(DAY + h * 3600, range(60), values | {O3: 40.0 + 8 * h}, station=station)
    return out


def test_daily_aqi_is_the_hj_633_aqi_of_the_days_valid_statistics(storage):
    storage.write([], _day())
    storage.write([], _day(hours=range(24, 24 + 19)))  # the next day: 19 hours, 14 valid O3 windows
    storage.write([], _day(hours=range(48, 48 + 18)))  # the day after: 18 hours, 13 O3 windows
    full = aqi.daily_aqi(
        {"PM25_24H": 60.0, "PM10_24H": 90.0, "CO_24H": 0.8, "O3_8H": 40.0 + 8 * 19.5, "O3_1H": 40.0 + 8 * 23}
    )
    o3_only = aqi.daily_aqi({"O3_8H": 40.0 + 8 * 39.5})  # hours 13–18 of that day (hours 37–42)
    partial = aqi.daily_aqi(
        {"PM25_24H": 60.0, "PM10_24H": 90.0, "CO_24H": 0.8, "O3_8H": 40 + 8 * 62.5, "O3_1H": 40 + 8 * 65}
    )
    points = storage.history("AIR01", "AQI_D", DAY, DAY + 3 * 86400, "1d")
    assert [(p.ts, p.flag, p.count) for p in points] == [
        (DAY, "N", 4), (DAY + 86400, "N", 1), (DAY + 2 * 86400, "I", 4)
    ]  # fmt: skip
    assert [p.value for p in points] == [full.aqi, o3_only.aqi, partial.aqi]


def test_the_daily_aqi_follows_the_local_day(storage):
    """20 hours from 00:00 local (16:00 UTC): two UTC days, one valid local day."""
    storage.write([], _day(hours=range(20)))
    points = storage.history("AIR01", PM25, DAY - 86400, DAY + 86400, "1d")
    assert points == [HistoryPoint(DAY, 60.0, "N", 20)]
    assert [p.flag for p in storage.history("AIR01", "AQI_D", DAY, DAY + 1, "1d")] == ["N"]


def test_every_station_s_hourly_means_at_once(storage):
    storage.write([], _day("AIR01", range(2)) + _day("AIR02", range(1, 3)))
    found = storage.stations_hourly(PM25, DAY, DAY + 3 * 3600)
    assert found == {
        "AIR01": [HistoryPoint(DAY, 60.0, "N", 60), HistoryPoint(DAY + 3600, 60.0, "N", 60)],
        "AIR02": [HistoryPoint(DAY + 3600, 60.0, "N", 60), HistoryPoint(DAY + 7200, 60.0, "N", 60)],
    }
    assert list(storage.stations_hourly(PM25, DAY, DAY + 3600, ["AIR02", "NONE"])) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_database_of_schema_2_gets_its_roll_up_built(tmp_path, backend):
    with fresh_database(backend, tmp_path) as url:
        _schema_2_is_moved_up(url)


def _sql(url: str, *statements: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        results = [conn.exec_driver_sql(statement) for statement in statements]
        rows = [tuple(row) for row in results[-1]] if results[-1].returns_rows else []
    engine.dispose()
    return rows


def _schema_2_is_moved_up(url: str) -> None:
    storage = Storage(url)
    storage.upsert_stations([(_station("AIR01"), "pw")])
    storage.write([], _day(hours=range(3)))
    storage.close()
    # what a schema 2 database looks like
    _sql(url, "DROP TABLE hourly_rollup", "UPDATE schema_version SET version = 2")
    storage = Storage(url)
    assert storage.history("AIR01", PM25, DAY, DAY + 3 * 3600, "1h") == [
        HistoryPoint(DAY + h * 3600, 60.0, "N", 60) for h in range(3)
    ]
    storage.write([], _uploads(DAY, range(60), {PM25: 60.0}))  # a re-send after the move
    assert storage.history("AIR01", PM25, DAY, DAY + 3600, "1h") == [HistoryPoint(DAY, 60.0, "N", 60)]
    storage.close()
    assert _sql(url, "SELECT version FROM schema_version") == [(5,)]


@pytest.mark.asyncio
async def test_rest_gives_daily_values_and_the_daily_aqi(tmp_path, db_url_of_hub):
    async with running_hub(tmp_path, db=db_url_of_hub) as hub:
        station = STATIONS[0].id
        for h in range(24):  # a whole local day; the next day only 19 hours of it
            hub.storage.write([], _day(station, [h]) + (_day(station, [24 + h]) if h < 19 else []))
        query = f"station={station}&start={DAY}&end={DAY + 2 * 86400}&resolution=1d"
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            base = f"http://127.0.0.1:{hub.http_port}/api/history?{query}"
            async with http.get(f"{base}&factor=AQI_D") as resp:
                daily_aqi = await resp.json()
            async with http.get(f"{base}&factor={PM25}") as resp:
                pm25 = await resp.json()
    assert [(ts, flag) for ts, _, flag, _ in daily_aqi["points"]] == [(DAY, "N"), (DAY + 86400, "N")]
    assert daily_aqi["points"][1][3] == 1  # the second day: only O3's maximum 8-hour mean is valid
    assert pm25["points"] == [[DAY, 60.0, "N", 24], [DAY + 86400, 60.0, "I", 19]]


@pytest.mark.asyncio
async def test_rest_gives_every_station_s_hourly_means(tmp_path, db_url_of_hub):
    async with running_hub(tmp_path, db=db_url_of_hub) as hub:
        for station in STATIONS[:3]:
            hub.storage.write([], _day(station.id, range(2)))
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            base = f"http://127.0.0.1:{hub.http_port}/api/history/hourly?factor={PM25}"
            async with http.get(f"{base}&start={DAY}&end={DAY + 7200}") as resp:
                every = await resp.json()
            async with http.get(f"{base}&start={DAY}&end={DAY + 3600}&stations={STATIONS[1].id}") as resp:
                one = await resp.json()
            async with http.get(f"{base}&start={DAY}&end={DAY + 8 * 86400}") as resp:
                too_long = resp.status
    hours = [[DAY, 60.0, "N", 60], [DAY + 3600, 60.0, "N", 60]]
    assert every == {"factor": PM25, "stations": {s.id: hours for s in STATIONS[:3]}}
    assert one["stations"] == {STATIONS[1].id: hours[:1]}
    assert too_long == 400


def test_every_station_s_hourly_means_beyond_one_statement(storage):
    """Stations are asked for a few hundred a statement; none is lost between statements."""
    ids = [f"S{n:03d}" for n in range(501)]
    storage.write([], [(s, DAY, {PM25: (float(n), "N")}) for n, s in enumerate(ids)])
    found = storage.stations_hourly(PM25, DAY, DAY + 3600, ids)
    assert found == {s: [HistoryPoint(DAY, float(n), "I", 1)] for n, s in enumerate(ids)}


def test_the_stored_daily_aqi_is_the_one_the_hub_derived_live(storage):
    """The live AQI_D and the history's daily AQI are one computation."""
    deriver = AqiDeriver({"AIR01": _station("AIR01")})
    uploads = _day(hours=range(21))  # 21 hours: every 24-hour mean valid, O3 with 14 valid windows
    readings = [Reading(s, code, ts, v, f) for s, ts, values in uploads for code, (v, f) in values.items()]
    live = [r for r in deriver.feed(readings) + deriver.tick(DAY + 2 * 86400) if r.factor == "AQI_D"]
    storage.write([], uploads)
    stored = storage.history("AIR01", "AQI_D", DAY, DAY + 1, "1d")
    assert [(r.ts, r.value) for r in live] == [(p.ts, p.value) for p in stored]
    assert [p.flag for p in stored] == ["N"]
