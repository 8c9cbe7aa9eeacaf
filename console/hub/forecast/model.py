"""The local forecast model: features from a station's (or the city's) own history, one gradient-boosting
regressor per target (daily PM2.5, daily AQI) and lead (+1, +2, +3 days, i.e. the next 24, 48 and 72 h
after the issue day ends), for the city and pooled over the stations.

A forecast is issued at the end of local day t for day t + lead. Features: the daily PM2.5 of days t … t-3
and its 7-day mean, the day's AQI, the hourly PM2.5 of the last hours of day t and its trend, the day's
meteorology (temperature, pressure and its change, humidity, wind speed and vector) when the station
reports it (NaN otherwise: the regressor routes missing values itself), the target day's day of year and
weekday, and the climatology of the target day. Models live in DATA/forecast/ as a joblib file and a
manifest (manifest.json); a file from another format or scikit-learn version is refused.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from console.hub.forecast.series import MET, Array, Series

FORMAT = 1  # bump when the features or the file's layout change
LEADS = (1, 2, 3)
TARGETS = ("pm25", "aqi")
SCOPES = ("city", "stations")
FEATURES = (
    "pm25_d0", "pm25_d1", "pm25_d2", "pm25_d3", "pm25_7d", "aqi_d0",
    "pm25_h23", "pm25_last6h", "pm25_trend6h",
    *(f"{name}_d0" for name in MET), "pres_change",
    "doy_sin", "doy_cos", "weekday", "climatology",
)  # fmt: skip
CLIMATOLOGY_WINDOW = 15  # days either side of the day of year
MANIFEST = "manifest.json"
# One OpenMP thread: on a hub's busy cores the regressor's threads wait on each other, and one thread
# trains 5-10 times faster than two (bench/forecast.py); the models are small.
THREADS = 1


class ModelError(Exception):
    """The model directory holds no usable model; the message says what to do."""


def climatology(values: Array, first: date, until: int) -> Array:
    """Rows × 366: each row's mean of ``values`` (rows × days) on the days of year within 15 days of each
    day of year, from days [0, until); the row's mean of all days where it has none (a short history)."""
    doy = _doys(first, values.shape[1])[:until]
    sums = np.zeros((values.shape[0], 366))
    counts = np.zeros((values.shape[0], 366))
    data = values[:, :until]
    ok = ~np.isnan(data)
    np.add.at(sums.T, doy, np.where(ok, data, 0.0).T)
    np.add.at(counts.T, doy, ok.T.astype(float))
    smooth_s, smooth_n = _circular_window(sums), _circular_window(counts)
    with np.errstate(all="ignore"):
        out = smooth_s / smooth_n
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        row_mean = np.nanmean(data, axis=1, keepdims=True)  # a day of year never seen: the row's mean
        row_mean = np.where(np.isnan(row_mean), np.nanmean(data), row_mean)  # a row never seen: all rows'
    return np.where(np.isnan(out), row_mean, out)


def _circular_window(a: Array) -> Array:
    """Each column's sum over the columns within CLIMATOLOGY_WINDOW of it, wrapping around the year."""
    w = CLIMATOLOGY_WINDOW
    padded = np.concatenate([a[:, -w:], a, a[:, :w]], axis=1)
    cum = np.concatenate([np.zeros((a.shape[0], 1)), np.cumsum(padded, axis=1)], axis=1)
    out: Array = cum[:, 2 * w + 1 :] - cum[:, : -(2 * w + 1)]
    return out


def _doys(first: date, n: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Day of year (0-365) of the n days from ``first``."""
    ordinal = first.toordinal()
    return np.array([date.fromordinal(ordinal + i).timetuple().tm_yday - 1 for i in range(n)], dtype=np.int64)


def features(series: Series, lead: int, clim: Array) -> Array:
    """Rows × issue days × FEATURES: the features of a forecast issued at the end of each day for the day
    ``lead`` days later (``clim``: rows × 366 climatology of the target)."""
    rows, days = series.pm25.shape
    p = series.pm25

    def lag(a: Array, k: int) -> Array:
        out = np.full_like(a, np.nan)
        out[:, k:] = a[:, : days - k] if k else a
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        week = np.nanmean(np.stack([lag(p, k) for k in range(7)]), axis=0)
        last6 = np.nanmean(series.hourly[:, :, 18:], axis=2)
        before6 = np.nanmean(series.hourly[:, :, 12:18], axis=2)
    met = series.met
    doy = _doys(series.first, days + lead)[lead:]
    weekday = (np.arange(days) + series.first.weekday() + lead) % 7
    angle = 2 * np.pi * doy / 365.25
    target_clim = clim[:, doy]
    columns = [
        p, lag(p, 1), lag(p, 2), lag(p, 3), week, series.aqi,
        series.hourly[:, :, 23], last6, last6 - before6,
        *(met[:, :, i] for i in range(len(MET))), met[:, :, 1] - lag(met[:, :, 1], 1),
        np.broadcast_to(np.sin(angle), (rows, days)), np.broadcast_to(np.cos(angle), (rows, days)),
        np.broadcast_to(weekday.astype(float), (rows, days)), target_clim,
    ]  # fmt: skip
    return np.stack(columns, axis=2)


def targets(values: Array, lead: int) -> Array:
    """Rows × issue days: the value ``lead`` days after each issue day (NaN past the end)."""
    out = np.full_like(values, np.nan)
    out[:, : values.shape[1] - lead] = values[:, lead:]
    return out


def informative(x: Array) -> list[int]:
    """The feature columns with at least two distinct values (a site without a barometer has no pressure:
    the regressor learns nothing from a column that is all missing or constant)."""
    out = []
    for i in range(x.shape[1]):
        column = x[:, i][~np.isnan(x[:, i])]
        if column.size and column.min() < column.max():
            out.append(i)
    return out


def regressor() -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(
        max_iter=150, learning_rate=0.08, max_leaf_nodes=15, min_samples_leaf=20, l2_regularization=1.0,
        early_stopping=False, random_state=0,
    )  # fmt: skip


@dataclass
class Model:
    """The trained regressors and what they need to predict: climatologies per row, training span."""

    trained_until: date  # the last day whose value was used
    first: date
    stations: list[str]
    regressors: dict[str, HistGradientBoostingRegressor] = field(default_factory=dict)  # "scope/target/lead"
    columns: dict[str, list[int]] = field(default_factory=dict)  # the features each regressor reads
    climatology: dict[str, Array] = field(default_factory=dict)  # "scope/target" -> rows × 366
    seconds: float = 0.0
    samples: dict[str, int] = field(default_factory=dict)

    def clim(self, scope: str, target: str, rows: list[str]) -> Array:
        """Climatology rows for ``rows``: a station the model has not seen gets the city's."""
        if scope == "city":
            return self.climatology[f"city/{target}"]
        table = self.climatology[f"stations/{target}"]
        index = {name: i for i, name in enumerate(self.stations)}
        city = self.climatology[f"city/{target}"][0]
        return np.stack([table[index[r]] if r in index else city for r in rows]) if rows else table[:0]

    def predict(self, scope: str, target: str, lead: int, series: Series) -> Array:
        """Rows × issue days: forecasts for each day + lead (NaN where the issue day has no PM2.5)."""
        x = features(series, lead, self.clim(scope, target, series.rows))
        key = f"{scope}/{target}/{lead}"
        flat = x.reshape(-1, x.shape[2])[:, self.columns[key]]
        with threadpool_limits(THREADS):
            out = self.regressors[key].predict(flat).reshape(x.shape[:2])
        return np.where(np.isnan(series.pm25), np.nan, np.maximum(out, 0.0))


def train(stations: Series, until: date) -> Model:
    """Train every scope, target and lead on the days up to ``until`` (targets after it are not used)."""
    began = time.perf_counter()
    stop = min(stations.index(until) + 1, stations.days)
    if stop < 60:
        raise ModelError(f"{stop} days of history up to {until}: the model needs at least 60")
    model = Model(trained_until=until, first=stations.first, stations=list(stations.rows))
    city = stations.city()
    for scope, series in (("city", city), ("stations", stations)):
        for target in TARGETS:
            values = series.pm25 if target == "pm25" else series.aqi
            clim = climatology(values, series.first, stop)
            model.climatology[f"{scope}/{target}"] = clim
            for lead in LEADS:
                x = features(series, lead, clim)[:, : stop - lead]
                y = targets(values, lead)[:, : stop - lead]
                keep = ~np.isnan(y) & ~np.isnan(x[:, :, 0])
                if keep.sum() < 30:
                    raise ModelError(f"too few days with PM2.5 to train ({int(keep.sum())})")
                used = informative(x[keep])
                with threadpool_limits(THREADS):
                    reg = regressor().fit(x[keep][:, used], y[keep])
                model.regressors[f"{scope}/{target}/{lead}"] = reg
                model.columns[f"{scope}/{target}/{lead}"] = used
                model.samples[f"{scope}/{target}/{lead}"] = int(keep.sum())
    model.seconds = time.perf_counter() - began
    return model


# -- the model directory --------------------------------------------------------------------------------


def manifest_path(directory: Path) -> Path:
    return directory / MANIFEST


def read_manifest(directory: Path) -> dict[str, Any]:
    path = manifest_path(directory)
    if not path.is_file():
        raise ModelError(f"no forecast model in {directory}: run `python -m console.hub forecast train`")
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path} cannot be read ({exc}): run `forecast train` again") from None
    if not isinstance(found, dict):
        raise ModelError(f"{path} is not a forecast manifest: run `forecast train` again")
    return found


def check_version(found: dict[str, Any], where: Path) -> None:
    """Refuse a model from another file format or scikit-learn version, saying which."""
    fmt, version = found.get("format"), found.get("sklearn")
    if fmt != FORMAT or version != sklearn.__version__:
        raise ModelError(
            f"{where} holds a model of format {fmt} written with scikit-learn {version}; this hub reads "
            f"format {FORMAT} with scikit-learn {sklearn.__version__}: run `python -m console.hub forecast "
            "train` again"
        )


def save(model: Model, directory: Path) -> dict[str, Any]:
    """Write the model as the next version in ``directory`` and point the manifest at it."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        version = int(read_manifest(directory).get("version", 0)) + 1
    except ModelError:
        version = 1
    name = f"model-{version:04d}.joblib"
    header = {"format": FORMAT, "sklearn": sklearn.__version__, "version": version}
    joblib.dump({**header, "model": model}, directory / name)
    manifest = {
        **header,
        "file": name,
        "trained_until": model.trained_until.isoformat(),
        "trained_at": time.time(),
        "train_seconds": round(model.seconds, 2),
        "stations": model.stations,
        "features": list(FEATURES),
        "leads": list(LEADS),
        "samples": model.samples,
        "figures": None,
    }
    write_manifest(directory, manifest)
    return manifest


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    tmp = manifest_path(directory).with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    tmp.replace(manifest_path(directory))


def load_model(directory: Path) -> tuple[Model, dict[str, Any]]:
    """The current model and its manifest; ModelError with the reason and the remedy."""
    manifest = read_manifest(directory)
    check_version(manifest, manifest_path(directory))
    path = directory / str(manifest.get("file", ""))
    try:
        found = joblib.load(path)
    except Exception as exc:  # a truncated or foreign file: any unpickling error
        raise ModelError(f"{path} cannot be read ({exc}): run `forecast train` again") from None
    if not isinstance(found, dict) or not isinstance(found.get("model"), Model):
        raise ModelError(f"{path} is not a forecast model: run `forecast train` again")
    check_version(found, path)
    return found["model"], manifest
