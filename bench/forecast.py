"""Forecast benchmark: training on 4 years × 12 stations, prediction for 1,000 stations.

Synthetic series of the size of the UCI Beijing set (12 stations, 2013-03 … 2017-02, daily PM2.5 and AQI,
24 hourly means a day, six meteorology columns): the time to train every model (city and stations, PM2.5
and AQI, leads +1 … +3 days; console/hub/forecast/model.py). Then a forecast issued for 1,000 stations
(the 10 days of history a forecast reads, every lead and target): the time of the prediction alone.

With ``--data-dir D`` (a hub data directory with history, e.g. the PRSA import), also the time to read the
history from the hub database and train on it, end to end as ``forecast train`` does, into a temporary
model directory.

Usage: python bench/forecast.py [--stations 1000] [--data-dir D]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.hub.forecast import model as fm
from console.hub.forecast import service
from console.hub.forecast.series import MET, Series
from console.hub.storage import Storage

FIRST = date(2013, 3, 1)
DAYS = 1461  # 2013-03-01 … 2017-02-28


def synthetic(rows: int, days: int, seed: int = 3) -> Series:
    """A seasonal PM2.5 cycle with episodes driven by humidity and wind, noise, meteorology."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    season = 80 + 40 * np.cos(2 * np.pi * (t - 300) / 365.25)
    humidity = rng.uniform(15, 95, (rows, days))
    wind = rng.gamma(2.0, 1.2, (rows, days))
    pm25 = np.maximum(season + 1.5 * (np.roll(humidity, 1, axis=1) - 55) - 10 * np.roll(wind, 1, axis=1)
                      + rng.normal(0, 20, (rows, days)), 3)  # fmt: skip
    aqi = np.where(pm25 <= 75, pm25 * 100 / 75, 100 + (pm25 - 75) * 100 / 75)
    hourly = pm25[:, :, None] + rng.normal(0, 10, (rows, days, 24))
    met = rng.normal(0, 1, (rows, days, len(MET)))
    met[:, :, MET.index("humidity")] = humidity
    met[:, :, MET.index("wind_speed")] = wind
    return Series([f"S{i:04d}" for i in range(rows)], FIRST, pm25, aqi, hourly, met)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stations", type=int, default=1000, help="stations to forecast for (default 1000)")
    p.add_argument("--data-dir", type=Path, help="a hub data directory with history: train on it too")
    args = p.parse_args()
    history = synthetic(12, DAYS)
    began = time.perf_counter()
    model = fm.train(history, history.day(DAYS - 1))
    train_s = time.perf_counter() - began
    print(f"train: 12 stations × {DAYS} days, {len(model.regressors)} models: {train_s:.1f} s")
    network = synthetic(args.stations, service.LAG_DAYS + 1, seed=4)
    began = time.perf_counter()
    for scope, rows in (("city", network.city()), ("stations", network)):
        for target in fm.TARGETS:
            for lead in fm.LEADS:
                found = model.predict(scope, target, lead, rows)[:, -1]
                assert not np.isnan(found).any()
    predict_s = time.perf_counter() - began
    print(f"predict: {args.stations} stations and the city, {len(fm.LEADS)} leads × PM2.5 and AQI: "
          f"{predict_s * 1000:.0f} ms")  # fmt: skip
    figures = {"train_s": round(train_s, 2), "stations": args.stations, "predict_s": round(predict_s, 3)}
    if args.data_dir is not None:
        storage = Storage(f"sqlite:///{args.data_dir / 'hub.db'}")
        with tempfile.TemporaryDirectory() as tmp:
            began = time.perf_counter()
            manifest = service.train(storage, Path(tmp))
            figures["hub_train_s"] = round(time.perf_counter() - began, 2)
            figures["hub_fit_s"] = manifest["train_seconds"]
        storage.close()
        print(f"from {args.data_dir}: read and train {figures['hub_train_s']} s "
              f"(of which fitting {figures['hub_fit_s']} s)")  # fmt: skip
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
