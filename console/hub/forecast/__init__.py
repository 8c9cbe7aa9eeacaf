"""Air-quality forecasts: a local model trained on the hub's own history, verified against persistence and
climatology, and official forecasts imported from file (docs/forecast.md).

- ``series``: the daily and hourly series the model reads (daily values by GB 3095, meteorology).
- ``model``: features, one gradient-boosting model per lead day, the versioned model file and manifest.
- ``skill``: verification figures (RMSE, MAE, AQI-level accuracy, POD and FAR of heavy days).
- ``official``: the official forecast file format and its table in the hub database.
- ``cli``: ``python -m console.hub forecast train|verify|import``; ``rest``: ``GET /api/forecast``.
"""
