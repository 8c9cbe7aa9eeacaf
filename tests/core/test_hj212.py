"""HJ 212-2017 codec: the standard's examples, real field frames, round trips and rejections."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.core import hj212
from console.core.hj212 import FrameError, FrameSplitter, Packet, crc16, decode, encode, frame
from tests.conftest import shared_file

APPENDIX_A = (
    "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
)


def dev_frames() -> list[tuple[str, str, bytes]]:
    path = shared_file("data/hj212_frames_dev.txt")
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        expect, description, _source, packet = line.split("\t")
        rows.append((expect, description, packet.encode("utf-8")))
    return rows


def appendix_c_segments() -> list[str]:
    """Data segments printed in Appendix C, re-joined across the PDF's line wraps."""
    text = shared_file("reference/hj212-2017.txt").read_text(encoding="utf-8")
    body = text[text.index("附 录 C \n（资料性附录）") : text.index("附 录 D \n(资料性附录)")]
    segments, current = [], None
    for line in body.splitlines():
        line = line.rstrip()
        if current is None:
            if line.startswith("QN=") or line.startswith("ST="):
                current = line
            else:
                continue
        elif re.match(r"^(=== page|HJ 212-2017$|\d+$|$)", line):
            continue
        else:
            current += line
        if "CP=&&" in current and current.endswith("&&") and current.count("&&") >= 2:
            # "…" is the standard's "and so on" inside a long data area: cut it with its separator.
            segments.append(re.sub(r"[;,]?…", "", current))
            current = None
    return segments


def test_appendix_a_example_crc() -> None:
    assert crc16(APPENDIX_A.encode()) == 0x1C80
    assert frame(APPENDIX_A) == b"##0101" + APPENDIX_A.encode() + b"1C80\r\n"


def test_crc_is_not_modbus() -> None:
    data = APPENDIX_A.encode()
    modbus = 0xFFFF
    for byte in data:
        modbus ^= byte
        for _ in range(8):
            modbus = (modbus >> 1) ^ 0xA001 if modbus & 1 else modbus >> 1
    assert crc16(data) != modbus


def test_every_appendix_c_example_decodes() -> None:
    segments = appendix_c_segments()
    assert len(segments) > 100, "the appendix holds well over a hundred example segments"
    for segment in segments:
        packet = decode(frame(segment))
        assert packet.mn.startswith("010000A8900016F000169DC0"), segment
        assert packet.st and packet.cn and packet.pw, segment


def test_appendix_c_split_packets_carry_numbers() -> None:
    split = [decode(frame(s)) for s in appendix_c_segments() if "PNUM=" in s]
    assert {(p.pnum, p.pno) for p in split} == {(2, 1), (2, 2)}
    assert all(p.is_split for p in split)


def test_real_frames_decode_or_are_rejected_as_marked() -> None:
    rows = dev_frames()
    assert len(rows) >= 30
    for expect, description, raw in rows:
        if expect == "VALID":
            packet = decode(raw)
            assert packet.mn and packet.cn, description
        else:
            with pytest.raises(FrameError) as err:
                decode(raw)
            wanted = "length" if "LEN" in expect else "crc"
            assert err.value.reason == wanted, (description, str(err.value))


def test_real_frames_fields() -> None:
    by_desc = {d: raw for e, d, raw in dev_frames() if e == "VALID"}
    hourly = decode(next(raw for d, raw in by_desc.items() if "CN=2061 hourly, ion" in d))
    assert hourly.qn == "20190925181031464"
    assert (hourly.st, hourly.cn, hourly.flag) == ("22", "2061", 5)
    assert hourly.cp["a34006"] == {"Avg": "2.69700", "Flag": "N"}
    assert hourly.data_time.isoformat() == "2019-09-24T22:00:00"
    assert hourly.DataTime == hourly.data_time
    fault = decode(next(raw for d, raw in by_desc.items() if "Flag=D" in d))
    assert fault.cp["a00000"]["Flag"] == "D"
    old = decode(next(raw for d, raw in by_desc.items() if "872-char" in d))
    assert old.qn is None and old.flag is None and old.cp["831"]["Rtd"] == "3.128"
    ms = decode(next(raw for d, raw in by_desc.items() if "17-digit DataTime" in d))
    assert ms.data_time.year == 2021 and ms.params["DataTime"] == "20210305003817000"


def test_real_frames_round_trip_through_encode() -> None:
    for expect, description, raw in dev_frames():
        if expect != "VALID":
            continue
        packet = decode(raw)
        again = decode(encode(packet))
        assert (again.header, again.cp, again.params) == (packet.header, packet.cp, packet.params), (
            description
        )
        segment = raw[6:-4]
        if b";&&" not in segment and b"&& " not in segment:
            assert encode(packet)[:-6] == raw[:-4], description
            assert encode(packet)[-6:-2] == raw[-4:].upper(), description


def test_trailing_crlf_is_optional() -> None:
    full = frame(APPENDIX_A)
    assert decode(full) == decode(full[:-2])


@pytest.mark.parametrize(
    ("raw", "reason", "words"),
    [
        (b"$$0101" + APPENDIX_A.encode() + b"1C80\r\n", "header", "##"),
        (b"##01a1" + APPENDIX_A.encode() + b"1C80\r\n", "length", "4 decimal digits"),
        (b"##0100" + APPENDIX_A.encode() + b"1C80\r\n", "length", "101 bytes"),
        (b"##0101" + APPENDIX_A.encode() + b"1C81\r\n", "crc", "1C80"),
        (b"##0101" + APPENDIX_A.encode() + b"1CZ0\r\n", "crc", "hex"),
    ],
)
def test_broken_frames_say_what_is_wrong(raw: bytes, reason: str, words: str) -> None:
    with pytest.raises(FrameError) as err:
        decode(raw)
    assert err.value.reason == reason
    assert words in str(err.value)


@pytest.mark.parametrize(
    ("segment", "reason", "words"),
    [
        ("QN=1;ST=22;CN=2011;PW=1;Flag=4;CP=&&&&", "missing", "MN"),
        ("QN=1;ST=22;CN=2011;MN=X;Flag=4;CP=&&&&", "missing", "PW"),
        ("QN=1;ST=22;CN=2011;PW=1;MN=X;Flag=4", "missing", "CP"),
        ("QN=1;ST=22;CN=2011;PW=1;MN=X;Flag=4;CP=&&a34004-Rtd&&", "cp", "a34004-Rtd"),
        ("QN=1;ST=22;CN=2011;PW=1;MN=X;Flag=x;CP=&&&&", "data", "Flag"),
        ("QN=1;ST=22;CN=2011;PW=1;MN=X;Flag=4;CP=&&DataTime=2024;a1-Rtd=1&&", "data", "YYYYMMDD"),
        ("QN=1;ST=22;CN=2011;PW=1;MN=X;Flag=4;CP=&&DataTime=20241340000000&&", "data", "valid date"),
    ],
)
def test_bad_data_segments_are_rejected(segment: str, reason: str, words: str) -> None:
    with pytest.raises(FrameError) as err:
        decode(frame(segment))
    assert err.value.reason == reason
    assert words in str(err.value)


def test_oversize_segment_policy() -> None:
    values = ";".join(f"a{n:05d}-Rtd={n}.000,a{n:05d}-Flag=N" for n in range(60))
    segment = f"ST=31;CN=2011;PW=123456;MN=88888880000001;CP=&&DataTime=20200923113557;{values}&&"
    raw = frame(segment)
    assert len(segment) > hj212.STANDARD_SEGMENT
    packet = decode(raw)
    assert packet.oversize and len(packet.cp) == 60
    with pytest.raises(FrameError) as err:
        decode(raw, max_segment=hj212.STANDARD_SEGMENT)
    assert err.value.reason == "length"
    assert not decode(frame(APPENDIX_A)).oversize


def test_answers_follow_the_standard() -> None:
    packet = decode(frame(APPENDIX_A.replace("Flag=5", "Flag=5")))
    assert packet.wants_answer
    answer = decode(encode(hj212.data_answer(packet)))
    assert (answer.st, answer.cn, answer.qn, answer.mn, answer.flag) == (
        "91",
        "9014",
        packet.qn,
        packet.mn,
        4,
    )
    refused = decode(encode(hj212.request_answer(packet, 3)))
    assert refused.cn == "9011" and refused.params["QnRtn"] == "3"


# --- property tests ------------------------------------------------------------------------------------

_code = st.builds(lambda p, n: f"{p}{n:05d}", st.sampled_from("aw"), st.integers(0, 99999))
_value = st.builds(lambda n, d: f"{n}.{d}", st.integers(-99999, 999999), st.integers(0, 9999))
_flag = st.sampled_from("NFMSDCTB")
_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))
_fields = st.dictionaries(st.sampled_from(["Rtd", "Avg", "Min", "Max", "Cou", "ZsAvg"]), _value, min_size=1)


@st.composite
def packets(draw: st.DrawFn) -> Packet:
    cp = draw(st.dictionaries(_code, _fields.map(dict), max_size=12))
    for fields in cp.values():
        fields["Flag"] = draw(_flag)
    return Packet.create(
        qn=draw(st.none() | st.from_regex(r"[0-9]{17}", fullmatch=True)),
        st=draw(st.sampled_from(["21", "22", "23", "31", "32", "39", "91"])),
        cn=draw(st.sampled_from(["2011", "2051", "2061", "2031", "9014"])),
        pw=draw(st.from_regex(r"[0-9A-F]{6}", fullmatch=True)),
        mn=draw(st.from_regex(r"[0-9A-F]{24}", fullmatch=True)),
        flag=draw(st.none() | st.integers(0, 255)),
        params={"DataTime": draw(_times).strftime("%Y%m%d%H%M%S")},
        cp=cp,
    )


@given(packets())
@settings(max_examples=300)
def test_round_trip_is_exact(packet: Packet) -> None:
    raw = encode(packet)
    assert encode(decode(raw)) == raw
    assert decode(raw) == packet


@given(packets(), st.data())
@settings(max_examples=300)
def test_mutated_frames_are_rejected(packet: Packet, data: st.DataObject) -> None:
    raw = bytearray(encode(packet))
    segment_end = len(raw) - 6
    at = data.draw(st.integers(6, segment_end - 1), label="position")
    new = data.draw(st.integers(0x20, 0x7E).filter(lambda b: b != raw[at]), label="byte")
    original_crc = crc16(bytes(raw[6:segment_end]))
    raw[at] = new
    if crc16(bytes(raw[6:segment_end])) == original_crc:
        return  # the standard's CRC is weak: this mutation is invisible to it, nothing to expect
    with pytest.raises(FrameError) as err:
        decode(bytes(raw))
    assert err.value.reason == "crc"


@given(packets(), st.lists(st.integers(1, 60), min_size=1, max_size=30))
@settings(max_examples=100)
def test_splitter_reassembles_any_chunking(packet: Packet, cuts: list[int]) -> None:
    stream = encode(packet) * 3
    splitter, frames, pos = FrameSplitter(), [], 0
    for size in cuts * 50:
        if pos >= len(stream):
            break
        frames += splitter.feed(stream[pos : pos + size])
        pos += size
    frames += splitter.feed(stream[pos:])
    assert frames == [encode(packet)] * 3
    assert not splitter.errors


_JUNK = [b"garbage", b"#", b"##", b"##12", b"##99999", b"\r\n", b"##0010abc", b"####", b"\x00\xff"]


@given(
    st.lists(st.one_of(st.sampled_from(_JUNK), st.just(b"")), min_size=1, max_size=12),
    st.lists(st.integers(1, 700), max_size=8),
)
@settings(max_examples=200)
def test_the_splitter_cuts_a_stream_with_junk_alike_however_it_arrives(
    junk: list[bytes], cuts: list[int]
) -> None:
    """Good frames between junk come out whole, and the same bytes are dropped, whether the stream comes
    in one read or in pieces cut anywhere."""
    good = frame(APPENDIX_A)
    stream = b"".join(part + good for part in junk)
    whole = FrameSplitter()
    expected = whole.feed(stream) + whole.flush()
    pieces, pos = FrameSplitter(), 0
    frames = []
    for size in cuts:
        frames += pieces.feed(stream[pos : pos + size])
        pos += size
    frames += pieces.feed(stream[pos:]) + pieces.flush()
    assert frames == expected and expected.count(good) >= len(junk)
    dropped = [int(str(e).split("dropped ")[1].split()[0]) for e in whole.errors]
    assert sum(dropped) + sum(map(len, expected)) == len(stream)  # every byte is a frame's or dropped
    assert whole.junk_bytes == pieces.junk_bytes == sum(dropped)  # a run of junk read in pieces counts once
    assert len(pieces.errors) <= len(whole.errors) + len(frames)  # ... and is not reported once per piece


def test_splitter_survives_garbage_and_bad_lengths() -> None:
    good = frame(APPENDIX_A)
    too_long = b"##0596" + APPENDIX_A.encode() + b"1C80\r\n"
    too_short = b"##0090" + APPENDIX_A.encode() + b"1C80\r\n"
    stream = b"GET / HTTP/1.1\r\n" + good + b"\x00\xff##xx" + too_long + good + too_short + good
    splitter = FrameSplitter()
    frames = splitter.feed(stream)
    decoded, rejected = [], []
    for raw in frames:
        try:
            decoded.append(decode(raw))
        except FrameError as exc:
            rejected.append(exc.reason)
    assert len(decoded) == 3
    assert rejected == ["length", "length"]
    assert splitter.errors and all(e.reason == "header" for e in splitter.errors)


def test_header_fields_by_name_take_the_first_of_a_repeated_name() -> None:
    packet = Packet(header=(("ST", "22"), ("CN", "2011"), ("ST", "31"), ("PW", "1"), ("MN", "M")))
    assert packet.fields == {"ST": "22", "CN": "2011", "PW": "1", "MN": "M"}
    assert (packet.st, packet.cn, packet.flag, packet.is_split) == ("22", "2011", None, False)


@pytest.mark.parametrize("junk", [b"#", b"##", b"x", b"##99x"])
def test_a_megabyte_of_junk_is_one_run_however_it_arrives(junk: bytes) -> None:
    good = frame(APPENDIX_A)
    stream = junk * (1_000_000 // len(junk)) + good
    splitter, frames = FrameSplitter(max_segment=1024), []
    for at in range(0, len(stream), 32 * 1024):
        frames += splitter.feed(stream[at : at + 32 * 1024])
    assert frames == [good]
    assert len(splitter.errors) == 1 and splitter.junk_bytes == len(stream) - len(good)


# Found by bench/fuzz.py: str.isdigit() is true for "²" and other Unicode digits, which int() refuses, so the
# packet was accepted and its reader then failed with a bare ValueError.
@pytest.mark.parametrize("field", ["Flag=²", "PNUM=²;PNO=1", "Flag=٣"])
def test_non_ascii_digits_in_a_number_field_are_a_frame_error(field: str) -> None:
    raw = frame(f"ST=22;CN=2011;PW=123456;MN=M1;{field};CP=&&a34004-Rtd=1&&")
    with pytest.raises(FrameError, match="is not a number") as caught:
        decode(raw)
    assert caught.value.reason == "data"


def test_non_ascii_digits_in_the_data_time_are_a_frame_error() -> None:
    raw = frame("ST=22;CN=2011;PW=123456;MN=M1;CP=&&DataTime=20231115063320²²²;a34004-Rtd=1&&")
    with pytest.raises(FrameError, match="is not YYYYMMDDhhmmss") as caught:
        decode(raw)
    assert caught.value.reason == "data"
