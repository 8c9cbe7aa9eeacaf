"""The local forecast as it was issued: the hub stores each one it issues (SQLite and PostgreSQL) and a
replay (``/api/forecast?as_of=T``) shows the newest issued at or before T, never a later re-issue."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from console.hub.forecast import issued, rest, schedule, service
from console.hub.storage import Storage
from tests.net.hubkit import PW, running_hub
from tests.net.test_forecast import STATIONS, _get, store_history
from tests.net.test_forecast_events import _forecast

TZ = timezone(timedelta(hours=8))


def _at(day: date, hour: int, minute: int = 0) -> float:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).timestamp()


def test_a_replay_shows_the_forecast_issued_before_it_not_a_later_reissue(db_url, tmp_path):
    storage = Storage(db_url)
    storage.upsert_stations([(s, PW) for s in STATIONS])
    store_history(storage)
    directory = tmp_path / "forecast"
    service.train(storage, directory, date(2015, 3, 10))
    d = date(2015, 3, 20)
    day_after = d + timedelta(days=1)
    # nothing stored yet (history imported before the hub ran): today's model recomputes, flagged so
    before = rest.forecast(storage, directory, None, 8, as_of=_at(day_after, 8))
    assert before["local"]["as_issued"] is False and before["local"]["issued_for_day"] == d.isoformat()

    assert rest.issue(storage, directory, 8, now=_at(day_after, 0, 30))  # the daily run after day D
    assert not rest.issue(storage, directory, 8, now=_at(day_after, 1, 30))  # the same forecast: once
    first = rest.forecast(storage, directory, None, 8, as_of=_at(day_after, 8))["local"]
    assert first["as_issued"] is True and first["issued_at"] == _at(day_after, 0, 30)
    assert first["issued_for_day"] == d.isoformat() and first["model"]["version"] == 1
    assert [e["valid_date"] for e in first["city"]] == ["2015-03-21", "2015-03-22", "2015-03-23"]

    # a re-training later that day re-issues the forecast with a model that has learnt those days
    schedule.retrain(storage, directory, 8, now=_at(day_after, 12))
    assert rest.issue(storage, directory, 8, now=_at(day_after, 12, 5))
    replay = rest.forecast(storage, directory, None, 8, as_of=_at(day_after, 8))["local"]
    assert replay == first  # the re-issue does not leak back into the morning
    recomputed = rest.computed(storage, directory, d, 8)
    assert recomputed["model"]["version"] == 2 and recomputed["city"] != first["city"]
    assert recomputed["hindcast"] is True and first["hindcast"] is False
    afternoon = rest.forecast(storage, directory, None, 8, as_of=_at(day_after, 13))["local"]
    assert afternoon["model"]["version"] == 2 and afternoon["issued_at"] == _at(day_after, 12, 5)

    window = issued.between(storage.engine, _at(day_after, 6), _at(day_after + timedelta(days=1), 0))
    assert [(f["issued_at"], f["model"]["version"]) for f in window] == [
        (_at(day_after, 0, 30), 1), (_at(day_after, 12, 5), 2)
    ]  # fmt: skip
    assert issued.newest_in(window, _at(day_after, 8)) == first
    storage.close()


@pytest.mark.asyncio
async def test_the_running_hub_issues_its_forecast_and_serves_it_as_of(tmp_path):
    directory = tmp_path / "forecast"
    async with running_hub(tmp_path, STATIONS, forecast_dir=directory) as hub:
        store_history(hub.storage)
        service.train(hub.storage, directory, date(2015, 3, 10))
        await schedule.announce(hub, directory)  # the hourly check: the forecast of now is issued
        status, live = await _get(hub)
        assert status == 200
        stored = issued.at(hub.storage.engine, 1e10)
        assert stored is not None and stored["city"] == live["local"]["city"]
        replay = await _forecast(hub, f"?as_of={stored['issued_at'] + 1}")
        assert replay["local"]["as_issued"] is True and replay["local"]["city"] == live["local"]["city"]
        old = await _forecast(hub, f"?as_of={_at(date(2015, 3, 20), 8)}")  # before the hub issued any
        assert old["local"]["as_issued"] is False and old["local"]["issued_for_day"] == "2015-03-19"
