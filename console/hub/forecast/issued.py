"""Every local forecast the hub issues, as it was issued, in the hub database: a replay shows what was
forecast before its moment, not what today's model makes of those days.

A forecast is issued when the hub starts, at each hourly check whose forecast differs from the last one
stored (a new day finished, a new model version) and after each re-training. A row holds the issue time, the
model version, the day it was issued at the end of and the whole local answer of ``/api/forecast`` (per lead
the city and per station values, level, the skill figures shown with it, the model's description) as JSON.
"""

from __future__ import annotations

import json
import time
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()
issued_forecasts = sa.Table(
    "forecast_issued",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("issued_at", sa.Float, nullable=False, index=True),  # Unix time
    sa.Column("issued_for_day", sa.Text, nullable=False),  # ISO local day whose end it forecasts from
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the local answer as served then, JSON
)


def create(engine: sa.Engine) -> None:
    """The table (SQLite and PostgreSQL), if missing."""
    metadata.create_all(engine)


def _key(local: dict[str, Any]) -> tuple[str, int]:
    return str(local["issued_for_day"]), int(local["model"]["version"])


def _comparable(body: dict[str, Any]) -> str:
    """The body without what changes between two computations of the same forecast."""
    return json.dumps({k: v for k, v in body.items() if k not in ("issued_at", "as_issued")}, sort_keys=True)


def record(engine: sa.Engine, local: dict[str, Any], now: float | None = None) -> bool:
    """Store ``local`` (the local part of a forecast answer) as issued at ``now`` unless the newest stored
    forecast is the same (same day, model version and figures); True when stored."""
    create(engine)
    now = time.time() if now is None else now
    day, version = _key(local)
    c = issued_forecasts.c
    body = {k: v for k, v in local.items() if k not in ("issued_at", "as_issued")}
    with engine.begin() as conn:
        last = conn.execute(
            sa.select(c.body).where(c.issued_at <= now).order_by(c.issued_at.desc(), c.id.desc()).limit(1)
        ).scalar()
        if last is not None and _comparable(json.loads(last)) == _comparable(body):
            return False
        conn.execute(
            issued_forecasts.insert().values(
                issued_at=now, issued_for_day=day, model_version=version, body=json.dumps(body)
            )
        )
    return True


def _row(row: Any) -> dict[str, Any]:
    return {**json.loads(row.body), "issued_at": float(row.issued_at), "as_issued": True}


def at(engine: sa.Engine, moment: float) -> dict[str, Any] | None:
    """The newest local forecast issued at or before ``moment``, as it was issued (``issued_at`` and
    ``as_issued`` added); None when none was stored by then."""
    create(engine)
    c = issued_forecasts.c
    query = sa.select(issued_forecasts).where(c.issued_at <= moment)
    with engine.connect() as conn:
        row = conn.execute(query.order_by(c.issued_at.desc(), c.id.desc()).limit(1)).first()
    return None if row is None else _row(row)


def between(engine: sa.Engine, first: float, last: float) -> list[dict[str, Any]]:
    """The local forecasts in force during ``first`` … ``last``: the one issued last before ``first`` and
    every one issued up to ``last``, oldest first (what an episode file carries)."""
    create(engine)
    c = issued_forecasts.c
    before = at(engine, first)
    query = sa.select(issued_forecasts).where((c.issued_at > first) & (c.issued_at <= last))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(c.issued_at, c.id)).all()
    return ([before] if before is not None else []) + [_row(r) for r in rows]


def newest_in(forecasts: list[dict[str, Any]], moment: float) -> dict[str, Any] | None:
    """Of forecasts as ``between`` gives them, the newest issued at or before ``moment``."""
    found = [f for f in forecasts if float(f.get("issued_at", 0.0)) <= moment]
    return max(found, key=lambda f: float(f["issued_at"])) if found else None
