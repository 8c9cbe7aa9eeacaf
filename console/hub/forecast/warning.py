"""Heavy-pollution early warnings: proposed by the hub when the forecast crosses a level's threshold,
issued or rejected by a leader, ended by command or when their end day has passed; every step audited.

Levels and defaults after Beijing's heavy-pollution emergency plan (北京市空气重污染应急预案, 2023 revision):

- yellow (黄色): daily AQI > 200 forecast for 2 days or more;
- orange (橙色): daily AQI > 200 forecast for 3 days or more;
- red (红色): daily AQI > 200 for 4 days or more and AQI > 300 for 2 days or more, or AQI >= 500 for 1 day.

A site may set other thresholds and durations in DATA/forecast/warning_levels.toml (``load_levels``). The
forecast of a day is the official one when imported (the upper end of its AQI range), else the local
model's: from day +2 on the local model has no verified skill (docs/forecast.md), which is why official
forecasts count first.
"""

from __future__ import annotations

import json
import time
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from console.core.incidents import Role

ISSUERS = frozenset({Role.LEADER, Role.ADMIN})  # who may issue, reject and end a warning
STATES = ("proposed", "issued", "rejected", "ended")
# action -> (states it applies to, state after)
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "issue": (("proposed",), "issued"),
    "reject": (("proposed",), "rejected"),
    "end": (("issued",), "ended"),
}
MEASURES = {
    "yellow": "建议性减排措施; advisory emission cuts, outdoor work reduced",
    "orange": "强制性减排措施; mandatory emission cuts, construction earthworks stopped",
    "red": "强制性减排措施, 重型车辆限行; mandatory cuts, heavy vehicles restricted, schools may close",
}


@dataclass(frozen=True)
class Condition:
    """AQI above ``above`` (or at least ``at_least``) on ``days`` consecutive days."""

    days: int
    above: float | None = None
    at_least: float | None = None

    def met(self, aqis: list[float]) -> bool:
        run = best = 0
        for value in aqis:
            ok = (self.above is None or value > self.above) and (
                self.at_least is None or value >= self.at_least
            )
            run = run + 1 if ok else 0
            best = max(best, run)
        return best >= self.days


@dataclass(frozen=True)
class Level:
    """A warning level: met when all the conditions of any of its alternatives are met."""

    name: str
    rank: int
    alternatives: tuple[tuple[Condition, ...], ...]

    def met(self, aqis: list[float]) -> bool:
        return any(all(c.met(aqis) for c in group) for group in self.alternatives)


DEFAULT_LEVELS = (
    Level("yellow", 1, ((Condition(2, above=200),),)),
    Level("orange", 2, ((Condition(3, above=200),),)),
    Level("red", 3, ((Condition(4, above=200), Condition(2, above=300)), (Condition(1, at_least=500),))),
)
LEVELS_FILE = "warning_levels.toml"  # in DATA/forecast: a site's own thresholds and durations


def load_levels(path: Path) -> tuple[Level, ...]:
    """The levels of a TOML file, or the plan's defaults when there is none. Each of ``yellow``, ``orange``
    and ``red`` it names replaces the default: ``when`` lists alternatives, each a list of conditions
    ``{days = N, above = AQI}`` or ``{days = N, at_least = AQI}``. ValueError naming the file and level."""
    if not path.is_file():
        return DEFAULT_LEVELS
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot be read ({exc})") from None
    unknown = set(raw) - {lv.name for lv in DEFAULT_LEVELS}
    if unknown:
        raise ValueError(f"{path}: unknown level {sorted(unknown)[0]!r}; the levels are yellow, orange, red")
    out = []
    for default in DEFAULT_LEVELS:
        entry = raw.get(default.name)
        if entry is None:
            out.append(default)
            continue
        try:
            groups = tuple(
                tuple(
                    Condition(int(c["days"]), _number(c.get("above")), _number(c.get("at_least")))
                    for c in group
                )
                for group in entry["when"]
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ValueError(
                f"{path}: [{default.name}] needs when = [[{{days = N, above = AQI}}, ...], ...]"
            ) from None
        if not groups or any(not g or any(c.days < 1 for c in g) for g in groups):
            raise ValueError(f"{path}: [{default.name}] needs at least one condition of 1 day or more")
        out.append(Level(default.name, default.rank, groups))
    return tuple(out)


def _number(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(value)
    return float(value)


def daily_aqi(local: list[dict[str, Any]], official: list[dict[str, Any]]) -> dict[str, tuple[float, str]]:
    """Valid day -> (forecast AQI, its source): the official forecast's upper end where one is imported
    (the highest of its areas), the local model's elsewhere."""
    out: dict[str, tuple[float, str]] = {e["valid_date"]: (float(e["aqi"]), "local model") for e in local}
    for f in official:
        day = str(f["valid_date"])
        if day not in out or out[day][1] == "local model" or float(f["aqi_high"]) > out[day][0]:
            out[day] = (float(f["aqi_high"]), str(f["source"]))
    return out


def propose(days: dict[str, tuple[float, str]], levels: tuple[Level, ...] = DEFAULT_LEVELS) -> Level | None:
    """The highest level the consecutive forecast days (from the first one) meet, or None."""
    ordered = sorted(days)
    run: list[float] = []
    for i, day in enumerate(ordered):
        if i and date.fromisoformat(day) != date.fromisoformat(ordered[i - 1]) + timedelta(days=1):
            break  # a gap: the days after it are not consecutive with the first
        run.append(days[day][0])
    met = [level for level in levels if level.met(run)]
    return max(met, key=lambda level: level.rank) if met else None


metadata = sa.MetaData()
warnings_table = sa.Table(
    "forecast_warnings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("level", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("start", sa.Text, nullable=False),  # first local day
    sa.Column("end", sa.Text, nullable=False),  # last local day (it ends after it)
    sa.Column("measures", sa.Text, nullable=False),
    sa.Column("basis", sa.Text, nullable=False),  # JSON: the forecast days that made the proposal
    sa.Column("created", sa.Float, nullable=False),
)
warning_audit = sa.Table(
    "forecast_warning_audit",
    metadata,
    sa.Column("warning", sa.Integer, primary_key=True),
    sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("from_state", sa.Text, nullable=False),
    sa.Column("to_state", sa.Text, nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
)


class WarningError(Exception):
    """A command that cannot be done: ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _audit(conn: sa.Connection, warning: int, actor: str, role: str, action: str, states: tuple[str, str],
           comment: str, now: float) -> None:  # fmt: skip
    n = conn.scalar(sa.select(sa.func.count()).where(warning_audit.c.warning == warning)) or 0
    conn.execute(warning_audit.insert().values(warning=warning, n=n + 1, ts=now, actor=actor, role=role,
                                               action=action, from_state=states[0], to_state=states[1],
                                               comment=comment))  # fmt: skip


def record_proposal(
    engine: sa.Engine, days: dict[str, tuple[float, str]], levels: tuple[Level, ...] = DEFAULT_LEVELS,
    now: float | None = None,
) -> dict[str, Any] | None:  # fmt: skip
    """Propose a warning when the forecast meets a level and no open warning (proposed or issued) of that
    level or higher covers its first day; returns the new warning or None."""
    level = propose(days, levels)
    if level is None:
        return None
    metadata.create_all(engine)
    now = time.time() if now is None else now
    start, end = min(days), max(days)
    rank = {lv.name: lv.rank for lv in levels}
    c = warnings_table.c
    with engine.begin() as conn:
        open_ = conn.execute(
            sa.select(c.level).where(c.state.in_(("proposed", "issued")), c.start <= start, c.end >= start)
        ).scalars()
        if any(rank.get(name, 0) >= level.rank for name in open_):
            return None
        basis = json.dumps({day: list(value) for day, value in sorted(days.items())}, ensure_ascii=False)
        inserted = conn.execute(
            warnings_table.insert().values(level=level.name, state="proposed", start=start, end=end,
                                           measures=MEASURES.get(level.name, ""), basis=basis, created=now)
        ).inserted_primary_key  # fmt: skip
        ident = int(inserted[0]) if inserted is not None else 0
        _audit(conn, int(ident), "system", "system", "propose", ("", "proposed"), "", now)
    return get(engine, int(ident))


def command(
    engine: sa.Engine, ident: int, action: str, actor: str, role: Role, comment: str = "",
    now: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Issue, reject or end a warning, audited; WarningError (403, 404, 409, 400) when it cannot be done."""
    if action not in ACTIONS:
        raise WarningError(400, f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    if role not in ISSUERS:
        raise WarningError(403, f"a {role} may not {action} a warning (leaders and admins may)")
    metadata.create_all(engine)
    now = time.time() if now is None else now
    allowed, after = ACTIONS[action]
    with engine.begin() as conn:
        state = conn.scalar(sa.select(warnings_table.c.state).where(warnings_table.c.id == ident))
        if state is None:
            raise WarningError(404, f"no warning {ident}")
        if state not in allowed:
            raise WarningError(409, f"warning {ident} is {state}: it cannot be {action}d")
        conn.execute(sa.update(warnings_table).where(warnings_table.c.id == ident).values(state=after))
        _audit(conn, ident, actor, str(role), action, (state, after), comment, now)
    return get(engine, ident)


def expire(engine: sa.Engine, today: date, now: float | None = None) -> int:
    """End the issued warnings whose last day is before ``today`` (audited as the system); how many."""
    metadata.create_all(engine)
    now = time.time() if now is None else now
    c = warnings_table.c
    with engine.begin() as conn:
        due = list(conn.scalars(sa.select(c.id).where(c.state == "issued", c.end < today.isoformat())))
        for ident in due:
            conn.execute(sa.update(warnings_table).where(c.id == ident).values(state="ended"))
            _audit(conn, ident, "system", "system", "expire", ("issued", "ended"), "its last day passed", now)
    return len(due)


def get(engine: sa.Engine, ident: int) -> dict[str, Any]:
    found = listing(engine, ident)
    if not found:
        raise WarningError(404, f"no warning {ident}")
    return found[0]


def listing(engine: sa.Engine, ident: int | None = None) -> list[dict[str, Any]]:
    """Warnings, newest first, each with its audit trail."""
    metadata.create_all(engine)
    c, a = warnings_table.c, warning_audit.c
    query = sa.select(warnings_table).order_by(c.id.desc())
    if ident is not None:
        query = query.where(c.id == ident)
    with engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(query).mappings()]
        for row in rows:
            row["basis"] = json.loads(row["basis"])
            trail = conn.execute(sa.select(warning_audit).where(a.warning == row["id"]).order_by(a.n))
            row["audit"] = [{k: v for k, v in entry.items() if k != "warning"} for entry in trail.mappings()]
    return rows
