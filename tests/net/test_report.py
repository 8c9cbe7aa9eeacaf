"""GET /api/report on a running hub with a few stored days, and the city-wide daily query behind it."""

from __future__ import annotations

import math
import random
from datetime import date

import aiohttp
import pytest

from console.core.aggregation import daily_items
from console.core.incidents import AuditEntry, Incident, IncidentState, Severity, Source
from console.core.models import StationKind
from console.core.report_figures import parse_period
from console.hub.incident_store import Change
from console.hub.report import load_ranges, year_to_date_ranges
from console.hub.storage import Storage
from tests.net.hubkit import PW, TOKEN, running_hub, station

DAY = 1448899200.0  # 2015-12-01 00:00 at UTC+8
PM25, PM10, SO2, NO2, CO, O3 = "a34004", "a34002", "a21026", "a21004", "a21005", "a05024"
HOURLY = [station(n, interval_s=3600) for n in (1, 2)] + [station(9, StationKind.NOISE)]
KEYS = {
    "period", "valid_days", "days_by_level", "good_days", "good_day_ratio", "heavy_days", "pm25_mean",
    "pm10_mean", "so2_mean", "no2_mean", "co_p95", "o3_8h_p90", "composite_index", "townships", "incidents",
}  # fmt: skip


def _o3(hour: int) -> float:
    return 40.0 + 5 * hour  # rises through the day: the 8-hour maximum is the 16:00–24:00 window


def _store_days(storage: Storage, days: int, skip_hours: int = 0) -> None:
    """Hourly uploads of both air stations for ``days`` days from DAY; PM2.5 30 and 50 µg/m³."""
    uploads = []
    for n, st in enumerate(HOURLY[:2]):
        for hour in range(24 * days):
            if hour % 24 < skip_hours:
                continue
            values = {PM25: 30.0 + 20 * n, PM10: 60.0, SO2: 8.0, NO2: 30.0, CO: 0.8, O3: _o3(hour % 24)}
            uploads.append((st.id, DAY + hour * 3600 + 60, {c: (v, "N") for c, v in values.items()}))
    storage.write([], uploads)


async def _get(hub, query: str, token: str = TOKEN) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{hub.http_port}/api/report?{query}"
        async with http.get(url, headers={"Authorization": f"Bearer {token}"}) as resp:
            return resp.status, await resp.json()


@pytest.mark.asyncio
async def test_the_report_of_stored_days_has_the_documented_figures(tmp_path):
    async with running_hub(tmp_path, HOURLY) as hub:
        _store_days(hub.storage, 3)
        status, body = await _get(hub, "kind=daily&period=2015-12-02")
        assert status == 200
        assert body.keys() >= KEYS
        assert body["period"] == "2015-12-02" and body["valid_days"] == 1
        assert body["pm25_mean"] == pytest.approx(40.0)  # the mean of the two stations' 30 and 50
        assert body["o3_8h_p90"] == pytest.approx(_o3(16) + 17.5)  # mean of 16:00 … 23:00
        assert body["days_by_level"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0}  # PM10 60: good
        assert body["good_day_ratio"] == 1.0 and body["heavy_days"] == 0
        assert [t["key"] for t in body["townships"]] == ["110119001"]
        assert body["mom"]["pm25_mean"]["previous"] == pytest.approx(40.0)
        assert body["incidents"]["raised"] == 0 and body["concentrations"] == "dust included"
        assert {s["key"] for s in body["station_figures"]} == {"T-001", "T-002"}  # not the noise monitor
        status, week = await _get(hub, "kind=episode&period=2015-12-01/2015-12-07&dust=2015-12-01")
        assert status == 200 and week["valid_days"] == 3 and week["concentrations"] == "dust deducted"
        assert week["pollutant_days"]["PM2.5"] == 2


@pytest.mark.asyncio
async def test_a_day_short_of_hours_is_not_a_valid_day(tmp_path):
    async with running_hub(tmp_path, HOURLY) as hub:
        _store_days(hub.storage, 2, skip_hours=5)  # 19 hours a day: short of the 20 a daily mean needs
        status, body = await _get(hub, "kind=daily&period=2015-12-01")
        assert status == 200 and body["valid_days"] == 0 and body["pm25_mean"] is None


@pytest.mark.parametrize(
    ("query", "message"),
    [("kind=monthly&period=2015-13", "bad monthly period"),
     ("kind=hourly&period=2015", "unknown report kind"),
     ("kind=weekly&period=2015-12", "2015-W49"), ("kind=daily", "required"),
     ("kind=daily&period=2015-12-01&dust=yesterday", "dust")],
)  # fmt: skip
@pytest.mark.asyncio
async def test_a_bad_request_gets_400_with_a_clear_message(tmp_path, query, message):
    async with running_hub(tmp_path, HOURLY) as hub:
        status, body = await _get(hub, query)
        assert status == 400 and message in body["error"]
        status, _ = await _get(hub, "kind=daily&period=2015-12-01", token="wrong")
        assert status == 401


def test_stations_daily_agrees_with_each_station_s_daily_history(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    storage.upsert_stations([(s, PW) for s in HOURLY])
    _store_days(storage, 3, skip_hours=2)
    found = storage.stations_daily(["T-001", "T-002"], DAY, DAY + 3 * 86400)
    assert sorted(found["T-001"]) == [date(2015, 12, 1), date(2015, 12, 2), date(2015, 12, 3)]
    for sid in ("T-001", "T-002"):
        for code, item in ((PM25, "PM25_24H"), (CO, "CO_24H"), (O3, "O3_8H")):
            points = storage.history(sid, code, DAY, DAY + 3 * 86400, "1d")
            assert [p.value for p in points] == pytest.approx(
                [d[item] for _, d in sorted(found[sid].items())]
            )
    assert math.isclose(found["T-002"][date(2015, 12, 2)]["PM25_24H"], 50.0)
    storage.close()


def test_o3_daily_items_follow_the_8_hour_rules_through_gaps(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    storage.upsert_stations([(s, PW) for s in HOURLY])
    rng = random.Random(5)
    uploads = []
    for day in range(6):  # from all 24 hours down to a day with many gaps
        for hour in rng.sample(range(24), 24 - 2 * day):
            uploads.append(("T-001", DAY + (24 * day + hour) * 3600 + 60, {O3: (rng.uniform(20, 200), "N")}))
    storage.write([], uploads)
    found = storage.stations_daily(["T-001"], DAY, DAY + 6 * 86400)
    hourly = storage.history("T-001", O3, DAY, DAY + 6 * 86400, "1h")
    expected = {}
    for n in range(6):
        by_hour = {
            int((p.ts - DAY) // 3600) - 24 * n: p.value for p in hourly if 0 <= p.ts - DAY - n * 86400 < 86400
        }
        items = {key: stat.value for key, stat in daily_items({O3: by_hour}).items() if stat.valid}
        if items:
            expected[date(2015, 12, 1 + n)] = items
    flat = {
        (day, key): value for day, items in found.get("T-001", {}).items() for key, value in items.items()
    }
    assert flat == pytest.approx(
        {(day, key): v for day, items in expected.items() for key, v in items.items()}
    )
    assert 2 <= len(expected) < 6  # some days meet the rules, the gappiest do not
    storage.close()


def test_a_report_reads_its_periods_whole_and_the_rest_of_the_year_for_the_targets_only():
    december = parse_period("monthly", "2015-12")
    read = load_ranges(december)
    assert read == [(date(2014, 12, 1), date(2015, 1, 1)), (date(2015, 11, 1), date(2016, 1, 1))]
    assert year_to_date_ranges(december, read) == [(date(2015, 1, 1), date(2015, 11, 1))]
    year = parse_period("annual", "2015")
    assert load_ranges(year) == [(date(2014, 1, 1), date(2016, 1, 1))]
    assert year_to_date_ranges(year, load_ranges(year)) == []
    week = parse_period("weekly", "2015-W03")  # 12–18 January 2015: the week before starts on the 5th
    assert year_to_date_ranges(week, load_ranges(week)) == [(date(2015, 1, 1), date(2015, 1, 5))]


@pytest.mark.asyncio
async def test_the_report_counts_the_stored_incidents_of_its_period(tmp_path):
    dispatched = DAY + 3600
    incident = Incident(
        id="INC-1", version=3, state=IncidentState.CLOSED, source=Source.RULE, category="air",
        severity=Severity.MEDIUM, title="PM2.5", reason="r", created=DAY + 600, updated=DAY + 7200,
        township="110119001", dispatched=dispatched, deadline=dispatched + 24 * 3600, closed=DAY + 7200,
    )  # fmt: skip
    feedback = AuditEntry(incident="INC-1", n=1, ts=DAY + 5000, actor="w", role="grid", action="feedback",
                          from_state="handling", to_state="feedback", version=2)  # fmt: skip
    async with running_hub(tmp_path, HOURLY) as hub:
        hub.incidents.store.write([Change(incident, feedback)])
        status, body = await _get(hub, "kind=daily&period=2015-12-01")
        assert status == 200
        assert {k: body["incidents"][k] for k in ("raised", "closed", "closed_on_time", "overdue")} == {
            "raised": 1, "closed": 1, "closed_on_time": 1, "overdue": 0
        }  # fmt: skip
        assert body["incidents"]["by_township"]["110119001"]["raised"] == 1
        status, body = await _get(hub, "kind=daily&period=2015-12-02")
        assert body["incidents"]["raised"] == 0
