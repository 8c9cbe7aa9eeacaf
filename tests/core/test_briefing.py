"""The briefing's pure parts: its file, the periods it asks for, the good-day target and open problems."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from console.core.briefing import (
    PAGES,
    BriefingConfigError,
    fingerprint,
    good_day_progress,
    load_config,
    open_problems,
    periods_as_of,
)
from console.core.incidents import Incident, IncidentState, Severity, Source
from console.settings import parse_settings

NOW = 1_450_000_000.0


def test_the_briefing_file_sets_pages_durations_distance_target_and_forecast(tmp_path: Path) -> None:
    path = tmp_path / "briefing.toml"
    path.write_text(
        'viewing_distance_m = 6\ngood_day_target = 0.8\npages = ["overview", "problems"]\n'
        "[durations]\noverview = 45\n"
        '[[forecast]]\nday = 2015-12-31\nlevel = 5\nprimary = "PM2.5"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.pages == ("overview", "problems") and config.viewing_distance_m == 6.0
    assert config.duration("overview") == 45.0 and config.duration("problems") == 30.0
    assert config.good_day_target == 0.8
    assert config.forecast[0].day == date(2015, 12, 31) and config.forecast[0].level == 5
    assert load_config(None).pages == PAGES


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('pages = ["overview", "weather"]', "pages must be some of"),
        ("[durations]\noverview = 1", "durations.overview"),
        ("viewing_distance_m = 50", "viewing_distance_m"),
        ("good_day_target = 80", "good_day_target"),
        ("[[forecast]]\nlevel = 3", "[[forecast]] needs day"),
        ("[[forecast]]\nday = 2015-12-31\nlevel = 9", "level must be 1–6"),
        ("pages = [", "briefing.toml"),
    ],
)
def test_a_bad_briefing_file_is_refused_naming_the_field(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "briefing.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BriefingConfigError, match=words.replace("[", r"\[").replace("]", r"\]")):
        load_config(path)


def test_the_command_line_takes_a_briefing_day_and_refuses_a_bad_one(tmp_path: Path, capsys) -> None:
    settings = parse_settings(["--briefing", "--briefing-as-of", "2015-12-31"])
    assert settings.briefing and settings.briefing_as_of == date(2015, 12, 31)
    with pytest.raises(SystemExit):
        parse_settings(["--briefing-as-of", "31/12/2015"])
    assert "expected a day like 2015-12-31" in capsys.readouterr().err
    bad = tmp_path / "b.toml"
    bad.write_text("good_day_target = 2", encoding="utf-8")
    with pytest.raises(SystemExit):
        parse_settings(["--briefing-file", str(bad)])
    assert "good_day_target" in capsys.readouterr().err


def test_the_periods_are_whole_on_the_last_day_and_to_date_before() -> None:
    assert periods_as_of(date(2015, 12, 31)).month == ("monthly", "2015-12")
    assert periods_as_of(date(2015, 12, 31)).year == ("annual", "2015")
    mid = periods_as_of(date(2015, 12, 15))
    assert mid.day == ("daily", "2015-12-15")
    assert mid.month == ("episode", "2015-12-01/2015-12-15")
    assert mid.year == ("episode", "2015-01-01/2015-12-15")
    assert periods_as_of(date(2016, 2, 29)).month == ("monthly", "2016-02")


def test_good_days_needed_and_days_short_of_the_target() -> None:
    assert good_day_progress(None, 100, date(2015, 6, 30)) is None
    mid = good_day_progress(0.8, 150, date(2015, 6, 30))  # 292 good days needed of 365
    assert mid is not None and (mid.target_days, mid.needed, mid.days_left, mid.short) == (292, 142, 184, 0)
    late = good_day_progress(0.8, 150, date(2015, 11, 30))  # 31 days left, 142 needed
    assert late is not None and late.short == 142 - 31
    met = good_day_progress(0.5, 200, date(2016, 12, 31))  # a leap year: 183 of 366
    assert met is not None and met.target_days == 183 and met.needed == 0 and met.days_left == 0


def _incident(n: int, state: IncidentState, deadline: float | None, township: str) -> Incident:
    return Incident(
        id=f"I{n}",
        version=1,
        state=state,
        source=Source.RULE,
        category="air",
        severity=Severity(2),
        title=f"t{n}",
        reason="",
        created=NOW - 9000,
        updated=NOW - 100,
        township=township,
        deadline=deadline,
        dispatched=NOW - 9000 if deadline else None,
    )


def test_open_problems_put_the_most_overdue_first_and_count_by_township_and_stage() -> None:
    incidents = [
        _incident(1, IncidentState.DISCOVERED, None, "A"),
        _incident(2, IncidentState.HANDLING, NOW - 60, "B"),
        _incident(3, IncidentState.DISPATCHED, NOW - 3600, "B"),
        _incident(4, IncidentState.FEEDBACK, NOW - 7200, "A"),  # fed back: its clock has stopped
        _incident(5, IncidentState.CLOSED, NOW - 7200, "C"),
        _incident(6, IncidentState.HANDLING, NOW + 600, "A"),
    ]
    problems = open_problems(incidents, NOW)
    assert [p.id for p in problems.rows][:2] == ["I3", "I2"]
    assert problems.rows[0].overdue_s == 3600 and problems.overdue == 2 and problems.total == 5
    assert list(problems.by_township) == ["B", "A"]  # most overdue first
    assert problems.by_township["A"][IncidentState.FEEDBACK] == 1
    assert fingerprint({}, 50, problems) != fingerprint({}, 50, open_problems(incidents[:3], NOW))
