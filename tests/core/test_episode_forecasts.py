"""Episode files carry the forecasts of their stretch and the days before it: the local ones as the hub
issued them, the official ones and the warnings; replaying the file shows what the hub showed at each
moment. A file of format version 1 (before forecasts) still opens and says it has none."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, timedelta

from console.core.aqi import category_of
from console.core.episode import Episode, EpisodeSource, checksum
from console.hub.episode_export import export_episode
from console.hub.forecast import issued, official, rest, warning
from tests.playbackkit import MINUTES, T0, build

END = T0 + 60 * MINUTES  # 2023-11-15 06:00 … 09:00 at UTC+8
OFFICIAL = """issued,valid_date,area,aqi_low,aqi_high,level,primary_pollutant,source
2023-11-13T16:00+08:00,2023-11-15,北京,100,150,3,PM2.5,bureau
2023-11-13T16:00+08:00,2023-11-16,北京,150,200,4,PM2.5,bureau
2023-11-15T07:00+08:00,2023-11-16,北京,250,300,5,PM2.5,bureau
2023-11-15T10:00+08:00,2023-11-16,北京,300,350,6,PM2.5,bureau
"""


def _local(day: str, version: int, aqi: int) -> dict:
    """A local forecast issued at the end of ``day``, for the day after (lead 1)."""
    valid = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    level = category_of(aqi).level
    city = [{"lead": 1, "valid_date": valid, "pm25": aqi * 0.7, "aqi": aqi, "level": level, "skill": None}]
    model = {"version": version, "trained_until": "2023-11-01", "verified": None}
    return {"issued_for_day": day, "city": city, "stations": {}, "model": model, "hindcast": False}


def test_a_replayed_episode_shows_the_forecasts_and_warnings_as_the_hub_did(tmp_path) -> None:
    storage, _ = build(tmp_path)
    engine = storage.engine
    issued.record(engine, _local("2023-11-14", 1, 120), now=T0 - 5 * 3600)  # issued before the stretch
    issued.record(engine, _local("2023-11-14", 2, 160), now=T0 + 3600)  # re-issued during it
    issued.record(engine, _local("2023-11-15", 2, 210), now=END + 3600)  # after it: not in the file
    path = tmp_path / "official.csv"
    path.write_text(OFFICIAL, encoding="utf-8")
    official.store(engine, official.parse_file(path)[0])
    proposal = warning.record_proposal(
        engine, {"2023-11-16": (320.0, "bureau"), "2023-11-17": (330.0, "bureau")}, now=T0 + 2 * 3600
    )
    assert proposal is not None
    warning.command(engine, proposal["id"], "issue", "leader", warning.Role.LEADER, now=T0 + 2.5 * 3600)
    out = tmp_path / "episode.sqlite"
    export_episode(storage, T0, END, out)

    episode = Episode(out)
    assert episode.version == 2
    for moment in (T0, T0 + 30 * 60, T0 + 3600 + 1, T0 + 2 * 3600 + 60, T0 + 2.5 * 3600 + 60, END):
        hub = rest.forecast(storage, None, None, 8, as_of=moment)
        replayed = episode.forecast_at(moment)
        assert replayed["local"] == hub["local"], moment
        assert replayed["official"] == hub["official"], moment
        assert replayed["warnings"] == hub["warnings"], moment
    start = episode.forecast_at(T0)
    assert start["local"]["model"]["version"] == 1 and start["local"]["as_issued"] is True
    assert [f["aqi_high"] for f in start["official"]] == [150, 200]  # issued two days before the stretch
    assert episode.forecast_at(T0 + 3600 + 1)["local"]["city"][0]["aqi"] == 160  # the re-issue
    assert episode.forecast_at(END)["local"]["city"][0]["aqi"] == 160  # the later one is not in the file
    assert [w["state"] for w in episode.forecast_at(END)["warnings"]] == ["issued"]
    episode.close()

    async def through_the_source() -> dict:
        source = EpisodeSource(out)
        await source.open()
        try:
            return await source.forecast(T0 + 2 * 3600 + 60)
        finally:
            await source.close()

    answer = asyncio.run(through_the_source())
    assert [w["state"] for w in answer["warnings"]] == ["proposed"] and answer["local_error"] is None
    storage.close()


def test_an_episode_of_format_version_1_still_opens_and_says_it_has_no_forecasts(tmp_path) -> None:
    storage, _ = build(tmp_path)
    out = tmp_path / "old.sqlite"
    export_episode(storage, T0, END, out)
    storage.close()
    with sqlite3.connect(out) as db:  # the file as a console of version 1 wrote it
        db.execute("DROP TABLE forecasts")
        db.execute("DELETE FROM meta WHERE key IN ('tz_hours', 'checksum')")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'version'")
        db.execute("INSERT INTO meta VALUES ('checksum', ?)", (checksum(db, 1),))
    episode = Episode(out)
    assert episode.version == 1 and (episode.start, episode.end) == (T0, END)
    answer = episode.forecast_at(T0 + 60)
    assert answer["local"] is None and answer["official"] == [] and answer["warnings"] == []
    assert "format version 1" in answer["local_error"] and "export it again" in answer["local_error"]
    episode.close()
