"""The C ``upload_values`` gives exactly the readings and stored values of ``upload_values_py``.

``_hj212_speedups.upload_values`` must equal ``console.core.uploads.upload_values_py`` (readings in order,
stored values with their key order) for an ordinary data area, and return None for anything else, so that
``upload_values`` falls back to Python. Checked on the data areas of the real-frame corpus, hand-written
edge cases of the value, RS, Data and Flag fields and generated data areas.
"""

from __future__ import annotations

import types
from collections import OrderedDict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.core import hj212, uploads
from console.core.hj212 import FrameError
from console.core.models import VALID_FLAGS, Reading
from console.core.uploads import upload_values, upload_values_py

C = hj212._c
if C is None or not hasattr(C, "upload_values"):
    pytest.skip(
        "C speedups with upload_values not built (tools/build_speedups.py); pure Python in use",
        allow_module_level=True,
    )

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "hj212_frames_dev.txt"
VALUE_FIELDS = ("Rtd", "Avg", "Min", "Max")
SUFFIXES = ("", ":1h")
TS = 1_763_726_400.0


def fast(cp, value_field: str = "Rtd", suffix: str = "", station: str = "S1", ts=TS, valid=VALID_FLAGS):
    return C.upload_values(cp, value_field, suffix, station, ts, Reading, valid)


def shape(result) -> tuple:
    """Everything that must match: the readings (types included) and the stored values in their order."""
    readings, stored = result
    assert type(readings) is list and type(stored) is dict
    assert all(type(r) is Reading for r in readings)
    assert all(type(r.value) is float and type(r.flag) is str for r in readings)
    assert all(type(v) is tuple and len(v) == 2 for v in stored.values())
    return readings, list(stored.items())


def check(cp, value_field: str = "Rtd", suffix: str = "", station: str = "S1", ts: float = TS) -> None:
    """C equals Python on an ordinary data area, and the public wrapper gives the same."""
    expected = shape(upload_values_py(cp, value_field, suffix, station, ts))
    got = fast(cp, value_field, suffix, station, ts)
    assert got is not None, cp
    assert shape(got) == expected, cp
    assert shape(upload_values(cp, value_field, suffix, station, ts)) == expected


def test_the_wrapper_uses_the_extension() -> None:
    assert uploads._c_upload_values is C.upload_values


# --- the real-frame corpus ---------------------------------------------------------------------------------


def corpus_areas() -> list[dict[str, dict[str, str]]]:
    if not CORPUS.exists():
        pytest.skip(f"corpus not found: {CORPUS}")
    areas = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        _expect, _description, _source, packet = line.split("\t")
        try:
            areas.append(hj212.decode(packet.encode("utf-8")).cp)
        except FrameError:
            continue
    return areas


def test_equals_python_on_the_corpus() -> None:
    areas = corpus_areas()
    assert sum(1 for cp in areas if cp) >= 10, "too few data frames decoded from the corpus"
    readings = 0
    for cp in areas:
        for value_field in VALUE_FIELDS:
            for suffix in SUFFIXES:
                check(cp, value_field, suffix)
                readings += len(fast(cp, value_field, suffix)[0])
    assert readings > 100  # the corpus does exercise the value path


# --- edge cases --------------------------------------------------------------------------------------------

EDGES = {
    "plain": {"Rtd": "75.2", "Flag": "N"},
    "fault": {"Rtd": "120", "Flag": "D"},
    "no_flag": {"Rtd": "8"},
    "empty_flag": {"Rtd": "9", "Flag": ""},
    "long_flag": {"Rtd": "10", "Flag": "Nx"},
    "unknown_flag": {"Rtd": "11", "Flag": "X"},
    "wide_flag": {"Rtd": "12", "Flag": "电a"},
    "nan": {"Rtd": "nan"},
    "inf": {"Rtd": "inf"},
    "minus_inf": {"Rtd": "-inf", "Flag": "N"},
    "huge": {"Rtd": "1e400"},
    "spaces": {"Rtd": " 1.5 "},
    "underscore": {"Rtd": "1_0"},
    "bad_underscore": {"Rtd": "1__0"},
    "exponent": {"Rtd": "-2.5E-3"},
    "wide_digits": {"Rtd": "١٢"},
    "letters": {"Rtd": "abc"},
    "empty": {"Rtd": ""},
    "nul": {"Rtd": "1\x00"},
    "surrogate": {"Rtd": "\udc80"},
    "SB1": {"RS": "1"},
    "SB2": {"RS": "x", "Data": "3"},  # RS wins even when it is not a number
    "SB3": {"Rtd": "4", "RS": "1"},  # the value field wins over RS
    "LA": {"Data": "55.3", "Flag": "M"},
    "missing": {"Avg": "3", "Flag": "N"},
    "nothing": {},
    "SB1-RS": {"Rtd": "7", "Flag": "T"},  # the same factor as SB1's RS: the later value, the first place
}


@pytest.mark.parametrize("suffix", ["", ":1h", "-RS"])
@pytest.mark.parametrize("value_field", ["Rtd", "Avg", "Data", "RS", "Flag", ""])
def test_edge_cases_together(value_field: str, suffix: str) -> None:
    check(EDGES, value_field, suffix)


@pytest.mark.parametrize("code", list(EDGES))
def test_edge_cases_one_by_one(code: str) -> None:
    for suffix in SUFFIXES:
        check({code: EDGES[code]}, "Rtd", suffix)


def test_edge_case_results() -> None:
    readings, stored = fast(EDGES, "Rtd", ":1h")
    flags = {r.factor: r.flag for r in readings}
    assert flags["long_flag:1h"] == "N" and flags["unknown_flag:1h"] == "X" and flags["wide_flag:1h"] == "电"
    assert "unknown_flag:1h" not in stored and "wide_flag:1h" not in stored
    assert {"nan:1h", "inf:1h", "minus_inf:1h", "huge:1h", "letters:1h", "SB2-RS"}.isdisjoint(flags)
    assert stored["spaces:1h"] == (1.5, "N") and stored["underscore:1h"] == (10.0, "N")
    assert stored["SB1-RS"] == (1.0, "N") and stored["SB1-RS:1h"] == (7.0, "T")
    # Without a suffix, the code SB1-RS is the factor of SB1's RS: the later value, in the first place.
    readings, stored = fast(EDGES, "Rtd", "")
    assert [r.factor for r in readings].count("SB1-RS") == 2
    assert stored["SB1-RS"] == (7.0, "T") and list(stored).index("SB1-RS") < list(stored).index("LA")


def test_empty_and_large_areas() -> None:
    check({})
    big = {f"a{i:05d}": {"Rtd": f"{i}.5", "Flag": "NDX"[i % 3]} for i in range(300)}  # past the stack
    check(big)
    check(big, "Avg")


# --- generated data areas ----------------------------------------------------------------------------------

NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["1_000", "1e5", " 2 ", "+3.", ".5", "0x10", "Infinity", "-NaN", "1e-400", "--1"]),
)
TEXT = st.one_of(NUMBER, NUMBER, st.text(max_size=6), st.text("0123456789.-+eE_ ", max_size=6))
FIELD_NAMES = ["Rtd", "Avg", "Min", "Max", "RS", "Data", "Flag", "ZsRtd"]
FIELD = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=3))
CODE = st.one_of(st.sampled_from(["a34004", "a01001", "SB1", "SB1-RS", "LA", "LA:1h"]), st.text(max_size=4))
AREAS = st.dictionaries(CODE, st.dictionaries(FIELD, TEXT, max_size=5), max_size=8)


@settings(max_examples=1000, deadline=None)
@given(
    AREAS,
    st.sampled_from(VALUE_FIELDS),
    st.one_of(st.sampled_from(SUFFIXES), st.text(max_size=3)),
    st.text(max_size=4),
    st.floats(),
)
def test_equals_python_on_generated_areas(cp, value_field: str, suffix: str, station: str, ts: float) -> None:
    expected = upload_values_py(cp, value_field, suffix, station, ts)
    got = fast(cp, value_field, suffix, station, ts)
    assert got is not None
    assert shape(got) == shape(expected)  # a NaN ts is the same object in both, which Structs compare equal


# --- what C declines, and exceptions -----------------------------------------------------------------------


class Text(str):
    pass


ORDINARY = {"a34004": {"Rtd": "1.5", "Flag": "N"}, "a01001": {"Rtd": "2"}}
DECLINED = [
    pytest.param([("a34004", {"Rtd": "1"})], "Rtd", "", "S1", TS, id="cp-list"),
    pytest.param(OrderedDict(ORDINARY), "Rtd", "", "S1", TS, id="cp-dict-subclass"),
    pytest.param(types.MappingProxyType(ORDINARY), "Rtd", "", "S1", TS, id="cp-mappingproxy"),
    pytest.param({"a34004": [("Rtd", "1")]}, "Rtd", "", "S1", TS, id="fields-list"),
    pytest.param({"a34004": types.MappingProxyType({"Rtd": "1"})}, "Rtd", "", "S1", TS, id="fields-mapping"),
    pytest.param({Text("a34004"): {"Rtd": "1"}}, "Rtd", "", "S1", TS, id="code-str-subclass"),
    pytest.param({1: {"Rtd": "1"}}, "Rtd", "", "S1", TS, id="code-int"),
    pytest.param({"a34004": {"Rtd": 5}}, "Rtd", "", "S1", TS, id="text-int"),
    pytest.param({"a34004": {"Rtd": b"1.5"}}, "Rtd", "", "S1", TS, id="text-bytes"),
    pytest.param({"a34004": {"Rtd": Text("1.5")}}, "Rtd", "", "S1", TS, id="text-str-subclass"),
    pytest.param({"a34004": {"RS": None}}, "Rtd", "", "S1", TS, id="rs-none"),
    pytest.param({"a34004": {"Rtd": "1", "Flag": None}}, "Rtd", "", "S1", TS, id="flag-none"),
    pytest.param({"a34004": {"Rtd": "1", "Flag": ["D"]}}, "Rtd", "", "S1", TS, id="flag-list"),
    pytest.param(ORDINARY, "Rtd", "", "S1", 1_763_726_400, id="ts-int"),
    pytest.param(ORDINARY, "Rtd", "", Text("S1"), TS, id="station-str-subclass"),
    pytest.param(ORDINARY, "Rtd", None, "S1", TS, id="suffix-none"),
    pytest.param(ORDINARY, Text("Rtd"), "", "S1", TS, id="value-field-str-subclass"),
]


def outcome(function, *args):
    try:
        readings, stored = function(*args)
    except Exception as exc:  # the exception type is what must match
        return type(exc)
    return readings, list(stored.items())


@pytest.mark.parametrize(("cp", "value_field", "suffix", "station", "ts"), DECLINED)
def test_declines_what_is_not_ordinary(cp, value_field, suffix, station, ts) -> None:
    assert C.upload_values(cp, value_field, suffix, station, ts, Reading, VALID_FLAGS) is None
    args = (cp, value_field, suffix, station, ts)
    assert outcome(upload_values, *args) == outcome(upload_values_py, *args)


def test_declines_other_flag_sets_and_the_null_text_falls_through() -> None:
    assert C.upload_values(ORDINARY, "Rtd", "", "S1", TS, Reading, set(VALID_FLAGS)) is None
    assert C.upload_values(ORDINARY, "Rtd", "", "S1", TS, Reading, frozenset()) == (
        upload_values_py(ORDINARY, "Rtd", "", "S1", TS)[0],
        {},
    )
    # A value field that is None is no value: RS and Data are looked at, as in Python.
    check({"SB1": {"Rtd": None, "RS": "1"}, "LA": {"Rtd": None, "Data": "2"}, "x": {"Rtd": None}})


def test_an_exception_of_reading_type_propagates() -> None:
    def broken(*args):
        raise ValueError("no reading")

    with pytest.raises(ValueError, match="no reading"):
        C.upload_values(ORDINARY, "Rtd", "", "S1", TS, broken, VALID_FLAGS)
    with pytest.raises(TypeError):
        C.upload_values(ORDINARY, "Rtd", "", "S1", TS, None, VALID_FLAGS)
    with pytest.raises(TypeError):
        C.upload_values(ORDINARY, "Rtd", "", "S1", TS, Reading)


def test_reading_type_gets_the_calls_python_makes() -> None:
    calls = []

    def record(*args):
        calls.append(args)
        return Reading(*args)

    got = C.upload_values(EDGES, "Rtd", ":1h", "S1", TS, record, VALID_FLAGS)
    assert calls == [(r.station, r.factor, r.ts, r.value, r.flag) for r in got[0]]
    assert got[0] == upload_values_py(EDGES, "Rtd", ":1h", "S1", TS)[0]


def test_a_data_area_changed_while_read_raises_like_python() -> None:
    """A field name whose __eq__ empties the data area: RuntimeError, as iterating cp.items() raises."""

    class Meddler:
        def __init__(self, cp: dict) -> None:
            self.cp, self.armed = cp, False

        def __hash__(self) -> int:
            return hash("Rtd")

        def __eq__(self, other) -> bool:
            if self.armed:
                self.cp.clear()
            return False

    def area() -> dict:
        cp: dict = {"a34004": {}, "a01001": {"Rtd": "2"}}
        meddler = Meddler(cp)
        cp["a34004"][meddler] = "x"
        cp["a34004"]["Rtd"] = "1"
        meddler.armed = True
        return cp

    with pytest.raises(RuntimeError, match="changed size"):
        upload_values_py(area(), "Rtd", "", "S1", TS)
    with pytest.raises(RuntimeError, match="changed size"):
        fast(area())
