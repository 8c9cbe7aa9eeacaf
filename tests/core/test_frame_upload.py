"""The C ``frame_upload`` and ``area_values`` give what ``decode`` and ``upload_values_py`` give.

``frame_upload(raw, max_segment)`` returns ``(text, fields, stamp)`` exactly when ``frame_segment`` and the
C ``parse_segment`` both accept the frame (``decode`` then takes the C path), with the checked segment as
text, ``decode(raw).fields`` (same order) and ``decode(raw).params.get("DataTime")``; None otherwise.
``area_values(text, ...)`` equals ``upload_values_py(parse_segment(text).cp, ...)`` for a segment the C
``parse_segment`` accepts, and None otherwise or for arguments ``upload_values`` declines. Checked on the
real-frame corpus, the standard's Appendix C examples, hand-written data areas full of repeated codes and
fields, and generated packets and data areas, as sent and mutated.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.core import hj212
from console.core.hj212 import MAX_SEGMENT, FrameError, check_frame, decode, encode, frame
from console.core.models import VALID_FLAGS, Reading
from console.core.uploads import upload_values_py
from tests.core.test_hj212 import APPENDIX_A, appendix_c_segments, dev_frames

try:
    from tests.core.test_hj212 import packets
except ImportError:  # pragma: no cover - the strategy moved: the generated-packet tests are skipped
    packets = None

C = hj212._c
if C is None or not hasattr(C, "frame_upload") or not hasattr(C, "area_values"):
    pytest.skip(
        "C speedups with frame_upload/area_values not built (tools/build_speedups.py)",
        allow_module_level=True,
    )

VALUE_FIELDS = ("Rtd", "Avg", "Min", "Max")
SUFFIXES = ("", ":1h")
HEAD = "QN=20240101000000000;ST=22;CN=2051;PW=123456;MN=0102030405;Flag=5;CP=&&"


# --- reference ----------------------------------------------------------------------------------------------


def c_accepts(raw: bytes, max_segment: int) -> bool:
    """decode takes the C path and C parses the segment: frame_segment and parse_segment both accept."""
    found = C.frame_segment(raw, max_segment)
    return found is not None and C.parse_segment(found[0]) is not None


def check_frame_upload(raw: bytes, max_segment: int = MAX_SEGMENT) -> bool:
    """C frame_upload agrees with decode; True when it returned a tuple."""
    got = C.frame_upload(raw, max_segment)
    if not c_accepts(raw, max_segment):
        assert got is None, raw
        return False
    assert type(got) is tuple and len(got) == 3, raw
    text, fields, stamp = got
    assert type(text) is str and text == check_frame(raw, max_segment=max_segment).decode()
    try:
        packet = decode(raw, max_segment=max_segment)
        want_fields, want_stamp = packet.fields, packet.params.get("DataTime")
    except FrameError:
        # the one check decode makes beyond the two C parsers: the DataTime, left to the caller
        with pytest.raises(FrameError):
            hj212.parse_time(stamp)
        cp_at = text.find("CP=&&")
        want_fields = dict(reversed(hj212._parse_header(text[:cp_at])))  # as Packet.fields builds it
        want_stamp = hj212._parse_area(text[cp_at + 5 : -2])[2].get("DataTime")
    assert type(fields) is dict and list(fields.items()) == list(want_fields.items())
    assert all(type(k) is str and type(v) is str for k, v in fields.items())
    assert stamp == want_stamp
    assert stamp is None or type(stamp) is str
    return True


def python_cp(text: str) -> dict[str, dict[str, str]]:
    """parse_segment_py(text).cp, also for a DataTime that decode would reject (area_values does not look)."""
    return hj212._parse_area(text[text.find("CP=&&") + 5 : -2])[1]


def check_area_values(text: str) -> bool:
    """C area_values agrees with upload_values_py on parse_segment_py's cp; True when C accepted the text."""
    accepted = C.parse_segment(text) is not None
    for value_field in VALUE_FIELDS:
        for suffix in SUFFIXES:
            got = C.area_values(text, value_field, suffix, "S1", 1000.0, Reading, VALID_FLAGS)
            if not accepted:
                assert got is None, text
                continue
            want = upload_values_py(python_cp(text), value_field, suffix, "S1", 1000.0)
            assert type(got) is tuple and len(got) == 2, text
            readings, stored = got
            assert type(readings) is list and type(stored) is dict
            assert readings == want[0], (text, value_field, suffix)
            assert list(stored.items()) == list(want[1].items()), (text, value_field, suffix)
            for reading in readings:
                assert (
                    type(reading.factor) is str and type(reading.flag) is str and type(reading.value) is float
                )
    return accepted


def check_raw(raw: bytes, max_segment: int = MAX_SEGMENT) -> bool:
    """Both functions on a frame and on its segment (when it is one)."""
    accepted = check_frame_upload(raw, max_segment)
    try:
        text = check_frame(raw, max_segment=max_segment).decode("utf-8")
    except (FrameError, UnicodeDecodeError):
        return accepted
    check_area_values(text)
    if accepted and stamp_ok(raw, max_segment):  # as the hub would: on decode(raw).cp
        readings, stored = C.area_values(text, "Rtd", "", "S1", 1000.0, Reading, VALID_FLAGS)
        want = upload_values_py(decode(raw, max_segment=max_segment).cp, "Rtd", "", "S1", 1000.0)
        assert readings == want[0] and list(stored.items()) == list(want[1].items())
    return accepted


def stamp_ok(raw: bytes, max_segment: int) -> bool:
    try:
        decode(raw, max_segment=max_segment)
    except FrameError:
        return False
    return True


def variants(raw: bytes) -> list[bytes]:
    """A CRLF-terminated frame: with and without CRLF, upper- and lowercase CRC."""
    body = raw[:-2]
    lower = body[:-4] + body[-4:].lower()
    return [raw, body, lower, lower + b"\r\n"]


# --- corpus and the standard's examples ---------------------------------------------------------------------


def test_real_frames() -> None:
    accepted = 0
    for _expect, _description, packet in dev_frames():
        for raw in (packet, packet + b"\r\n"):
            accepted += check_raw(raw)
            check_raw(raw, 100)
    assert accepted > 0


def test_appendix_c_examples() -> None:
    segments = appendix_c_segments()
    assert segments
    accepted = 0
    for segment in segments:
        for raw in variants(frame(segment)):
            accepted += check_raw(raw)
    assert accepted > 0


def test_appendix_a_example() -> None:
    raw = frame(APPENDIX_A)
    text, fields, stamp = C.frame_upload(raw, MAX_SEGMENT)
    assert text == APPENDIX_A and stamp is None
    assert fields == decode(raw).fields and fields["MN"] == "010000A8900016F000169DC0"
    assert C.frame_upload(raw, len(APPENDIX_A) - 1) is None


# --- hand-written data areas --------------------------------------------------------------------------------

AREAS = [
    "DataTime=20240101000000;a34004-Rtd=1,a34004-Rtd=2,a34004-Flag=N",
    "DataTime=20240101000000;a01-Rtd=1,a01-Flag=N;a02-Rtd=2;a01-Avg=3,a01-Flag=D;a02-Flag=T",
    "a01-Rtd=1,a01-Flag=N;a02-Rtd=2,a02-Flag=D;a01-Rtd=5",
    "a01-RS=1,a01-Flag=N;a02-Data=55.5;a03-RS=0,a03-Rtd=4;a04-Data=2,a04-RS=1;a05-Avg=1,a05-Data=9",
    "a01-Rtd=1;a02-Rtd=2,a02-Flag=;a03-Rtd=3,a03-Flag=NX;a04-Rtd=4,a04-Flag=Z;a05-Rtd=5,a05-Flag=n",
    "a06-Rtd=6,a06-Flag=D,a06-Flag=;a07-Rtd=7,a07-Flag=,a07-Flag=FB;a08-Rtd=8,a08-Flag=F,a08-Flag=N",
    "a01-Rtd=nan;a02-Rtd=inf;a03-Rtd=-inf;a04-Rtd=1_0;a05-Rtd=abc;a06-Rtd=1e3;a07-Rtd=;a08-Rtd=0x10",
    "a09-Rtd=1__0;a10-Rtd=_1;a11-Rtd=+.5;a12-Rtd=-0;a13-Rtd=1e999;a14-Rtd=NaN,a14-Flag=N;a15-Rtd=Infinity",
    "a01-Rtd=abc,a01-Avg=1;a02-Avg=nan,a02-Rtd=2;a03-Rtd=x,a03-RS=1;a04-RS=x,a04-Data=1",
    "DataTime=20240101000000;DataTime=20240102000000;a01-Rtd=1",
    "DataTime=1;a01-Rtd=1;DataTime=2,DataTime=3;b-DataTime=4",
    "-Rtd=1;-DataTime=2;a01-=3;a01--Rtd=4;a-b-Rtd=5,a-b-Flag=D;a--=6;a=7",
    "a1-Rtd=1;a11-Rtd=2;a1-Flag=D;a11-Flag=F;A1-Rtd=3;1a-Rtd=4",
    "RtdInterval=30",
    "",
    ";;a01-Rtd=1;;;a02-Rtd=2;",
    "a01-Rtd=1=2;a02-Rtd==;a03-Flag=N=X,a03-Rtd=1",
    "a01-Rtd=1, a02-Rtd=2",  # a space: C declines
    "a01-Rtd= 1 ;a02-Rtd=2",
    "a01-Rtd=1,,a02-Rtd=2",  # an empty item: C declines, Python raises
    "a01-Rtd=1,=2",
    "a01-Rtd=1&a02-Rtd=2",
    "a01-Rtd=\u00b5",
]


@pytest.mark.parametrize("area", AREAS)
def test_hand_written_areas(area: str) -> None:
    text = HEAD + area + "&&"
    check_area_values(text)
    for raw in variants(frame(text)):
        check_raw(raw)


def test_hand_written_areas_are_mostly_accepted() -> None:
    assert sum(C.parse_segment(HEAD + area + "&&") is not None for area in AREAS) >= 15


def test_other_value_fields() -> None:
    text = HEAD + AREAS[3] + ";" + AREAS[4] + ";" + AREAS[11] + "&&"
    cp = python_cp(text)
    for value_field in ("RS", "Data", "Flag", "", "Cou", "\u00b5", "Rtd-x"):
        for suffix in ("", "-RS", "\u00b5", "x" * 40):
            got = C.area_values(text, value_field, suffix, "S1", 1000.0, Reading, VALID_FLAGS)
            want = upload_values_py(cp, value_field, suffix, "S1", 1000.0)
            assert got[0] == want[0] and list(got[1].items()) == list(want[1].items())


def test_many_codes() -> None:
    """More codes and items than the stack arrays hold, repeated in later groups."""
    groups = [f"a{n:03d}-Rtd={n},a{n:03d}-Flag={'NFMSDCTBZ'[n % 9]}" for n in range(300)]
    groups += [f"a{n:03d}-Avg={n},a{n:03d}-Rtd={-n}" for n in range(0, 300, 7)]
    text = HEAD + ";".join(groups) + "&&"
    assert check_area_values(text)
    assert check_frame_upload(frame(text))
    readings, _stored = C.area_values(text, "Rtd", "", "S1", 1000.0, Reading, VALID_FLAGS)
    assert len(readings) == 300 and readings[7].value == -7.0


def test_repeated_header_fields() -> None:
    text = "ST=22;QN=1;ST=32;CN=2051;PW=1;MN=2;CN=9014;Flag=5;MN=3;X=;CP=&&DataTime=1;a-Rtd=1&&"
    raw = frame(text)
    assert check_frame_upload(raw)
    _text, fields, stamp = C.frame_upload(raw, MAX_SEGMENT)
    assert fields["ST"] == "22" and fields["CN"] == "2051" and fields["MN"] == "2" and stamp == "1"


# --- declined and propagated --------------------------------------------------------------------------------


def test_declined_frames() -> None:
    raw = frame(APPENDIX_A)
    for odd in (bytearray(raw), memoryview(raw), raw.decode()):
        assert C.frame_upload(odd, MAX_SEGMENT) is None
    for limit in (9999.0, True, None, -(2**70), "9999"):
        assert C.frame_upload(raw, limit) is None
    assert C.frame_upload(raw, 2**70) is not None
    assert C.frame_upload(frame("QN=1;ST=22;CN=2051;PW=1;CP=&&a-Rtd=1&&"), MAX_SEGMENT) is None  # no MN
    assert C.frame_upload(frame(APPENDIX_A.replace("Flag=5", "Flag=x")), MAX_SEGMENT) is None
    assert C.frame_upload(frame(APPENDIX_A.replace("QN=", "QN=\u00b5")), MAX_SEGMENT) is None
    with pytest.raises(TypeError):
        C.frame_upload(raw)


class Text(str):
    pass


def test_declined_arguments() -> None:
    text = HEAD + AREAS[1] + "&&"
    args = [text, "Rtd", "", "S1", 1000.0, Reading, VALID_FLAGS]
    assert C.area_values(*args) is not None
    for at, odd in [
        (0, text.encode()),
        (0, Text(text)),
        (0, text[:-1]),
        (1, None),
        (1, Text("Rtd")),
        (2, None),
        (3, b"S1"),
        (4, 1000),
        (4, None),
        (6, set(VALID_FLAGS)),
        (6, "NFMSDCTB"),
    ]:
        assert C.area_values(*args[:at], odd, *args[at + 1 :]) is None, (at, odd)
    with pytest.raises(TypeError):
        C.area_values(*args[:6])


def test_reading_type_is_called_in_order_and_its_errors_propagate() -> None:
    text = HEAD + AREAS[1] + "&&"
    calls = []

    def record(*args):
        calls.append(args)
        return args

    readings, stored = C.area_values(text, "Rtd", ":1h", "S1", 5.0, record, VALID_FLAGS)
    assert readings == calls == [("S1", "a01:1h", 5.0, 1.0, "D"), ("S1", "a02:1h", 5.0, 2.0, "T")]
    assert stored == {"a01:1h": (1.0, "D"), "a02:1h": (2.0, "T")}

    def boom(*args):
        raise KeyError("boom")

    with pytest.raises(KeyError):
        C.area_values(text, "Rtd", "", "S1", 5.0, boom, VALID_FLAGS)
    assert C.area_values(text, "Rtd", "", "S1", 5.0, Reading, frozenset("N"))[1] == {}


# --- generated ----------------------------------------------------------------------------------------------

needs_packets = pytest.mark.skipif(packets is None, reason="tests.core.test_hj212.packets not importable")

_names = st.sampled_from(["a01", "a1", "a01-x", "A01", "", "b", "a-"])
_fields = st.sampled_from(["Rtd", "Avg", "Min", "Max", "RS", "Data", "Flag", "", "Cou"])
_values = st.sampled_from(
    ["1", "2.5", "-3", "", "N", "D", "NX", "nan", "inf", "1_0", "abc", "1e3", "Z", "=1"]
)


@st.composite
def areas(draw: st.DrawFn) -> str:
    groups = []
    for _ in range(draw(st.integers(0, 8))):
        items = []
        for _ in range(draw(st.integers(1, 5))):
            if draw(st.integers(0, 5)) == 0:
                name = draw(st.sampled_from(["DataTime", "RtdInterval", "-Rtd"]))
            else:
                name = f"{draw(_names)}-{draw(_fields)}"
            items.append(f"{name}={draw(_values)}")
        groups.append(",".join(items))
    return ";".join(groups)


@given(areas())
@settings(max_examples=400)
def test_generated_areas(area: str) -> None:
    text = HEAD + area + "&&"
    check_area_values(text)
    for raw in variants(frame(text)):
        check_raw(raw)


@needs_packets
@given(packets() if packets is not None else st.nothing())
@settings(max_examples=200)
def test_generated_packets(packet) -> None:
    raw = encode(packet)
    for variant in variants(raw):
        assert check_raw(variant)


@needs_packets
@given(packets() if packets is not None else st.nothing(), st.data())
@settings(max_examples=300)
def test_mutated_frames(packet, data: st.DataObject) -> None:
    raw = bytearray(encode(packet))
    at = data.draw(st.integers(0, len(raw) - 1), label="position")
    raw[at] = data.draw(st.integers(0, 255).filter(lambda b: b != raw[at]), label="byte")
    check_raw(bytes(raw))
    # the same change inside the segment with a CRC that fits, so that the parser sees it
    segment = bytes(raw[6:-6])
    if len(segment) <= MAX_SEGMENT:
        check_raw(frame(segment))
