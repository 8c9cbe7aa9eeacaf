"""The C ``frame_segment`` gives exactly ``check_frame(raw).decode()`` or declines with None.

For every frame it returns ``(text, segment_length)`` equal to the checked segment as text and its length
in bytes, or None; None exactly when ``check_frame`` raises, the segment is not ASCII or the CRC field is
not 4 characters of ``[0-9A-Fa-f]``. ``decode`` gives the same packets and the same ``FrameError`` with the
C path as without it. Checked on the real-frame corpus, the standard's Appendix C examples and generated
packets, as sent and mutated.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.core import hj212
from console.core.hj212 import MAX_SEGMENT, FrameError, check_frame, crc16, encode, frame
from tests.core.test_hj212 import APPENDIX_A, appendix_c_segments, dev_frames, packets

C_FRAME_SEGMENT = getattr(hj212._c, "frame_segment", None)
pytestmark = pytest.mark.skipif(
    C_FRAME_SEGMENT is None, reason="C speedups not built or without frame_segment (tools/build_speedups.py)"
)

HEX4 = re.compile(rb"[0-9A-Fa-f]{4}")


# --- reference ---------------------------------------------------------------------------------------------


def crc_field(raw: bytes, segment: bytes) -> bytes:
    """The CRC characters of a frame check_frame accepted, as check_frame finds them."""
    rest = raw[6 + len(segment) :]
    return rest[:-2] if rest.endswith(b"\r\n") else rest


def check(raw: bytes, max_segment: int = MAX_SEGMENT) -> bool:
    """C agrees with check_frame(raw).decode(), or declines where it must. True when C returned a tuple."""
    fast = C_FRAME_SEGMENT(raw, max_segment)
    try:
        segment = check_frame(raw, max_segment=max_segment)
    except FrameError:
        assert fast is None, f"C accepted a frame check_frame rejects: {raw!r}"
        return False
    if not segment.isascii() or not HEX4.fullmatch(crc_field(raw, segment)):
        assert fast is None, f"C must leave this frame to Python: {raw!r}"
        return False
    assert fast is not None, f"C declined an ordinary frame: {raw!r}"
    text, length = fast
    assert type(text) is str and type(length) is int
    assert text == segment.decode("utf-8") and length == len(segment)
    return True


def outcome(raw: bytes, max_segment: int = MAX_SEGMENT):
    """What decode gives: the packet and its oversize flag, or the FrameError's reason and message."""
    try:
        packet = hj212.decode(raw, max_segment=max_segment)
    except FrameError as exc:
        return ("error", exc.reason, str(exc))
    return ("packet", packet, packet.oversize)


def same_decode(monkeypatch: pytest.MonkeyPatch, raw: bytes, max_segment: int = MAX_SEGMENT) -> None:
    fast = outcome(raw, max_segment)
    with monkeypatch.context() as patch:
        patch.setattr(hj212, "_c_frame_segment", None)
        slow = outcome(raw, max_segment)
    assert fast == slow, raw


def variants(raw: bytes) -> list[bytes]:
    """A CRLF-terminated frame as sent: with and without CRLF, uppercase and lowercase CRC."""
    body = raw[:-2]
    lower = body[:-4] + body[-4:].lower()
    return [raw, body, lower, lower + b"\r\n"]


# --- corpus and the standard's examples ------------------------------------------------------------------


def test_real_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    accepted = 0
    for _expect, _description, packet in dev_frames():
        for raw in (packet, packet + b"\r\n"):
            accepted += check(raw)
            same_decode(monkeypatch, raw)
    assert accepted > 0


def test_appendix_c_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    segments = appendix_c_segments()
    assert segments
    for segment in segments:
        for raw in variants(frame(segment)):
            check(raw)
            same_decode(monkeypatch, raw)


def test_appendix_a_example() -> None:
    raw = frame(APPENDIX_A)
    assert C_FRAME_SEGMENT(raw, MAX_SEGMENT) == (APPENDIX_A, len(APPENDIX_A))
    assert C_FRAME_SEGMENT(raw[:-2], MAX_SEGMENT) == (APPENDIX_A, len(APPENDIX_A))
    assert C_FRAME_SEGMENT(raw, len(APPENDIX_A)) == (APPENDIX_A, len(APPENDIX_A))
    assert C_FRAME_SEGMENT(raw, len(APPENDIX_A) - 1) is None


def test_decode_takes_the_c_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def spy(raw, max_segment):
        calls.append(found := C_FRAME_SEGMENT(raw, max_segment))
        return found

    monkeypatch.setattr(hj212, "_c_frame_segment", spy)
    assert hj212.decode(frame(APPENDIX_A)).mn == "010000A8900016F000169DC0"
    assert calls == [(APPENDIX_A, len(APPENDIX_A))]


# --- edge cases --------------------------------------------------------------------------------------------


def segment_with_crc_below(limit: int) -> str:
    """A valid segment whose CRC is below ``limit``, so that its CRC field can be written oddly."""
    for n in range(100_000):
        segment = APPENDIX_A.replace("QN=20160801085857223", f"QN=2016080108{n:07d}")
        if crc16(segment.encode()) < limit:
            return segment
    raise AssertionError("no such segment")


def test_crc_fields_int_might_take_are_left_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    small = segment_with_crc_below(0x100)
    data = small.encode()
    value = crc16(data)
    head = b"##%04d" % len(data) + data
    odd = [b"+%03X" % value, b" %03X" % value, b"%03X " % value, b"0x%02X" % value, b"0_%02X" % value]
    odd += [b"-%03X" % value, b"\t%03X" % value, b"%02X__" % value, b"%04x" % value, b"%04X" % value]
    for crc in odd:
        for raw in (head + crc, head + crc + b"\r\n"):
            took = check(raw)
            assert took == bool(HEX4.fullmatch(crc))
            same_decode(monkeypatch, raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"#",
        b"##",
        b"##0000",
        b"##0000FFFF",
        b"##0000FFFF\r\n",
        b"##0000ffff",
        b"##0000FFFF\r",
        b"##0000FFFF\n",
        b"##0000FFFF\r\n\r\n",
        b"##0000FF\r\n",
        b"##0000FFFFFF",
        b"##0000\r\nFFFF",
        b"#$0000FFFF",
        b"##-000FFFF",
        b"## 000FFFF",
        b"##+000FFFF",
        b"##\xd9\xa0000FFFF",
        b"##9999FFFF\r\n",
        b"##00a1FFFF",
    ],
)
def test_short_and_odd_frames(monkeypatch: pytest.MonkeyPatch, raw: bytes) -> None:
    check(raw)
    same_decode(monkeypatch, raw)


def test_empty_segment() -> None:
    assert C_FRAME_SEGMENT(b"##0000FFFF\r\n", MAX_SEGMENT) == ("", 0)
    assert C_FRAME_SEGMENT(b"##0000ffff", 0) == ("", 0)
    assert C_FRAME_SEGMENT(b"##0000FFFF", -1) is None


@pytest.mark.parametrize("max_segment", [-(2**80), -(2**63), -1, 0, 100, 101, 2**63, 2**80])
def test_any_int_limit(monkeypatch: pytest.MonkeyPatch, max_segment: int) -> None:
    raw = frame(APPENDIX_A)
    assert check(raw, max_segment) == (max_segment >= len(APPENDIX_A))
    same_decode(monkeypatch, raw, max_segment)


def test_other_types_are_left_to_python() -> None:
    raw = frame(APPENDIX_A)

    class Bytes(bytes):
        pass

    class Int(int):
        pass

    for other in (bytearray(raw), memoryview(raw), Bytes(raw), raw.decode(), None):
        assert C_FRAME_SEGMENT(other, MAX_SEGMENT) is None
    for limit in (Int(MAX_SEGMENT), True, float(MAX_SEGMENT), "9999", None):
        assert C_FRAME_SEGMENT(raw, limit) is None
    assert hj212.decode(bytearray(raw)) == hj212.decode(raw)


def test_non_ascii_segments_are_left_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    for segment in (
        APPENDIX_A.replace("RtdInterval=30", "RtdInterval=30;Name=监测点").encode("utf-8"),  # decodes
        APPENDIX_A.replace("RtdInterval=30", "RtdInterval=3\x800").encode("latin-1"),  # not UTF-8
    ):
        for raw in variants(frame(segment)):
            assert C_FRAME_SEGMENT(raw, MAX_SEGMENT) is None
            check(raw)
            same_decode(monkeypatch, raw)


# --- generated packets -------------------------------------------------------------------------------------


@given(packets())
@settings(max_examples=200)
def test_generated_frames(packet: hj212.Packet) -> None:
    raw = encode(packet)
    for variant in variants(raw):
        assert check(variant)
    with pytest.MonkeyPatch.context() as monkeypatch:
        for variant in variants(raw):
            same_decode(monkeypatch, variant)


def mutate(raw: bytes, data: st.DataObject) -> tuple[bytes, int]:
    """One of the ways a frame goes wrong; returns the frame and the max_segment to check it with."""
    length = int(raw[2:6])
    kind = data.draw(
        st.sampled_from(["flip", "truncate", "extend", "digits", "non-ascii", "limit", "crc-char"]),
        label="kind",
    )
    if kind == "flip":
        at = data.draw(st.integers(0, len(raw) - 1), label="at")
        new = data.draw(st.integers(0, 255).filter(lambda b: b != raw[at]), label="byte")
        return raw[:at] + bytes([new]) + raw[at + 1 :], MAX_SEGMENT
    if kind == "truncate":
        cut = data.draw(st.integers(0, len(raw) - 1), label="cut")
        return raw[:cut], MAX_SEGMENT
    if kind == "extend":
        extra = data.draw(
            st.binary(min_size=1, max_size=8) | st.sampled_from([b"\r\n", b"0", b"\n"]), label="extra"
        )
        return raw + extra, MAX_SEGMENT
    if kind == "digits":
        new = data.draw(st.integers(0, 9999).filter(lambda n: n != length), label="length")
        return raw[:2] + b"%04d" % new + raw[6:], MAX_SEGMENT
    if kind == "non-ascii":  # a valid frame, CRC recomputed, with one byte of the segment >= 0x80
        segment = bytearray(raw[6 : 6 + length])
        at = data.draw(st.integers(0, len(segment) - 1), label="at")
        segment[at] = data.draw(st.integers(0x80, 0xFF), label="byte")
        return frame(bytes(segment)), MAX_SEGMENT
    if kind == "limit":
        return raw, data.draw(st.integers(-1, length - 1), label="max_segment")
    at = 6 + length + data.draw(st.integers(0, 3), label="crc position")  # one CRC character replaced
    new = data.draw(st.sampled_from(b"+- _xXgG\t\r\n0aAfF\xff"), label="crc byte")
    return raw[:at] + bytes([new]) + raw[at + 1 :], MAX_SEGMENT


@given(packets(), st.data(), st.booleans(), st.booleans())
@settings(max_examples=500)
def test_mutated_frames(packet: hj212.Packet, data: st.DataObject, crlf: bool, lower: bool) -> None:
    raw = encode(packet)
    if lower:
        raw = raw[:-6] + raw[-6:].lower()
    if not crlf:
        raw = raw[:-2]
    mutated, max_segment = mutate(raw, data)
    check(mutated, max_segment)
    with pytest.MonkeyPatch.context() as monkeypatch:
        same_decode(monkeypatch, mutated, max_segment)
