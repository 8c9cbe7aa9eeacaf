"""The C ``hour_sums`` gives exactly the hourly roll-up sums of ``rollup.hour_sums_py``.

The storage writer folds every batch of uploads into the hourly roll-up with it; a total that differed in
its last bit from Python's would make the roll-up disagree with a roll-up rebuilt from the stored uploads.
So totals are compared bit for bit (``repr``: -0.0 and 0.0 differ), on generated batches with several
uploads an hour, flags other than N, large and small values, and None is checked where the C function
leaves the work to Python.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.core import hj212
from console.hub import rollup

C = hj212._c
if C is None or not hasattr(C, "hour_sums"):
    pytest.skip(
        "C speedups with hour_sums not built (tools/build_speedups.py); pure Python in use",
        allow_module_level=True,
    )

T0 = 1_763_726_400.0
values = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e16, -1e16, 0.1, 1e-300]),
)
cells_strategy = st.dictionaries(
    st.tuples(st.sampled_from(["S1", "S2", "站3"]), st.floats(T0 - 7200, T0 + 7200)),
    st.dictionaries(
        st.sampled_from(["a34004", "a34002", "a21026", "a05024:1h", "SB1-RS"]),
        st.tuples(values, st.sampled_from("NNNNFDM")),
        max_size=5,
    ),
    max_size=40,
)


def exact(sums: dict) -> dict:
    """Totals by their repr and counts as they are: equal only when bit for bit equal."""
    return {key: (repr(total), type(total), count, type(count)) for key, (total, count) in sums.items()}


@settings(max_examples=300, deadline=None)
@given(cells_strategy)
def test_c_sums_equal_python_bit_for_bit(cells) -> None:
    expected = rollup.hour_sums_py(cells, rollup.HOUR_S)
    got = C.hour_sums(cells, float(rollup.HOUR_S))
    assert got is not None
    assert exact(got) == exact(expected)


def test_a_busy_hour_sums_the_way_python_does() -> None:
    """Many uploads of an hour whose plain running sum would lose bits: compensated as sum() does."""
    cells = {("S1", T0 + k): {"a34004": (v, "N")} for k, v in enumerate([1e16, 1.0, -1e16, 0.1] * 50)}
    got = C.hour_sums(cells, 3600.0)
    assert got == rollup.hour_sums_py(cells, 3600)
    assert got[("S1", "a34004", math.floor(T0 / 3600))] == [
        sum(v for v, _ in (c["a34004"] for c in cells.values())),
        200,
    ]


@pytest.mark.parametrize(
    "cells",
    [
        {("S1", T0): {"a34004": (35, "N")}},  # an int value
        {("S1", int(T0)): {"a34004": (35.0, "N")}},  # an int time
        {("S1", T0): {"a34004": [35.0, "N"]}},  # a list for a tuple
        {("S1", math.inf): {"a34004": (35.0, "N")}},  # a time that is not finite
        {("S1", T0): {f"f{n}": (1.0, "N") for n in range(65)}},  # more factors than the C side keeps
    ],
)
def test_anything_unusual_is_left_to_python(cells) -> None:
    assert C.hour_sums(cells, 3600.0) is None


def test_changes_use_it_and_take_replaced_values_back_out() -> None:
    cells = {
        ("S1", T0 + 60): {"a34004": (40.0, "N"), "a34002": (7.0, "F")},
        ("S1", T0 + 120): {"a34004": (20.0, "N")},
    }
    stored = {("S1", T0 + 60): {"a34004": (10.0, "N")}}
    hour = math.floor((T0 + 60) / 3600)
    assert rollup.changes(cells, stored) == [("S1", "a34004", hour, 50.0, 1)]  # 40 + 20 in, 10 out
