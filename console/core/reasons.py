"""Why a rule raised, updated or cleared an incident, in any language: a template key and its arguments.

A rule's explanation travels as a :class:`Why` (template key + arguments) next to its English sentence:
the hub renders the English one for its logs, REST answers and CSV; each console renders the same
:class:`Why` in its operator's language. Arguments are strings already free of words of any language
(numbers with their units, local times such as ``2026-11-22 14:00``, counts), except these, which the
renderer names in the reader's language:

- ``factor``: an HJ 212 factor code (``a34004`` -> "PM2.5"),
- ``category``: an AQI category level ``"1"`` … ``"6"`` (-> "Heavily polluted"),
- ``rule``: a rule name (``sudden_rise`` -> "Sudden rise").

A :class:`Why` may hold ``parts`` (the water-class rule lists every parameter that decides the class):
they are rendered one by one and joined into the ``{parts}`` argument.

The templates are marked with ``QT_TRANSLATE_NOOP`` so that the translation tools find them; this module
imports no Qt (the function is the identity).
"""

from __future__ import annotations

import string
from collections.abc import Callable

import msgspec

from console.core.aqi import CATEGORY_BY_LEVEL
from console.core.factors import FACTORS


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks ``text`` for translation in ``context`` (the extraction tool finds this name); returns it."""
    return text


class Why(msgspec.Struct, frozen=True, omit_defaults=True):
    """An explanation: the template ``key`` with its ``args`` (and ``parts`` joined into ``{parts}``)."""

    key: str
    args: dict[str, str] = {}
    parts: tuple[Why, ...] = ()


CONTEXT = "Reason"

TEMPLATES: dict[str, str] = {
    "stuck": QT_TRANSLATE_NOOP(
        "Reason",
        "Stuck-value rule: {factor} has read {value} {repeats} times in a row (threshold {threshold}) up to "
        "{time}; the sensor or logger may be frozen.",
    ),
    "sudden_rise": QT_TRANSLATE_NOOP(
        "Reason",
        "Sudden-rise rule: {factor} reached {value} at {time}, {n} readings in a row above both {ratio} "
        "times its recent baseline {baseline} and baseline + {margin}.",
    ),
    "emission": QT_TRANSLATE_NOOP(
        "Reason",
        "Emission rule: {factor} {value} at {time} exceeds the outlet's permit limit ({limit}), continuously "
        "since {since}.",
    ),
    "odour": QT_TRANSLATE_NOOP(
        "Reason",
        "Odour rule: {factor} {value} at {time} exceeds the GB 14554-93 class II boundary limit ({limit}), "
        "continuously since {since}.",
    ),
    "exceedance_aqi": QT_TRANSLATE_NOOP(
        "Reason",
        "Exceedance rule: hourly AQI {aqi} for {span} is '{category}', above the category threshold AQI "
        "{threshold}.",
    ),
    "exceedance_aqi_primary": QT_TRANSLATE_NOOP(
        "Reason",
        "Exceedance rule: hourly AQI {aqi} for {span} is '{category}', above the category threshold AQI "
        "{threshold}; primary pollutant {factor}, 1-h mean {value}.",
    ),
    "exceedance_aqi_limit": QT_TRANSLATE_NOOP(
        "Reason",
        "Exceedance rule: hourly AQI {aqi} for {span} is '{category}', above the category threshold AQI "
        "{threshold}; primary pollutant {factor}, 1-h mean {value} (GB 3095-2012 grade II limit {limit}).",
    ),
    "exceedance_hour": QT_TRANSLATE_NOOP(
        "Reason",
        "Exceedance rule: {factor} 1-h mean {value} for {span} is in the AQI '{category}' band (above "
        "{threshold}, IAQI {iaqi}); GB 3095-2012 grade II limit {limit}.",
    ),
    "night_noise": QT_TRANSLATE_NOOP(
        "Reason",
        "Night-noise rule: hourly Leq {value} for {span} exceeds the GB 3096-2008 zone {zone} night limit "
        "{limit} by {excess}.",
    ),
    "water_class": QT_TRANSLATE_NOOP(
        "Reason",
        "Water-class rule: the section is class {grade} by GB 3838-2002 at {time}, worse than its target "
        "class {target} since {since}; determined by {parts}.",
    ),
    "water_part": QT_TRANSLATE_NOOP("Reason", "{factor} {value}"),
    "water_part_limit": QT_TRANSLATE_NOOP("Reason", "{factor} {value} (class {target} limit {limit})"),
    "water_part_minimum": QT_TRANSLATE_NOOP("Reason", "{factor} {value} (class {target} minimum {limit})"),
    "purifier_off": QT_TRANSLATE_NOOP(
        "Reason",
        "Purifier-off rule: purifier state (SB1-RS) is off while the cooking fume is {value} at {time}, "
        "above {limit} (DB11/1488-2018), in cooking hours, since {since}.",
    ),
    "neighbour_high": QT_TRANSLATE_NOOP(
        "Reason",
        "Neighbour rule: {factor} {value} at {time} is {ratio} times the median {median} of {n} same-kind "
        "stations within {radius} km (threshold {threshold} times and +{margin}), since {since}.",
    ),
    "offline": QT_TRANSLATE_NOOP(
        "Reason",
        "Offline rule: the data logger has sent nothing since {since}, {hours} h as of {time} (threshold "
        "{threshold} h).",
    ),
    "clear": QT_TRANSLATE_NOOP(
        "Reason",
        "'{rule}' condition absent since {since} (hold {hold} min) as of {time}. Closing is suggested.",
    ),
    "separator": QT_TRANSLATE_NOOP("Reason", ", "),
}

# What each alarm rule finds, in a few words: the console's titles and the ``{rule}`` argument.
RULE_WORDS: dict[str, str] = {
    "exceedance": QT_TRANSLATE_NOOP("Incident", "Air quality over the limit"),
    "sudden_rise": QT_TRANSLATE_NOOP("Incident", "Sudden rise"),
    "neighbour_high": QT_TRANSLATE_NOOP("Incident", "Abnormally high against neighbours"),
    "offline": QT_TRANSLATE_NOOP("Incident", "Logger offline"),
    "stuck": QT_TRANSLATE_NOOP("Incident", "Reading stuck"),
    "purifier_off": QT_TRANSLATE_NOOP("Incident", "Purifier off while cooking"),
    "water_class": QT_TRANSLATE_NOOP("Incident", "Water worse than its target class"),
    "night_noise": QT_TRANSLATE_NOOP("Incident", "Night noise over the limit"),
    "emission": QT_TRANSLATE_NOOP("Incident", "Emission over the permit limit"),
    "odour": QT_TRANSLATE_NOOP("Incident", "Odour over the limit"),
}

Template = Callable[[str], str]  # key -> template text in the reader's language
Namer = Callable[[str, str], str]  # (argument name, value) -> the value in the reader's language


def english_name(arg: str, value: str) -> str:
    """The English name of a ``factor``, ``category`` or ``rule`` argument; other arguments unchanged."""
    if arg == "factor":
        factor = FACTORS.get(value)
        return factor.name_en if factor else value
    if arg == "category":
        category = CATEGORY_BY_LEVEL.get(int(value)) if value.isdigit() else None
        return category.category_en if category else value
    if arg == "rule":
        return RULE_WORDS.get(value, value.replace("_", " "))
    return value


def render(why: Why, template: Template = TEMPLATES.__getitem__, name: Namer = english_name) -> str:
    """The sentence of ``why`` (English by default; a console passes its translations).

    An unknown key (a newer hub) or a template that names an argument the hub did not send gives the
    key and its arguments as plain text rather than an error: the operator still sees the facts.
    """
    args = {k: name(k, v) for k, v in why.args.items()}
    if why.parts:
        args["parts"] = template("separator").join(render(p, template, name) for p in why.parts)
    try:
        return template(why.key).format(**args)
    except (KeyError, IndexError, ValueError):
        facts = ", ".join(f"{k}={v}" for k, v in args.items())
        return f"{why.key}: {facts}" if facts else why.key


def placeholders(text: str) -> set[str]:
    """The argument names a template uses: ``"{factor} {value}"`` -> ``{"factor", "value"}``."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def missing(why: Why, template: Template = TEMPLATES.__getitem__) -> set[str]:
    """What ``why`` (and its parts) lacks for its template: empty when it renders in full."""
    if why.key not in TEMPLATES:
        return {why.key}
    given = set(why.args) | ({"parts"} if why.parts else set())
    lacking = placeholders(template(why.key)) - given
    for part in why.parts:
        lacking |= missing(part, template)
    return lacking
