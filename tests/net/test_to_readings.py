"""Packet → readings: which values of an upload become readings, under which factor and flag; what is kept."""

from __future__ import annotations

import pytest

from console.core import hj212
from console.core.hj212 import FrameError
from console.core.models import Reading
from console.hub.ingest import read_upload


def _packet(cn: str, cp: dict, params: dict | None = None) -> hj212.Packet:
    return hj212.Packet.create(
        st="22", cn=cn, pw="123456", mn="MN1", flag=4, params=params or {"DataTime": "20251121120000"}, cp=cp
    )


def test_values_flags_and_suffixes_follow_the_command() -> None:
    cp = {
        "a34004": {"Avg": "75.2", "Flag": "N"},
        "a34002": {"Avg": "120", "Flag": "D"},
        "a21026": {"Avg": "8"},  # no flag: normal
        "a21004": {"Avg": "9", "Flag": ""},  # empty flag: normal
        "SB1": {"RS": "1"},
        "LA": {"Data": "55.3"},
        "a05024": {"Avg": "inf"},  # not a finite number: no reading
        "a01001": {"Avg": "-"},  # not a number: no reading
        "a01002": {"Min": "3"},  # no value field: no reading
    }
    hourly, upload = read_upload(_packet("2061", cp), "S1", lambda text: 1000.0)
    assert hourly == [
        Reading("S1", "a34004:1h", 1000.0, 75.2, "N"),
        Reading("S1", "a34002:1h", 1000.0, 120.0, "D"),
        Reading("S1", "a21026:1h", 1000.0, 8.0, "N"),
        Reading("S1", "a21004:1h", 1000.0, 9.0, "N"),
        Reading("S1", "SB1-RS", 1000.0, 1.0, "N"),
        Reading("S1", "LA:1h", 1000.0, 55.3, "N"),
    ]
    assert upload == ("S1", 1000.0, {r.factor: (r.value, r.flag) for r in hourly})  # what storage gets
    minute, _ = read_upload(_packet("2051", cp), "S1", lambda text: 1000.0)
    assert [r.factor for r in minute] == ["a34004", "a34002", "a21026", "a21004", "SB1-RS", "LA"]


def test_commands_without_data_give_nothing_and_an_upload_without_time_is_refused() -> None:
    assert read_upload(_packet("9011", {"a34004": {"Rtd": "1"}}), "S1", float) == ([], None)
    with pytest.raises(FrameError, match="without DataTime"):
        read_upload(_packet("2011", {"a34004": {"Rtd": "1"}}, params={"RtdInterval": "30"}), "S1", float)
