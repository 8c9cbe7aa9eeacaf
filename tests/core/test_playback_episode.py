"""Episode files: exported from a real hub database and opened again whole; damaged or foreign files are
refused with a clear error before anything of them is shown."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from console.core.episode import Episode, EpisodeError, EpisodeSource
from console.core.replay import incident_at
from console.hub.episode_export import main as export_main
from console.hub.playback_rest import HubHistory
from tests.playbackkit import MINUTES, STATIONS, T0, build

END = T0 + 60 * MINUTES


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hub")
    storage, published = build(tmp)
    path = tmp / "episode.sqlite"
    argv = ["--from", "2023-11-15T06:00+08:00", "--to", str(END), "--out", str(path), "--data-dir", str(tmp)]
    assert export_main(argv) == 0
    yield path, storage, published
    storage.close()


def test_an_exported_episode_opens_with_the_same_stations_readings_and_incidents(exported) -> None:
    path, storage, published = exported
    episode = Episode(path)
    assert (episode.start, episode.end) == (T0, END)
    reader = episode.reader
    assert reader.stations() == sorted(STATIONS, key=lambda s: s.id)
    stored = storage.readings_between(T0, END, limit=1_000_000)
    replayed = reader.stretch(T0 - 1, END, [s.id for s in STATIONS], limit=1_000_000)
    key = lambda r: (r.station, r.ts, r.factor)  # noqa: E731
    assert sorted(replayed.readings, key=key) == sorted(stored, key=key)
    assert replayed.complete_to == END
    hub = HubHistory(storage.engine, lambda: STATIONS)
    with hub.reader() as hub_reader:
        ids = sorted({i.id for i, _ in published})
        assert reader.trails(ids) == hub_reader.trails(ids)
        assert reader.incidents(ids) == hub_reader.incidents(ids)
        for moment in (T0 + 60 * m for m in (0, 21, 52, 99, 101, 170)):
            assert reader.state_at(moment, STATIONS) == hub_reader.state_at(moment, STATIONS)
        assert reader.units() == hub_reader.units()
        assert reader.fixes_between(T0, END, ["V-01", "P-02"]) == hub_reader.fixes_between(
            T0, END, ["V-01", "P-02"]
        )
    steps = reader.steps_between(T0, END)
    assert [(s.incident, s.audit) for s in steps] == published
    assert episode.timeline.incidents == sorted((i.created, i.id) for i, a in published if a.n == 1)
    assert episode.timeline.coverage == [(T0, END + 3600)]  # the hours with data
    episode.close()


def test_the_trail_in_the_file_rebuilds_every_version(exported) -> None:
    path, _, published = exported
    episode = Episode(path)
    ids = sorted({i.id for i, _ in published})
    finals, trails = episode.reader.incidents(ids), episode.reader.trails(ids)
    for incident, audit in published:
        assert incident_at(finals[incident.id], trails[incident.id], audit.ts, audit.n) == incident
    episode.close()


def damaged(tmp_path, exported, change) -> str:
    path = tmp_path / "damaged.sqlite"
    shutil.copy(exported[0], path)
    change(path)
    with pytest.raises(EpisodeError) as refused:
        Episode(path)
    return str(refused.value)


def test_a_truncated_file_is_refused(tmp_path, exported) -> None:
    def truncate(path):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    assert "damaged.sqlite is truncated" in damaged(tmp_path, exported, truncate)


def test_a_file_of_another_format_version_is_refused(tmp_path, exported) -> None:
    def newer(path):
        with sqlite3.connect(path) as db:
            db.execute("UPDATE meta SET value = '3' WHERE key = 'version'")

    assert "format version 3; this console reads versions 1, 2" in damaged(tmp_path, exported, newer)


def test_a_changed_reading_breaks_the_checksum(tmp_path, exported) -> None:
    def tamper_frame(path):
        with sqlite3.connect(path) as db:
            station, ts = db.execute("SELECT station, ts FROM frames LIMIT 1").fetchone()
            db.execute("UPDATE frames SET ts = ts + 0.5 WHERE station = ? AND ts = ?", (station, ts))

    assert "does not match its checksum" in damaged(tmp_path, exported, tamper_frame)


def test_foreign_and_missing_files_are_refused(tmp_path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(EpisodeError, match="not an episode file \\(not an SQLite database\\)"):
        Episode(text)
    hub_db = tmp_path / "hub.sqlite"
    with sqlite3.connect(hub_db) as db:
        db.execute("CREATE TABLE frames (station TEXT, ts REAL, data BLOB)")
    with pytest.raises(EpisodeError, match="an SQLite database of something else"):
        Episode(hub_db)
    with pytest.raises(EpisodeError, match="cannot read episode"):
        Episode(tmp_path / "nowhere.sqlite")


@pytest.mark.asyncio
async def test_the_episode_source_refuses_a_damaged_file_on_open(tmp_path, exported) -> None:
    path = tmp_path / "short.sqlite"
    path.write_bytes(exported[0].read_bytes()[:5000])
    with pytest.raises(EpisodeError, match="truncated"):
        await EpisodeSource(path).open()


def test_export_refuses_bad_times_with_exit_status_2(tmp_path, capsys) -> None:
    out = tmp_path / "x.sqlite"
    for argv, message in (
        (["--from", "2015-12-01T08:00", "--to", "1448928000"], "has no time zone"),
        (["--from", "1448928000", "--to", "1448920000"], "--from must be before --to"),
        (["--from", "soon", "--to", "1448928000"], "is not a time"),
    ):
        with pytest.raises(SystemExit) as ended:
            export_main([*argv, "--out", str(out), "--data-dir", str(tmp_path)])
        assert ended.value.code == 2
        assert message in capsys.readouterr().err
    assert (
        export_main(["--from", "0", "--to", "1", "--out", str(out), "--data-dir", str(tmp_path / "none")])
        == 2
    )
    assert not out.exists()
