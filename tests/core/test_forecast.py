"""The forecast model on synthetic series (no database): a known signal is learnt, the verification figures
are right on cases worked by hand, a model from another version is refused."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pytest

from console.hub.forecast import model as fm
from console.hub.forecast import skill
from console.hub.forecast.series import MET, Series

FIRST = date(2013, 3, 1)


def synthetic(days: int = 900, rows: int = 3, seed: int = 1) -> Series:
    """PM2.5 driven by the previous day's humidity and wind (a weather signal persistence cannot see),
    plus a seasonal cycle and noise; AQI follows PM2.5."""
    rng = np.random.default_rng(seed)
    humidity = rng.uniform(20, 90, (rows, days))
    wind = rng.uniform(0.5, 6, (rows, days))
    season = 60 + 30 * np.cos(2 * np.pi * np.arange(days) / 365.25)
    pm25 = np.empty((rows, days))
    pm25[:, 0] = 60
    for t in range(1, days):
        pm25[:, t] = season[t] + 2.0 * (humidity[:, t - 1] - 55) - 12 * (wind[:, t - 1] - 3)
    pm25 = np.maximum(pm25 + rng.normal(0, 8, (rows, days)), 3)
    aqi = np.where(pm25 <= 75, pm25 * 100 / 75, 100 + (pm25 - 75) * 100 / 75)
    hourly = np.repeat(pm25[:, :, None], 24, axis=2)
    met = np.full((rows, days, len(MET)), np.nan)
    met[:, :, MET.index("humidity")] = humidity
    met[:, :, MET.index("wind_speed")] = wind
    return Series([f"S{i}" for i in range(rows)], FIRST, pm25, aqi, hourly, met)


def test_the_model_learns_a_weather_signal_that_persistence_cannot_see():
    series = synthetic()
    until = series.day(699)
    model = fm.train(series, until)
    assert model.trained_until == until
    test = slice(701, series.days)
    for scope, rows in (("city", series.city()), ("stations", series)):
        forecast = model.predict(scope, "pm25", 1, rows)[:, 700 : series.days - 1]
        observed = rows.pm25[:, test]
        persistence = rows.pm25[:, 700 : series.days - 1]
        ours, theirs = skill.rmse(forecast, observed), skill.rmse(persistence, observed)
        assert ours is not None and theirs is not None
        assert ours < 0.6 * theirs, (scope, ours, theirs)


def test_a_forecast_is_nan_where_the_issue_day_has_no_pm25():
    series = synthetic(days=200, rows=1)
    model = fm.train(series, series.day(199))
    series.pm25[0, 150] = np.nan
    out = model.predict("stations", "pm25", 2, series)
    assert np.isnan(out[0, 150]) and not np.isnan(out[0, 151])


def test_too_short_a_history_is_refused_with_a_reason():
    series = synthetic(days=40, rows=1)
    with pytest.raises(fm.ModelError, match="at least 60"):
        fm.train(series, series.day(39))


def test_climatology_is_the_mean_of_the_days_around_the_day_of_year():
    days = 730
    values = np.full((1, days), 10.0)
    values[0, 365:] = 30.0  # a second year: every day of year has 10 and 30
    clim = fm.climatology(values, date(2014, 1, 1), days)
    assert clim.shape == (1, 366)
    assert clim[0, 100] == pytest.approx(20.0)
    only_first = fm.climatology(values, date(2014, 1, 1), 365)
    assert only_first[0, 200] == pytest.approx(10.0)  # days after ``until`` are not used


def test_metrics_on_small_cases_worked_by_hand():
    assert skill.rmse([1, 2, 3], [1, 2, 5]) == pytest.approx((4 / 3) ** 0.5)
    assert skill.mae([1, 2, 3], [1, 2, 5]) == pytest.approx(2 / 3)
    assert skill.mae([1, np.nan, 3], [1, 2, 4]) == pytest.approx(0.5)  # a missing pair is left out
    assert skill.rmse([], []) is None
    # levels 1, 3, 5 forecast; 1, 4, 5 observed
    assert skill.level_accuracy([40, 120, 250], [45, 160, 210]) == pytest.approx(2 / 3)
    # heavy (AQI > 200): two hits, one miss, one false alarm; 200 itself is not heavy
    pod, far = skill.pod_far([250, 210, 100, 250, 200], [250, 100, 250, 300, 201])
    assert pod == pytest.approx(2 / 4) and far == pytest.approx(1 / 3)
    assert skill.pod_far([50, 60], [40, 70]) == (None, None)  # no heavy day, no heavy forecast
    assert skill.pod_far([50], [250]) == (0.0, None)
    with pytest.raises(ValueError):
        skill.rmse([1, 2], [1])


def test_a_saved_model_loads_and_a_model_of_another_version_is_refused(tmp_path):
    series = synthetic(days=200, rows=2)
    model = fm.train(series, series.day(199))
    manifest = fm.save(model, tmp_path)
    assert manifest["version"] == 1 and manifest["trained_until"] == "2013-09-16"
    assert manifest["features"] == list(fm.FEATURES)
    loaded, _manifest = fm.load_model(tmp_path)
    assert np.allclose(loaded.predict("city", "pm25", 1, series.city()),
                       model.predict("city", "pm25", 1, series.city()), equal_nan=True)  # fmt: skip
    assert fm.save(model, tmp_path)["version"] == 2 and (tmp_path / "model-0002.joblib").is_file()
    stale = json.loads((tmp_path / fm.MANIFEST).read_text())
    stale["sklearn"] = "0.24.2"
    (tmp_path / fm.MANIFEST).write_text(json.dumps(stale))
    with pytest.raises(fm.ModelError, match=r"scikit-learn 0\.24\.2.*forecast train"):
        fm.load_model(tmp_path)


def test_an_empty_model_directory_says_to_train(tmp_path):
    with pytest.raises(fm.ModelError, match="forecast train"):
        fm.load_model(tmp_path)
    (tmp_path / fm.MANIFEST).write_text("{not json")
    with pytest.raises(fm.ModelError, match="cannot be read"):
        fm.load_model(tmp_path)


def test_targets_and_lags_line_up_with_the_issue_day():
    series = synthetic(days=80, rows=1)
    y = fm.targets(series.pm25, 2)
    assert y[0, 10] == series.pm25[0, 12] and np.isnan(y[0, -1])
    x = fm.features(series, 2, np.zeros((1, 366)))
    names = list(fm.FEATURES)
    assert x[0, 10, names.index("pm25_d0")] == series.pm25[0, 10]
    assert x[0, 10, names.index("pm25_d3")] == series.pm25[0, 7]
    target_day = series.day(12)
    assert x[0, 10, names.index("weekday")] == target_day.weekday()
    assert series.day(12) == FIRST + timedelta(days=12)


def test_warning_levels_follow_the_plans_thresholds_and_durations():
    from console.hub.forecast import warning

    def level(*aqis: float) -> str | None:
        days = {(date(2017, 1, 1) + timedelta(days=i)).isoformat(): (a, "x") for i, a in enumerate(aqis)}
        found = warning.propose(days)
        return found.name if found else None

    assert level(150, 210, 190) is None  # one day above 200
    assert level(210, 201) == "yellow"
    assert level(200, 200, 200) is None  # 200 is not above 200
    assert level(210, 220, 230) == "orange"
    assert level(210, 320, 330, 230) == "red"  # 4 days > 200 with 2 > 300
    assert level(210, 320, 230, 330) == "orange"  # the days above 300 are not consecutive
    assert level(100, 500) == "red"  # AQI 500 for one day
    gap = {"2017-01-01": (250.0, "x"), "2017-01-03": (250.0, "x")}
    assert warning.propose(gap) is None  # not consecutive days


def test_an_official_forecast_counts_before_the_local_one():
    from console.hub.forecast import warning

    local = [{"valid_date": "2017-01-01", "aqi": 180}, {"valid_date": "2017-01-02", "aqi": 250}]
    official = [{"valid_date": "2017-01-02", "aqi_high": 150, "source": "bureau"},
                {"valid_date": "2017-01-03", "aqi_high": 220, "source": "bureau"}]  # fmt: skip
    assert warning.daily_aqi(local, official) == {
        "2017-01-01": (180.0, "local model"),
        "2017-01-02": (150.0, "bureau"),
        "2017-01-03": (220.0, "bureau"),
    }


def test_a_site_sets_its_own_warning_levels_and_a_bad_file_is_refused_by_name(tmp_path):
    from console.hub.forecast import warning

    path = tmp_path / warning.LEVELS_FILE
    assert warning.load_levels(path) == warning.DEFAULT_LEVELS  # no file: the plan's defaults
    path.write_text("[yellow]\nwhen = [[{days = 1, above = 150}]]\n", encoding="utf-8")
    levels = warning.load_levels(path)
    assert levels[1:] == warning.DEFAULT_LEVELS[1:]
    found = warning.propose({"2017-01-01": (160.0, "x")}, levels)
    assert found is not None and found.name == "yellow"
    for text, message in (
        ("[purple]\nwhen = []\n", "unknown level 'purple'"),
        ("[red]\nwhen = [[{above = 300}]]\n", r"\[red\] needs when"),
        ("[red]\nwhen = [[{days = 0, above = 300}]]\n", "1 day or more"),
        ("[red\n", "cannot be read"),
    ):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            warning.load_levels(path)


def test_the_briefing_reads_the_hubs_forecast_with_the_skill_of_each_local_day() -> None:
    from console.core.briefing import hub_forecast

    body = {
        "local": {"city": [
            {"lead": 1, "valid_date": "2015-12-04", "pm25": 80.0, "aqi": 106, "level": 3,
             "skill": {"model": {"rmse": 41.6, "level_accuracy": 0.453}, "persistence": {"rmse": 63.5}}},
            {"lead": 2, "valid_date": "2015-12-05", "pm25": 60.0, "aqi": 81, "level": 2, "skill": None},
            {"lead": 3, "valid_date": "bad", "level": 2},
        ]},
        "official": [{"valid_date": "2015-12-03", "level": 2, "aqi_low": 50, "aqi_high": 90, "source": "x"}],
        "warnings": [{"state": "proposed", "level": "red", "start": "2015-12-04", "end": "2015-12-06"}],
    }  # fmt: skip
    days, warnings = hub_forecast(body, date(2015, 12, 3))
    assert [(d.day.day, d.lead, d.level_accuracy, d.rmse, d.persistence_rmse) for d in days] == [
        (4, 1, 0.453, 41.6, 63.5), (5, 2, None, None, None),
    ]  # fmt: skip
    assert warnings == ()  # only issued warnings are in force
