"""The briefing's pages: each page's title and its parts (one per screen on a wall of three), built from a
Snapshot. What is missing is said in words, never shown as a zero.

Over 500 lines because every page's words live in one QObject (one translation context, one place that
says how a missing figure reads); each builder method is short.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from console.core.briefing import OPEN_STAGES, ForecastDay
from console.core.report_figures import MIN_DAYS_PER_MONTH
from console.viewmodels.briefing import Snapshot
from console.widgets import theme
from console.widgets.briefing_parts import FigureCard, LevelCard, LevelDays, Message, Table
from console.widgets.incident_words import incident_title, span, state_word

TERMS = ("PM2.5", "PM10", "O3", "NO2", "SO2", "CO")
FIGURES = (  # report field, decimals; the words are in BriefingPages.figure_word
    ("good_day_ratio", 1),
    ("good_days", 0),
    ("heavy_days", 0),
    ("composite_index", 2),
    ("pm25_mean", 0),
    ("pm10_mean", 0),
    ("o3_8h_p90", 0),
    ("no2_mean", 0),
    ("so2_mean", 0),
    ("co_p95", 1),
)


def number(value: float | None, decimals: int = 0) -> str:
    """A figure as printed, or — when there is none."""
    return "—" if value is None else f"{value:.{decimals}f}"


def percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio * 100:.1f}%"


def level_of(report: dict[str, Any] | None) -> int | None:
    """The level of a one-day report's valid day, None when the day is not valid."""
    if not report or not report.get("valid_days"):
        return None
    levels = [int(k) for k, n in report.get("days_by_level", {}).items() if n]
    return max(levels) if levels else None


class BriefingPages(QObject):
    """Builds the parts of each page; ``rows`` is how many table rows a screen holds at the leaders' size."""

    def __init__(self, rows: int = 8) -> None:
        super().__init__()
        self.rows = max(3, rows)

    def titles(self) -> dict[str, str]:
        return {
            "overview": self.tr("Air quality overview"),
            "ranking": self.tr("Ranking by composite index"),
            "comparison": self.tr("Against last year"),
            "problems": self.tr("Open problems"),
            "forecast": self.tr("Forecast and warnings"),
            "topic": self.tr("Topic: heavy pollution"),
        }

    def build(self, page: str, snap: Snapshot) -> list[QWidget]:
        """The parts of a page, in screen order (left to right)."""
        if not snap.loaded:
            loading = self.tr("Fetching the figures from the hub…")
            return [Message(self.titles()[page], loading)]
        builders: dict[str, Callable[[Snapshot], list[QWidget]]] = {
            "overview": self._overview,
            "ranking": self._ranking,
            "comparison": self._comparison,
            "problems": self._problems,
            "forecast": self._forecast,
            "topic": self._topic,
        }
        return builders[page](snap)

    def period_words(self, snap: Snapshot) -> tuple[str, str]:
        """How the month and the year of the snapshot are named (to date unless whole)."""
        day = snap.as_of
        month = self.tr("{m} (to {d})").format(m=f"{day:%Y-%m}", d=f"{day:%m-%d}")
        year = self.tr("{y} (to {d})").format(y=day.year, d=f"{day:%m-%d}")
        if snap.periods.month[0] == "monthly":
            month = f"{day:%Y-%m}"
        if snap.periods.year[0] == "annual":
            year = str(day.year)
        return month, year

    # --- overview ------------------------------------------------------------------------------------------

    def _overview(self, snap: Snapshot) -> list[QWidget]:
        return [self._now_card(snap), self._good_days_card(snap), self._pm25_card(snap)]

    def _now_card(self, snap: Snapshot) -> QWidget:
        city, day = snap.city, snap.report("day")
        level = level_of(day)
        if level is None:
            today = self.tr("Daily level of {d}: not complete yet").format(d=snap.as_of.isoformat())
        else:
            today = self.tr("Daily level of {d}: {w}").format(
                d=snap.as_of.isoformat(), w=theme.category_word(level)
            )
        if city.aqi is not None:
            current = theme.aqi_category(city.aqi).level
            primary = ", ".join(city.primary) or self.tr("none")
            clock = theme.local_time(city.ts).strftime("%H:%M") if city.ts else "—"
            notes = [
                self.tr("Primary pollutant: {p}").format(p=primary),
                self.tr("as of {t}").format(t=clock),
                today,
            ]
            return LevelCard(self.tr("City AQI now"), city.aqi, current, theme.category_word(current), notes)
        if level is not None:
            note = self.tr("No live readings: the briefing speaks of a past day.")
            if snap.as_of == _today(snap):
                note = self.tr("No live readings from the standard stations now.")
            caption = self.tr("Air quality on {d}").format(d=snap.as_of.isoformat())
            day = day or {}
            values = [
                f"PM2.5 {number(day.get('pm25_mean'))} · PM10 {number(day.get('pm10_mean'))} µg/m³",
                f"NO2 {number(day.get('no2_mean'))} · SO2 {number(day.get('so2_mean'))} µg/m³",
                self.tr("O3 8 h {o} µg/m³ · CO {c} mg/m³").format(
                    o=number(day.get("o3_8h_p90")), c=number(day.get("co_p95"), 1)
                ),
            ]
            return LevelCard(caption, None, level, theme.category_word(level), [note, *values])
        detail = today if not snap.errors.get("day") else snap.errors["day"]
        return Message(self.tr("City AQI now"), self.tr("No live readings and no valid daily value."), detail)

    def _good_days_card(self, snap: Snapshot) -> QWidget:
        month, year = snap.report("month"), snap.report("year")
        caption = self.tr("Good-day ratio")
        if not year or not year.get("valid_days"):
            return self._missing(caption, year, snap.errors.get("year"))
        month_name, year_name = self.period_words(snap)
        notes = [
            self.tr("{y}: {g} good days of {v} valid").format(
                y=year_name, g=year["good_days"], v=year["valid_days"]
            )
        ]
        notes.append(self._ratio_change(year, self.tr("Last year")))
        if month and month.get("valid_days"):
            notes.append(self.tr("{m}: {r}").format(m=month_name, r=percent(month["good_day_ratio"])))
            notes.append(self._ratio_change(month, self.tr("Same month last year")))
        if snap.good_days is not None:
            g = snap.good_days
            if g.needed == 0:
                notes.append(
                    self.tr("Target {t}: met ({n} good days needed)").format(
                        t=percent(g.target), n=g.target_days
                    )
                )
            elif g.short:
                notes.append(
                    self.tr("Target {t}: {s} days short even if every day left is good").format(
                        t=percent(g.target), s=g.short
                    )
                )
            else:
                notes.append(
                    self.tr("Target {t}: {n} more good days needed in {d} days left").format(
                        t=percent(g.target), n=g.needed, d=g.days_left
                    )
                )
        return FigureCard(caption + f" · {year_name}", percent(year["good_day_ratio"]), "", notes)

    def _ratio_change(self, report: dict[str, Any], words: str) -> str:
        change = report.get("yoy", {}).get("good_day_ratio") or {}
        if change.get("previous") is None:
            return self.tr("{w}: no figure").format(w=words)
        delta = change["delta"] * 100
        return self.tr("{w}: {r} ({d:+.1f} points)").format(w=words, r=percent(change["previous"]), d=delta)

    def _pm25_card(self, snap: Snapshot) -> QWidget:
        year = snap.report("year")
        caption = self.tr("PM2.5 cumulative mean")
        if not year:
            return self._missing(caption, year, snap.errors.get("year"))
        progress = next((p for p in year.get("progress", []) if p["pollutant"] == "PM2.5"), None)
        if progress is None or progress["ytd_mean"] is None:
            return self._missing(caption, year, None)
        before = (year.get("yoy", {}).get("pm25_mean") or {}).get("previous")
        notes = [
            self.tr("Target {t} µg/m³ (last year {b})").format(
                t=number(progress["target"]), b=number(before)
            ),
        ]
        if progress["allowed_mean"] is None:
            notes.append(self.tr("The year is over: no days remaining."))
        elif progress["allowed_mean"] < 0:
            notes.append(
                self.tr("Target out of reach for the {n} days left").format(n=progress["days_remaining"])
            )
        else:
            notes.append(
                self.tr("Remaining {n} days may average at most {a} µg/m³").format(
                    n=progress["days_remaining"], a=number(progress["allowed_mean"])
                )
            )
        state = self.tr("on track") if progress["on_track"] else self.tr("above target")
        notes.append(self.tr("{n} valid days · {s}").format(n=progress["days_counted"], s=state))
        return FigureCard(caption, number(progress["ytd_mean"]), "µg/m³", notes)

    # --- ranking -------------------------------------------------------------------------------------------

    def _ranking(self, snap: Snapshot) -> list[QWidget]:
        month_name, year_name = self.period_words(snap)
        parts = []
        for key, name in (("month", month_name), ("year", year_name)):
            parts.append(self._ranking_table(snap.report(key), name, snap.errors.get(key)))
        parts.append(self._city_terms(snap))
        return parts

    def _places(self, report: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
        """Townships, or the stations when the figures have fewer than two townships."""
        townships = [t for t in report.get("townships", []) if t.get("key")]
        if len(townships) >= 2:
            return townships, self.tr("Township")
        return list(report.get("station_figures", [])), self.tr("Station")

    def _ranking_table(self, report: dict[str, Any] | None, period: str, error: str | None) -> QWidget:
        caption = self.tr("Composite index · {p}").format(p=period)
        if not report or not report.get("valid_days"):
            return self._missing(caption, report, error)
        places, word = self._places(report)
        ranked = [p for p in places if p.get("composite_index") is not None]
        if not ranked:
            return Message(
                caption, self.tr("No place has a complete composite index yet."), self._completeness(report)
            )
        shown = _best_and_worst(list(enumerate(ranked, 1)), self.rows)
        rows = []
        for n, place in shown:
            if place is None:
                rows.append(["⋯", "", *("" for _ in TERMS)])
                continue
            terms = place.get("composite_terms", {})
            name = f"{n} {place['name'] or place['key']}"
            rows.append(
                [name, number(place["composite_index"], 2), *(number(terms.get(t), 2) for t in TERMS)]
            )
        notes = [self.tr("Lower is better.")]
        if len(places) > len(ranked):
            notes.append(self.tr("{n} without a complete index.").format(n=len(places) - len(ranked)))
        note = " ".join(notes)
        return Table(caption, [word, self.tr("Index"), *TERMS], rows, note=note, strong_first=True)

    def _city_terms(self, snap: Snapshot) -> QWidget:
        month, year = snap.report("month"), snap.report("year")
        caption = self.tr("City composite index and its terms")
        if not (month or {}).get("valid_days") and not (year or {}).get("valid_days"):
            return self._missing(caption, month or year, snap.errors.get("month"))
        month_name, year_name = self.period_words(snap)
        rows = [
            [
                self.tr("Index"),
                number((month or {}).get("composite_index"), 2),
                number((year or {}).get("composite_index"), 2),
            ]
        ]
        for term in TERMS:
            rows.append(
                [
                    term,
                    number((month or {}).get("composite_terms", {}).get(term), 2),
                    number((year or {}).get("composite_terms", {}).get(term), 2),
                ]
            )
        rows = rows[: self.rows]
        note = self.tr("I = Σ C/S against the grade II annual limits (HJ 663); {c}.").format(
            c=self._dust_words(month or year or {})
        )
        return Table(caption, ["", month_name, year_name], rows, note=note, strong_first=True)

    def _dust_words(self, report: dict[str, Any]) -> str:
        if report.get("concentrations") == "dust deducted":
            return self.tr("dust days deducted")
        return self.tr("dust days included")

    # --- comparison ----------------------------------------------------------------------------------------

    def figure_word(self, field: str) -> str:
        return {
            "good_day_ratio": self.tr("Good-day ratio"),
            "good_days": self.tr("Good days"),
            "heavy_days": self.tr("Heavy-pollution days"),
            "pm25_mean": "PM2.5 µg/m³",
            "pm10_mean": "PM10 µg/m³",
            "o3_8h_p90": self.tr("O3 8 h P90 µg/m³"),
            "no2_mean": "NO2 µg/m³",
            "so2_mean": "SO2 µg/m³",
            "co_p95": self.tr("CO P95 mg/m³"),
            "composite_index": self.tr("Composite index"),
        }[field]

    def _comparison(self, snap: Snapshot) -> list[QWidget]:
        month_name, year_name = self.period_words(snap)
        return [
            self._compare_table(snap.report("month"), month_name, snap.errors.get("month")),
            self._compare_table(snap.report("year"), year_name, snap.errors.get("year")),
            self._level_days(snap.report("month"), month_name, snap.errors.get("month")),
        ]

    def _compare_table(self, report: dict[str, Any] | None, period: str, error: str | None) -> QWidget:
        caption = self.tr("{p} against last year").format(p=period)
        if not report or not report.get("valid_days"):
            return self._missing(caption, report, error)
        rows = []
        for field, decimals in FIGURES[: self.rows]:
            change = report.get("yoy", {}).get(field) or {}
            now, before = report.get(field), change.get("previous")
            if field == "good_day_ratio":
                cells = [percent(now), percent(before), self._points(change.get("delta"))]
            else:
                cells = [number(now, decimals), number(before, decimals), _relative(change, field)]
            rows.append([self.figure_word(field), *cells])
        note = self._completeness(report)
        return Table(caption, ["", self.tr("Now"), self.tr("Last year"), self.tr("Change")], rows, note=note)

    def _level_days(self, report: dict[str, Any] | None, period: str, error: str | None) -> QWidget:
        caption = self.tr("Days by level · {p}").format(p=period)
        if not report or not report.get("valid_days"):
            return self._missing(caption, report, error)
        rows = []
        for level in range(1, 7):
            count = report.get("days_by_level", {}).get(str(level), 0)
            rows.append((level, theme.category_word(level), str(count), ""))
        header = ["", self.tr("Days"), ""]
        return LevelDays(caption, header, rows)

    # --- problems ------------------------------------------------------------------------------------------

    def _problems(self, snap: Snapshot) -> list[QWidget]:
        return [self._problem_list(snap), self._problem_counts(snap), self._incident_loop(snap)]

    def _township(self, snap: Snapshot, code: str) -> str:
        return snap.township_names.get(code, code) or self.tr("(no township)")

    def _problem_list(self, snap: Snapshot) -> QWidget:
        caption = self.tr("Open problems · overdue first")
        problems = snap.problems
        if not problems.rows:
            return Message(caption, self.tr("No open problems."))
        rows, alert = [], []
        for n, p in enumerate(problems.rows[: self.rows]):
            late = (
                self.tr("{t} late").format(t=span(p.overdue_s))
                if p.overdue_s is not None
                else state_word(p.state)
            )
            if p.overdue_s is not None:
                alert.append(n)
            rows.append([incident_title(p.title, p.rule), self._township(snap, p.township), late])
        more = problems.total - len(rows)
        note = self.tr("{o} overdue of {t} open.").format(o=problems.overdue, t=problems.total)
        if more > 0:
            note += " " + self.tr("{n} more on the duty wall.").format(n=more)
        return Table(
            caption,
            [self.tr("Problem"), self.tr("Township"), self.tr("Stage")],
            rows,
            note=note,
            alert_rows=alert,
            elide={0: 3, 1: 2},
        )

    def _problem_counts(self, snap: Snapshot) -> QWidget:
        caption = self.tr("Open problems by township and stage")
        counts = snap.problems.by_township
        if not counts:
            return Message(caption, self.tr("No open problems."))
        late: dict[str, int] = {}
        for p in snap.problems.rows:
            late[p.township] = late.get(p.township, 0) + (p.overdue_s is not None)
        rows = [
            [self._township(snap, code), *(str(stages[s]) for s in OPEN_STAGES), str(late.get(code, 0))]
            for code, stages in list(counts.items())[: self.rows]
        ]
        header = [self.tr("Township"), *(state_word(s) for s in OPEN_STAGES), self.tr("Overdue")]
        alert = [n for n, row in enumerate(rows) if row[-1] != "0"]
        return Table(caption, header, rows, alert_rows=alert)

    def _incident_loop(self, snap: Snapshot) -> QWidget:
        caption = self.tr("The incident loop")
        month_name, year_name = self.period_words(snap)
        month, year = snap.report("month"), snap.report("year")
        if not month and not year:
            return self._missing(caption, None, snap.errors.get("month"))
        words = {
            "raised": self.tr("Raised"),
            "closed": self.tr("Closed"),
            "closed_on_time": self.tr("Closed on time"),
            "overdue": self.tr("Overdue"),
        }
        rows = [
            [
                word,
                str(((month or {}).get("incidents") or {}).get(k, "—")),
                str(((year or {}).get("incidents") or {}).get(k, "—")),
            ]
            for k, word in words.items()
        ]
        return Table(caption, ["", month_name, year_name], rows)

    # --- forecast and special topic ------------------------------------------------------------------------

    def _forecast(self, snap: Snapshot) -> list[QWidget]:
        caption = self.tr("Forecast")
        if snap.forecast:
            rows = [
                [f"{f.day:%m-%d}", theme.category_word(f.level), f.primary or "—", self._forecast_note(f)]
                for f in snap.forecast[: self.rows]
            ]
            header = [self.tr("Day"), self.tr("Level"), self.tr("Primary"), self.tr("Note")]
            from_hub = any(f.source or f.lead is not None for f in snap.forecast)
            note = (
                self.tr(
                    "Official: AQI range · source. Model: the share of held-back days whose level it got "
                    "right at that many days ahead."
                )
                if from_hub
                else self.tr("As issued by the forecasting office.")
            )
            first: QWidget = Table(caption, header, rows, note=note, elide={0: 1, 3: 2})
        else:
            first = Message(
                caption,
                self.tr("No forecast imported."),
                self.tr("A forecast shows here once the forecasting office's issue is added."),
            )
        if snap.warnings:
            words = {"yellow": self.tr("Yellow"), "orange": self.tr("Orange"), "red": self.tr("Red")}
            rows = [[words.get(w.level, w.level), f"{w.start:%m-%d} – {w.end:%m-%d}"] for w in snap.warnings]
            warnings: QWidget = Table(
                self.tr("Heavy-pollution warnings"), [self.tr("Level"), self.tr("In force")], rows,
                alert_rows=range(len(rows)),
            )  # fmt: skip
        else:
            warnings = Message(
                self.tr("Heavy-pollution warnings"),
                self.tr("No warning imported."),
                self.tr("Warnings in force show here once they are added."),
            )
        return [first, warnings, self._now_card(snap)]

    def _forecast_note(self, f: ForecastDay) -> str:
        """Where a forecast day comes from, the figure first: the official AQI range and its source, or the
        local model's verified level accuracy at that lead (the share of held-back days it was right)."""
        if f.lead is not None:
            if f.level_accuracy is None:
                return self.tr("Model · not verified")
            return self.tr("Model · {p} % right").format(p=round(f.level_accuracy * 100))
        if f.aqi_range is not None:
            return self.tr("AQI {low}–{high} · {source}").format(
                source=f.source, low=f.aqi_range[0], high=f.aqi_range[1]
            )
        return f.note

    def _topic(self, snap: Snapshot) -> list[QWidget]:
        month_name, year_name = self.period_words(snap)
        month, year = snap.report("month"), snap.report("year")
        caption = self.tr("Heavy-pollution days · {p}").format(p=month_name)
        if not month or not month.get("valid_days"):
            first: QWidget = self._missing(caption, month, snap.errors.get("month"))
        else:
            before = (month.get("yoy", {}).get("heavy_days") or {}).get("previous")
            notes = [self.tr("Same month last year: {n}").format(n=number(before))]
            if year:
                notes.append(
                    self.tr("{y}: {n} heavy-pollution days").format(y=year_name, n=year.get("heavy_days", 0))
                )
            notes.append(self.tr("AQI above 200 (levels 5 and 6)"))
            first = FigureCard(caption, str(month.get("heavy_days", 0)), self.tr("days"), notes)
        return [
            first,
            self._worst_places(month, month_name, snap.errors.get("month")),
            self._index_shares(month, month_name, snap.errors.get("month")),
        ]

    def _index_shares(self, report: dict[str, Any] | None, period: str, error: str | None) -> QWidget:
        caption = self.tr("What makes up the index · {p}").format(p=period)
        if not report or not report.get("valid_days"):
            return self._missing(caption, report, error)
        terms = report.get("composite_terms", {})
        total = sum(terms.values())
        if not terms or not total:
            return Message(caption, self.tr("No complete composite index yet."), self._completeness(report))
        ordered = sorted(terms.items(), key=lambda kv: -kv[1])
        rows = [[name, number(term, 2), f"{term / total * 100:.0f}%"] for name, term in ordered]
        header = ["", self.tr("C/S"), self.tr("Share")]
        return Table(caption, header, rows, note=self._dust_words(report), strong_first=True)

    def _worst_places(self, report: dict[str, Any] | None, period: str, error: str | None) -> QWidget:
        caption = self.tr("Highest PM2.5 · {p}").format(p=period)
        if not report or not report.get("valid_days"):
            return self._missing(caption, report, error)
        places, word = self._places(report)
        rows = sorted((p for p in places if p.get("pm25_mean") is not None), key=lambda p: -p["pm25_mean"])
        if not rows:
            return Message(caption, self.tr("No PM2.5 mean yet."), self._completeness(report))
        table = [
            [p["name"] or p["key"], number(p["pm25_mean"]), str(p.get("heavy_days", 0))]
            for p in rows[: self.rows]
        ]
        return Table(caption, [word, "PM2.5 µg/m³", self.tr("Heavy days")], table, strong_first=True)

    # --- missing -------------------------------------------------------------------------------------------

    def _missing(self, caption: str, report: dict[str, Any] | None, error: str | None) -> QWidget:
        if report is None:
            detail = error or self.tr("not fetched yet")
            return Message(caption, self.tr("The hub gave no figures."), detail)
        return Message(
            caption,
            self.tr("No valid day in this period yet."),
            self.tr("A day counts when all six pollutants have a valid daily value (20 hours)."),
        )

    def _points(self, delta: float | None) -> str:
        return "—" if delta is None else self.tr("{d:+.1f} points").format(d=delta * 100)

    def _completeness(self, report: dict[str, Any]) -> str:
        if report.get("complete", True):
            return self.tr("{n} valid days.").format(n=report.get("valid_days", 0))
        return self.tr("{n} valid days: statistics need {m} a month (—: not enough).").format(
            n=report.get("valid_days", 0), m=MIN_DAYS_PER_MONTH
        )


def _relative(change: dict[str, Any], field: str) -> str:
    if field in ("good_days", "heavy_days"):
        delta = change.get("delta")
        return "—" if delta is None else f"{delta:+.0f}"
    ratio = change.get("ratio")
    return "—" if ratio is None else f"{ratio * 100:+.1f}%"


def _best_and_worst(rows: list[tuple[int, Any]], room: int) -> list[tuple[int, Any]]:
    """All rows when they fit; else the best and the worst with a gap row (None) between them."""
    if len(rows) <= room:
        return rows
    best = room // 2
    worst = room - 1 - best
    return [*rows[:best], (0, None), *rows[len(rows) - worst :]]


def _today(snap: Snapshot) -> date:
    return theme.local_time(snap.taken_at).date()
