"""Replay through the session's one pump: seek equals play, incidents rebuilt from the audit trail, the
controls, and no command ever leaving a replay. History comes from an episode file exported from a real
hub database (see tests/playbackkit.py)."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from console.core import playback as playback_module
from console.core.clock import ManualClock
from console.core.episode import EpisodeSource
from console.core.incidents import IncidentState, Level
from console.core.models import StationStatus
from console.core.playback import SPEEDS, Playback, PlaybackClock, PlaybackState, replay_window_of
from console.core.replay import incident_at, known_at, parse_moment
from console.core.session import ConsoleSession
from console.hub.episode_export import export_episode
from console.hub.playback_rest import HubHistory
from tests.playbackkit import MINUTES, STATIONS, T0, build, picture, playback_session, unit_fixes
from tests.playbackkit import readings as kit_readings

pytestmark = pytest.mark.asyncio
END = T0 + 60 * MINUTES


@pytest.fixture(scope="module")
def episode(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("history")
    storage, published = build(tmp)
    path = tmp / "three-hours.episode"
    export_episode(storage, T0, END, path)
    yield path, storage, published
    storage.close()


_made: list[ConsoleSession] = []


def new_session(tmp_path, name: str = "playback") -> ConsoleSession:
    _made.append(playback_session(tmp_path, name))
    return _made[-1]


@pytest_asyncio.fixture(autouse=True)
async def close_sessions():
    """Every replay session of a test is closed at its end (its cache writer thread stopped)."""
    yield
    while _made:
        await _made.pop().close()


async def opened(tmp_path, path, name="a", **kwargs) -> Playback:
    playback = Playback(new_session(tmp_path, name), EpisodeSource(path), **kwargs)
    await playback.open()
    await playback.settled()
    return playback


async def play_to(playback: Playback, moment: float, frames: int = 40) -> None:
    """Play frame by frame (as the wall's timer does) until ``moment``, reading ahead as it goes."""
    playback.play()
    while playback.state().at < moment:
        dt = min((moment - playback.state().at) / playback.state().speed, 0.25)
        before = playback.state().at
        playback.tick(dt)
        if playback.state().at == before:
            await asyncio.sleep(0.001)  # the read-ahead has not got there yet: the replay waits for it
    playback.pause()
    await playback.settled()


@pytest.mark.parametrize("minute", [0.5, 35, 65, 101, 140, MINUTES])
async def test_seek_shows_what_playing_up_to_the_moment_shows(tmp_path, episode, minute) -> None:
    path, _, _ = episode
    moment = T0 + 60 * minute
    played = await opened(tmp_path, path, "played", speed=600)
    await play_to(played, moment)
    sought = await opened(tmp_path, path, "sought")
    sought.seek(moment)
    await sought.settled()
    assert played.state().at == sought.state().at == moment
    assert played.stalls >= 0
    a, b = picture(played.session), picture(sought.session)
    assert a["latest"] == b["latest"]
    assert a["status"] == b["status"]
    assert a["series"] == b["series"]
    assert a["incidents"] == b["incidents"]
    assert a["stations"] == b["stations"]
    await played.close()
    await sought.close()


async def test_a_moment_shows_faults_outages_and_the_incidents_as_they_stood(tmp_path, episode) -> None:
    path, _, _ = episode
    playback = await opened(tmp_path, path)
    playback.seek(T0 + 60 * 65)
    await playback.settled()
    store, book = playback.session.store, playback.session.book
    assert store.station_status("T-002") == StationStatus.FAULT
    assert store.station_status("T-001") == StationStatus.ONLINE
    assert store.value("T-001", "a34004").ts == T0 + 60 * 65
    assert store.value("T-001", "AQI_H").ts == T0  # the first hour's AQI, known since it ended at minute 60
    [incident] = book.incidents.values()
    assert incident.state == IncidentState.HANDLING and incident.level == Level.TOWNSHIP
    trail = [e.action for e in book.trail(incident.id)]  # the detail shows the trail up to the moment
    assert trail == ["raise", "acknowledge", "dispatch", "update", "escalate", "handle"]
    assert playback.session.clock.now() == T0 + 60 * 65  # deadlines and ages read the replayed time
    assert book.sla(incident).left == pytest.approx(incident.deadline - (T0 + 60 * 65))
    playback.seek(T0 + 60 * 120)
    await playback.settled()
    assert store.station_status("T-003") == StationStatus.OFFLINE  # silent since minute 90
    assert store.station_status("T-002") == StationStatus.ONLINE
    states = {i.id: i.state for i in book.incidents.values()}
    assert list(states.values()) == [IncidentState.CLOSED]  # closed at minute 100, still shown
    playback.seek(T0 + 60 * 10)  # back: before any incident, the later values are gone
    await playback.settled()
    assert book.incidents == {}
    assert store.value("T-001", "a34004").ts == T0 + 600
    assert max(store.series[("T-001", "a34004")].times) == T0 + 600
    await playback.close()


async def test_incidents_are_rebuilt_from_the_audit_trail_version_by_version(episode) -> None:
    _, storage, published = episode
    history = HubHistory(storage.engine, lambda: STATIONS)
    with history.reader() as reader:
        finals = reader.incidents(sorted({i.id for i, _ in published}))
        trails = reader.trails(list(finals))
    assert len(published) == 12
    for incident, audit in published:
        rebuilt = incident_at(finals[incident.id], trails[incident.id], audit.ts)
        assert rebuilt == incident, audit.action
    first = published[0][0]
    assert incident_at(finals[first.id], trails[first.id], first.created - 1) is None
    with history.reader() as reader:
        steps = reader.steps_between(T0 + 60 * 30, T0 + 60 * 90)
    assert [s.audit.action for s in steps] == ["update", "escalate", "handle", "feedback", "assess"]
    assert [s.incident for s in steps] == [i for i, a in published if T0 + 1800 < a.ts <= T0 + 5400]


async def test_playing_applies_incident_changes_in_order_through_the_session(tmp_path, episode) -> None:
    path, _, published = episode
    playback = await opened(tmp_path, path, speed=3600)
    seen = []
    playback.session.changed.subscribe(lambda change: seen.append(change.message))
    await play_to(playback, END)
    events = [m for m in seen if type(m).__name__ == "IncidentEvent"]
    assert [(e.incident, e.audit) for e in events] == published
    seqs = [m.seq for m in seen if m is not None]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(m.epoch.startswith("playback-") for m in seen if m is not None)
    readings = sum(len(m.items) for m in seen if type(m).__name__ == "Readings")
    # every reading after the first moment once, hourly AQI once its hour has ended (none of the last hour)
    assert readings == sum(1 for r in kit_readings() if T0 < known_at(r) <= END)
    assert readings < sum(1 for r in kit_readings() if r.ts > T0) + 3
    await playback.close()


async def test_units_are_where_they_were_and_move_as_they_reported(tmp_path, episode) -> None:
    path, _, _ = episode
    playback = await opened(tmp_path, path, speed=600)
    messages = []
    playback.session.changed.subscribe(lambda change: messages.append(change.message))
    playback.seek(T0 + 60 * 45)
    await playback.settled()
    [snapshot] = [m for m in messages if type(m).__name__ == "Snapshot"]
    at = {u.info.id: u.last for u in snapshot.units}
    assert at["V-01"].ts == T0 + 60 * 44 + 7  # minute 40 had no position: never a place to show
    assert at["P-02"].ts == T0 + 1800 and at["P-02"].alarms == ()
    messages.clear()
    await play_to(playback, T0 + 60 * 95)
    fixes = [f for m in messages if type(m).__name__ == "UnitEvent" for f in m.fixes]
    expected = [r for r in unit_fixes() if T0 + 2700 < r[1] <= T0 + 5700 and not r[8]]
    assert [(f.unit, f.ts, f.fix) for f in fixes] == [
        (r[0], r[1], r[6]) for r in sorted(expected, key=lambda r: r[1])
    ]
    assert any(f.unit == "P-02" and f.alarms == ("sos",) for f in fixes)
    assert all(f.ts != T0 + 60 * 50 + 7 for f in fixes)  # the refused report is not replayed
    await playback.close()


async def test_controls_speeds_steps_jumps_and_clamping(tmp_path, episode) -> None:
    path, _, _ = episode
    states: list[PlaybackState] = []
    playback = Playback(new_session(tmp_path), EpisodeSource(path), at=T0 + 600, speed=60)
    playback.changed.subscribe(states.append)
    await playback.open()
    await playback.settled()
    state = playback.state()
    assert (state.start, state.end, state.step_s, state.source) == (T0, END, 60.0, "three-hours.episode")
    assert state.at == T0 + 600 and not state.loading and states[-1] == state
    with pytest.raises(ValueError, match="not one of"):
        playback.set_speed(5)
    for speed in SPEEDS:
        playback.set_speed(speed)
        assert playback.state().speed == speed
    playback.set_speed(60)
    playback.toggle()
    assert playback.state().playing
    playback.tick(1.5)  # 1.5 s at 60x
    assert playback.state().at == T0 + 690
    playback.step(1)  # to the next reporting interval, paused
    assert playback.state().at == T0 + 720 and not playback.state().playing
    playback.step(-2)
    await playback.settled()
    assert playback.state().at == T0 + 600
    playback.jump(3600)
    await playback.settled()
    assert playback.state().at == T0 + 4200
    playback.jump(-86400)  # clamped to the first moment
    await playback.settled()
    assert playback.state().at == T0
    playback.seek(END + 86400)  # clamped to the last
    await playback.settled()
    assert playback.state().at == END
    playback.play()
    assert not playback.state().playing  # nothing left to play
    with pytest.raises(ValueError):
        playback.seek(float("nan"))
    await playback.close()


async def test_the_latest_seek_wins(tmp_path, episode) -> None:
    path, _, _ = episode
    playback = await opened(tmp_path, path)
    for minute in (10, 170, 40, 120):
        playback.seek(T0 + 60 * minute)
    assert playback.state().loading
    await playback.settled()
    assert playback.state().at == T0 + 7200 and not playback.state().loading
    assert playback.session.store.value("T-001", "a34004").ts == T0 + 7200
    await playback.close()


async def test_playing_at_3600x_reaches_the_end_and_stops(tmp_path, episode) -> None:
    path, _, _ = episode
    playback = await opened(tmp_path, path, speed=3600)
    playback.play()
    frames = 0
    while playback.state().playing and frames < 10_000:
        playback.tick(0.016)  # a GUI frame: about a minute of data at 3600x
        frames += 1
        await asyncio.sleep(0)
    assert playback.state().at == END and not playback.state().playing
    series = playback.session.store.series[("T-001", "a34004")]
    assert len(series) == MINUTES + 1  # every minute reached the trend: no frame skipped data
    await playback.close()


async def test_a_frame_applies_a_bounded_number_of_readings_and_the_replay_falls_behind(
    tmp_path, episode, monkeypatch
) -> None:
    path, _, _ = episode
    monkeypatch.setattr(playback_module, "FRAME_READINGS", 50)
    playback = await opened(tmp_path, path, speed=3600)
    sizes = []
    playback.session.changed.subscribe(
        lambda c: sizes.append(len(c.message.items)) if type(c.message).__name__ == "Readings" else None
    )
    playback.play()
    playback.tick(1.0)  # an hour of data asked for in one frame: about 1,100 readings
    assert 0 < sum(sizes) <= 50 + 19 and playback.behind == 1  # at most one more data time's values
    assert T0 < playback.state().at < T0 + 600
    while playback.state().playing:
        playback.tick(1.0)
        await asyncio.sleep(0)
    assert len(playback.session.store.series[("T-001", "a34004")]) == MINUTES + 1  # nothing skipped
    await playback.close()


async def test_a_replay_never_has_a_link_or_commands_and_writes_no_cache(tmp_path, episode) -> None:
    path, _, _ = episode
    connected = ConsoleSession(tmp_path / "live.db")
    connected.connect("http://127.0.0.1:9", "t")  # a live console's session (nobody listens there)
    with pytest.raises(ValueError, match="not connected"):
        Playback(connected, EpisodeSource(path))
    await connected.close()
    session = new_session(tmp_path)
    playback = Playback(session, EpisodeSource(path), speed=3600)
    await playback.open()
    await play_to(playback, END)
    assert (
        session.link is None and session.outbox is None and session.commands is None and session.api is None
    )
    assert session.local.writer.close(5) and session.local.cache.position() is None  # nothing recorded
    assert isinstance(session.clock, PlaybackClock) and session.book.clock() == END
    await playback.close()


async def test_a_session_with_its_own_clock_is_moved_onto_the_replayed_time(tmp_path, episode) -> None:
    path, _, _ = episode
    session = ConsoleSession(tmp_path / "c.db", clock=ManualClock(0))
    playback = Playback(session, EpisodeSource(path), at=T0 + 3600)
    await playback.open()
    assert session.clock is playback.clock and session.clock.now() == T0 + 3600
    await playback.close()


async def test_replay_window_of_an_incident(episode) -> None:
    _, _, published = episode
    closed = [i for i, a in published if i.state == IncidentState.CLOSED][-1]
    assert replay_window_of(closed) == (closed.created - 1800, closed.closed)
    opened_ = [i for i, _ in published if i.closed is None][-1]
    start, end = replay_window_of(opened_)
    assert start == opened_.created - 1800 and end > opened_.created


async def test_moments_from_the_command_line() -> None:
    assert parse_moment("2015-12-01T08:00+08:00") == 1448928000.0
    assert parse_moment("2015-12-01T00:00Z") == 1448928000.0
    assert parse_moment("1448928000") == 1448928000.0
    with pytest.raises(ValueError, match="no time zone"):
        parse_moment("2015-12-01T08:00")
    with pytest.raises(ValueError, match="not a time"):
        parse_moment("yesterday")
