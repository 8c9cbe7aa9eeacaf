"""A rule's reason as template and arguments: rendered in English by the hub, in any language by a console."""

from __future__ import annotations

import msgspec

from console.core.incidents import Incident
from console.core.reasons import TEMPLATES, Why, missing, placeholders, render

WATER = Why(
    "water_class",
    {"grade": "IV", "time": "2026-11-22 01:00", "target": "III", "since": "2026-11-22 00:00"},
    (
        Why(
            "water_part_limit",
            {"factor": "w21003", "value": "1.300 mg/L", "target": "III", "limit": "1.000 mg/L"},
        ),
        Why(
            "water_part_minimum",
            {"factor": "w01009", "value": "4.10 mg/L", "target": "III", "limit": "5.00 mg/L"},
        ),
    ),
)


def test_named_arguments_read_in_english_and_parts_are_joined() -> None:
    aqi = Why(
        "exceedance_aqi_primary",
        {"aqi": "230", "span": "00:00-01:00", "category": "5", "threshold": "200", "factor": "a34004",
         "value": "180 µg/m³"},
    )  # fmt: skip
    text = render(aqi)
    assert "'Heavily polluted'" in text and "primary pollutant PM2.5, 1-h mean 180 µg/m³" in text
    water = render(WATER)
    assert "by NH3-N 1.300 mg/L (class III limit 1.000 mg/L), Dissolved oxygen 4.10 mg/L (class III" in water
    cleared = render(Why("clear", {"rule": "sudden_rise", "since": "01:00", "hold": "30", "time": "01:40"}))
    assert cleared.startswith("'Sudden rise' condition absent since 01:00")


def test_a_reason_from_a_newer_hub_still_shows_its_facts() -> None:
    assert render(Why("new_rule", {"value": "12 mg/L"})) == "new_rule: value=12 mg/L"
    assert render(Why("stuck", {"value": "87 µg/m³"})).startswith(
        "stuck: value=87 µg/m³"
    )  # arguments missing
    assert missing(Why("stuck", {"value": "87 µg/m³"})) == {"factor", "repeats", "threshold", "time"}
    assert missing(WATER) == set()


def test_every_template_names_its_arguments_once_and_only_known_ones() -> None:
    for key, text in TEMPLATES.items():
        names = placeholders(text)
        assert all(name.isidentifier() for name in names), key
    assert placeholders("{factor} {value} (class {target} limit {limit})") == {
        "factor",
        "value",
        "target",
        "limit",
    }


def test_an_incident_carries_its_why_over_the_wire_and_older_records_still_read() -> None:
    incident = Incident(
        id="I-1", version=1, state="discovered", source="rule", category="water", severity=2, title="t",
        reason=render(WATER), created=0.0, updated=0.0, why=WATER,
    )  # fmt: skip
    back = msgspec.json.decode(msgspec.json.encode(incident), type=Incident)
    assert back.why == WATER and render(back.why) == incident.reason
    older = msgspec.json.encode(incident).replace(b',"why":' + msgspec.json.encode(WATER), b"")
    assert b"water_class" not in older
    assert msgspec.json.decode(older, type=Incident).why is None
