"""The console's replay options: --playback, --at, --speed and --open-episode, and their clear refusals."""

from __future__ import annotations

import pytest

from console.settings import parse_settings
from tests.core.test_playback_episode import exported  # noqa: F401  (the fixture: an exported episode)


def refused(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as ended:
        parse_settings(argv)
    assert ended.value.code == 2
    return capsys.readouterr().err


def test_replay_options_are_parsed(tmp_path, exported) -> None:  # noqa: F811
    settings = parse_settings(["--playback", "--at", "2015-12-01T08:00+08:00", "--speed", "3600"])
    assert (settings.playback, settings.playback_at, settings.playback_speed) == (True, 1448928000.0, 3600)
    assert parse_settings(["--playback"]).playback_at is None
    assert parse_settings([]).playback_speed == 60 and not parse_settings([]).playback
    episode = parse_settings(["--open-episode", str(exported[0]), "--at", "1700000000"])
    assert episode.episode_file == exported[0] and episode.playback_at == 1_700_000_000


def test_bad_replay_options_end_the_start_with_a_reason(tmp_path, exported, capsys) -> None:  # noqa: F811
    assert "has no time zone" in refused(["--playback", "--at", "2015-12-01T08:00"], capsys)
    assert "is not a time" in refused(["--playback", "--at", "tomorrow"], capsys)
    assert "--at needs --playback or --open-episode" in refused(["--at", "1448928000"], capsys)
    assert "--speed must be one of 1, 10, 60, 600, 3600, not 5" in refused(
        ["--playback", "--speed", "5"], capsys
    )
    assert "cannot read episode" in refused(["--open-episode", str(tmp_path / "none.sqlite")], capsys)
    short = tmp_path / "short.sqlite"
    short.write_bytes(exported[0].read_bytes()[:3000])
    assert "short.sqlite is truncated" in refused(["--open-episode", str(short)], capsys)
    both = ["--open-episode", str(exported[0]), "--playback"]
    assert "leave out --playback and --hub" in refused(both, capsys)
