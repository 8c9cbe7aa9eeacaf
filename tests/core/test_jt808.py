"""JT/T 808 codec: every development frame field by field, escapes, stream splitting, rejections,
sub-packages, replies and round trips."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.core import jt808
from console.core.jt808 import (
    Authentication,
    Batch,
    FrameError,
    FrameSplitter,
    Header,
    Heartbeat,
    Location,
    Message,
    Package,
    Raw,
    Reassembler,
    Registration,
    decode,
    encode,
    encode_frame,
)
from tests.conftest import shared_file

CST = timezone(timedelta(hours=8))


def unix(year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    """Unix seconds of a terminal time (UTC+8)."""
    return int(datetime(year, month, day, hour, minute, second, tzinfo=CST).timestamp())


def dev_frames() -> list[tuple[str, bytes]]:
    path = shared_file("data/jt808_frames_dev.txt")
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        source, hexed = line.split()
        rows.append((source, bytes.fromhex(hexed)))
    return rows


def frame(index: int, source: str) -> bytes:
    found, raw = dev_frames()[index]
    assert found == source
    return raw


def location(index: int, source: str) -> tuple[Header, Location]:
    message = decode(frame(index, source))
    assert message.header.msg_id == jt808.LOCATION and isinstance(message.body, Location)
    assert message.faults == ()
    return message.header, message.body


# -- every development frame, field by field ---------------------------------------------------------


def test_traccar_location_south_with_zero_padded_items() -> None:
    header, loc = location(0, "traccar-huabao-test")
    assert (header.version, header.phone, header.serial, header.body_length) == (
        2013,
        "202000129707",
        0x1C,
        46,
    )
    assert loc.alarm == 0 and loc.alarms == frozenset()
    assert loc.status == 0x1C06  # bits 1, 2, 10, 11, 12
    assert loc.flags == {"positioned", "south", "oil_cut", "circuit_cut", "doors_locked"}
    assert loc.latitude == -27.455656  # 0x01A2F0A8 = 27455656, south
    assert loc.longitude == 153.029616  # 0x091F0BF0 = 153029616, east
    assert (loc.altitude, loc.speed, loc.heading) == (0, 0.0, 0xED)
    assert loc.time == unix(2020, 11, 3, 3, 17, 33)  # BCD 201103031733
    # The additional area is zero padding: four empty items 0x00, then one claiming 0x78 bytes.
    assert loc.items == ((0, b""),) * 4
    assert loc.trailing == bytes.fromhex("00780000000018000000")


def test_traccar_batch_is_a_back_fill_of_eight_reports() -> None:
    message = decode(frame(1, "traccar-huabao-test"))
    assert (message.header.msg_id, message.header.phone, message.header.serial) == (
        0x0704,
        "013567777777",
        0x07F5,
    )
    batch = message.body
    assert isinstance(batch, Batch) and batch.kind == "back-fill" and len(batch.locations) == 8
    first, last = batch.locations[0], batch.locations[-1]
    assert first.status == 3 and first.acc and first.positioned
    assert (first.latitude, first.longitude) == (22.639634, 114.031952)  # 0x01597412, 0x06CBFD50
    assert (first.altitude, first.speed, first.heading) == (0x0172, 0.0, 1)
    assert first.time == unix(2016, 5, 27, 9, 6, 24)
    assert first.mileage == 2.9  # item 0x01 = 0x1D tenths of km
    assert first.items == ((0x01, bytes.fromhex("0000001D")), (0x03, b"\0\0"))
    assert (last.latitude, last.longitude, last.altitude) == (22.64055, 114.032432, 0x0108)  # 0x015977A6
    assert last.time == unix(2016, 5, 27, 9, 10, 2)
    times = [loc.time for loc in batch.locations]
    assert times == sorted(times)


def test_traccar_registration_2013_with_gbk_plate() -> None:
    message = decode(frame(2, "traccar-huabao-test"))
    assert (message.header.phone, message.header.serial) == ("013511221122", 5)
    assert message.body == Registration(0, 0, "70107", "HB-R03GBD", "2366104", 2, "苏BA6860")  # CBD5 = 苏


def test_traccar_authentication_2013() -> None:
    message = decode(frame(3, "traccar-huabao-test"))
    assert (message.header.msg_id, message.header.serial) == (0x0102, 6)
    assert message.body == Authentication("authentication")


def test_policy_case_wrong_length_and_check_code_refused_unless_lenient() -> None:
    raw = frame(4, "traccar-huabao-test")
    with pytest.raises(FrameError) as caught:
        decode(raw)
    assert caught.value.reason == "check"  # D0 sent, the data gives F0
    message = decode(raw, lenient=True)
    assert message.faults == ("check", "length")
    assert message.header.body_length == 50  # the body has 40 bytes
    loc = message.body
    assert isinstance(loc, Location)
    assert loc.status == 0x000C0003 and loc.flags == {"acc", "positioned", "gps", "beidou"}
    assert (loc.latitude, loc.longitude) == (22.51488, 113.916508)  # 0x01578CC0, 0x06CA3A5C
    assert (loc.altitude, loc.speed, loc.heading) == (0x47, 0.0, 0)
    assert loc.time == unix(2014, 7, 23, 17, 20, 15)
    assert (loc.mileage, loc.signal, loc.satellites) == (0.0, 0x16, 0x0B)
    # With the length and check code corrected the frame is accepted as it is: those are its only faults.
    assert decode(encode(message)) == Message(replace_length(message.header, 40), loc)


def replace_length(header: Header, length: int) -> Header:
    return Header(header.msg_id, header.phone, header.serial, header.version, header.protocol,
                  header.encryption, header.package, length)  # fmt: skip


def test_traccar_sos_in_the_western_hemisphere() -> None:
    header, loc = location(5, "traccar-huabao-test")
    assert (header.phone, header.serial) == ("094027587492", 10)
    assert loc.alarm == 1 and loc.sos and "sos" in loc.alarms
    assert loc.status == 0x0A and loc.flags == {"positioned", "west"}
    assert (loc.latitude, loc.longitude) == (50.871735, -1.255923)  # 0x03083DB7, 0x001329F3
    assert (loc.altitude, loc.speed, loc.heading) == (0, 2.0, 0)  # speed 0x14 tenths of km/h
    assert loc.time == unix(2013, 4, 12, 16, 49, 52)
    assert loc.mileage == 1.8
    assert loc.item(0x36) == bytes.fromhex("0002341502CB0C20085C")


@pytest.mark.parametrize(
    ("index", "source", "phone", "serial"),
    [
        (6, "traccar-huabao-test", "043048325465", 0xB7),
        (7, "go-jt808-parse-test", "012345678901", 0),
        (8, "smallchi-jt808-0x0002", "040021679287", 0x2B),  # its check code 0x7E is sent as 7D 02
    ],
)
def test_heartbeats(index: int, source: str, phone: str, serial: int) -> None:
    message = decode(frame(index, source))
    assert message == Message(Header(0x0002, phone, serial), Heartbeat())


def test_registration_2019() -> None:
    message = decode(frame(9, "go-jt808-parse-test"))
    header = message.header
    assert (header.version, header.protocol, header.phone, header.terminal) == (
        2019, 1, "00000000017299841738", "17299841738"
    )  # fmt: skip
    assert message.body == Registration(0x1F, 0x73, "cd", "www.808.com", "7654321", 1, "测A1234")  # B2E2 = 测


def test_authentication_2019() -> None:
    message = decode(frame(10, "go-jt808-parse-test"))
    assert message.header.version == 2019
    assert message.body == Authentication("17299841738", "123456789012345", "3.7.15")


def test_smallchi_location_with_escaped_mileage() -> None:
    raw = frame(11, "smallchi-jt808-0x0200-test6")
    assert b"\x7d\x01" in raw
    header, loc = location(11, "smallchi-jt808-0x0200-test6")
    assert (header.phone, header.serial) == ("040021682087", 0x1D0C)
    assert loc.status == 0x000C00C2 and loc.positioned and not loc.acc
    assert (loc.latitude, loc.longitude) == (22.76875, 113.792664)  # 0x015B6C6E, 0x06C85698
    assert (loc.altitude, loc.speed, loc.heading) == (30, 0.0, 0xE0)
    assert loc.time == unix(2018, 9, 16, 10, 35, 37)
    assert loc.mileage == 34726.1  # 0x00054C7D, whose 7D was escaped
    assert (loc.extended_status, loc.signal, loc.satellites) == (0, 0x1D, 0x0D)
    assert [key for key, _ in loc.items] == [0x01, 0x02, 0x03, 0x25, 0x2B, 0x30, 0x31]


def test_unpositioned_location_at_zero_zero() -> None:
    _, loc = location(12, "traccar-5331")
    assert not loc.positioned and loc.status == 0x000C0000
    assert (loc.latitude, loc.longitude, loc.altitude) == (0.0, 0.0, 0)
    assert loc.time == unix(2024, 6, 10, 16, 55, 43)
    assert (loc.signal, loc.satellites, loc.mileage) == (0x16, 0, None)
    assert [key for key, _ in loc.items] == [0x04, 0x05, 0x30, 0x31, 0x5D, 0x61, 0x62, 0x64, 0x65]


def test_location_2019_with_area_alarms() -> None:
    header, loc = location(13, "jt-framework-doc")
    assert (header.version, header.protocol, header.terminal, header.body_length) == (
        2019,
        1,
        "13912344321",
        45,
    )
    assert loc.alarm == 0x00300000 and loc.alarms == {"area_in_out", "route_in_out"}
    assert loc.status == 0x00400001 and loc.flags == {"acc", "moving"}
    assert (loc.latitude, loc.longitude) == (30.22893, 120.12792)  # 0x01CD41C2, 0x072901B0
    assert (loc.altitude, loc.speed, loc.heading) == (2345, 66.6, 90)
    assert loc.time == unix(2023, 4, 28, 21, 31, 41)
    assert (loc.mileage, loc.signal) == (66.7, 0x63)


def test_location_2019_with_many_items() -> None:
    header, loc = location(14, "xtream-codec-demo")
    assert (header.version, header.phone, header.serial) == (2019, "00000000018930946552", 0xE4)
    assert loc.status == 1 and loc.acc and not loc.positioned
    assert (loc.latitude, loc.longitude) == (31.000562, 121.451372)  # 0x01D907F2, 0x073D336C
    assert loc.time == unix(2021, 11, 24, 11, 48, 8)
    assert (loc.mileage, loc.signal, loc.satellites, loc.extended_status) == (3.8, 0x15, 0, 0)
    assert loc.item(0xEA) == b"\xff" * 16 and len(loc.items) == 14 and loc.trailing == b""


def test_go_jt808_batch_decoded_as_sent_with_swapped_coordinates() -> None:
    message = decode(frame(15, "go-jt808-parse-test"))
    batch = message.body
    assert isinstance(batch, Batch) and batch.kind == "normal" and len(batch.locations) == 2
    loc = batch.locations[0]
    assert loc.alarm == 0x400 and loc.alarms == {"tts_fault"}
    assert loc.status == 0x800 and not loc.positioned
    # The test data swapped latitude and longitude: the codec keeps them as sent and says they are impossible.
    assert (loc.latitude, loc.longitude) == (119.552894, 40.058359)  # 0x07203B7E, 0x02633DF7
    assert not loc.plausible
    assert (loc.altitude, loc.speed, loc.heading) == (312, 0.3, 99)
    assert loc.time == unix(2024, 10, 1, 23, 59, 59)
    assert batch.locations[1] == loc


def test_every_accepted_dev_frame_encodes_back_to_its_bytes() -> None:
    for source, raw in dev_frames():
        message = decode(raw, lenient=True)
        if not message.faults:
            assert encode(message) == raw, source


# -- escapes and check codes ---------------------------------------------------------------------------


def test_escape_round_trip() -> None:
    data = bytes.fromhex("307E087D557D027D01")
    escaped = jt808.escape(data)
    assert escaped == bytes.fromhex("307D02087D01557D01027D0101")
    assert b"\x7e" not in escaped and jt808.unescape(escaped) == data


@pytest.mark.parametrize("bad", ["7D03", "007D", "7D7D02", "307E30"])
def test_bad_escapes_are_refused(bad: str) -> None:
    with pytest.raises(FrameError) as caught:
        jt808.unescape(bytes.fromhex(bad))
    assert caught.value.reason == "escape"


def test_location_with_flag_bytes_in_its_body_round_trips() -> None:
    loc = Location(0x7E7D, 0x7D7E0002, 22.5, 114.0, 0x7E, 12.6, 0x7D, unix(2024, 1, 2, 3, 4, 5),
                   ((0x7E, b"\x7d\x7e"),))  # fmt: skip
    raw = encode(Message(Header(0x0200, "013511221122", 0x7E7D), loc))
    assert raw.count(b"\x7e") == 2
    assert decode(raw).body == loc


def test_check_code_is_the_xor_of_header_and_body() -> None:
    assert jt808.check_code(bytes.fromhex("000200000430483254650000B7")) == 0xCA
    assert jt808.check_code(b"") == 0 and jt808.check_code(b"\x5a") == 0x5A


@pytest.mark.parametrize("at", [-2, 3, 20])
def test_wrong_check_codes_are_refused(at: int) -> None:
    raw = bytearray(frame(5, "traccar-huabao-test"))
    raw[at] ^= 0x01
    with pytest.raises(FrameError) as caught:
        decode(bytes(raw))
    assert caught.value.reason == "check"


# -- other rejections --------------------------------------------------------------------------------


def reframe(data: bytes) -> bytes:
    """Frame ``data`` (header + body) with its correct check code."""
    return b"\x7e" + jt808.escape(data + bytes((jt808.check_code(data),))) + b"\x7e"


def test_length_field_mismatch_with_a_right_check_code() -> None:
    good = jt808.unescape(frame(5, "traccar-huabao-test")[1:-2])
    data = good[:2] + b"\x00\x2d" + good[4:]  # says 45, holds 46
    with pytest.raises(FrameError) as caught:
        decode(reframe(data))
    assert caught.value.reason == "length"
    assert decode(reframe(data), lenient=True).faults == ("length",)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("02000000", "truncated"),  # no header
        ("0200001C013511221122000700000000000C000301578CC006CA3A5C004700000000", "truncated"),  # no time
        ("02000000F13511221122000700", "bcd"),  # phone digit F
        ("0200001C01351122112200070000000000000003015700000000000000000000000014F72317201500", "bcd"),
        ("0200001C01351122112200070000000000000003015700000000000000000000000014023017201500", "time"),
        ("0200001C01351122112200070000000000000003015700000000000000000000000014022324201500", "time"),
        ("0002400000000000000001729984173800000000", "version"),  # 2019 header, protocol version 0
        ("00028000013511221122000700", "version"),  # reserved attribute bit 15
        ("0704000D01351122112200070002010026", "truncated"),  # batch of 2 with no items
        ("0704000301351122112200070000020000", "body"),  # batch type 2
    ],
)
def test_rejections_name_their_reason(data: str, reason: str) -> None:
    raw = bytes.fromhex(data)
    raw = raw[:2] + (int.from_bytes(raw[2:4]) & 0xFC00 | len(raw) - _header_size(raw)).to_bytes(2) + raw[4:]
    for lenient in (False, True):  # lenient decoding forgives only the length field and the check code
        with pytest.raises(FrameError) as caught:
            decode(reframe(raw), lenient=lenient)
        assert caught.value.reason == reason


def _header_size(raw: bytes) -> int:
    return min(len(raw), 17 if raw[2] & 0x40 else 12)


def test_an_item_one_byte_short_goes_to_trailing() -> None:
    base = jt808.location_body(SAMPLE)[:28]
    loc = jt808.parse_location(base + bytes.fromhex("3001160104000012"))  # 0x01 claims 4, has 3
    assert loc.items == ((0x30, b"\x16"),) and loc.trailing == bytes.fromhex("0104000012")
    assert loc.signal == 0x16 and loc.mileage is None


def test_all_zero_time_means_no_time() -> None:
    loc = Location(0, 0, 0.0, 0.0, 0, 0.0, 0, None)
    assert jt808.location_body(loc)[22:28] == bytes(6)
    assert jt808.parse_location(jt808.location_body(loc)).time is None


def test_not_a_frame() -> None:
    with pytest.raises(FrameError) as caught:
        decode(b"\x7e\x00\x02\x7e")
    assert caught.value.reason == "truncated"
    with pytest.raises(FrameError) as caught:  # long enough escaped, too short once unescaped
        decode(b"\x7e" + b"\x7d\x01" * 7 + b"\x7e")
    assert caught.value.reason == "truncated"
    with pytest.raises(FrameError) as caught:
        decode(b"\x00" + frame(6, "traccar-huabao-test")[1:])
    assert caught.value.reason == "flag"


# -- the stream splitter ---------------------------------------------------------------------------


def test_frames_split_across_reads_at_every_byte_boundary() -> None:
    frames = [raw for _, raw in dev_frames()]
    stream = b"".join(frames)
    for cut in range(len(stream) + 1):
        splitter = FrameSplitter()
        assert splitter.feed(stream[:cut]) + splitter.feed(stream[cut:]) == frames, cut
        assert splitter.errors == [] and splitter.pending == 1  # the last closing flag may open a frame


def test_frames_fed_a_byte_at_a_time() -> None:
    frames = [raw for _, raw in dev_frames()]
    splitter = FrameSplitter()
    out = [f for byte in b"".join(frames) for f in splitter.feed(bytes((byte,)))]
    assert out == frames


def test_several_frames_in_one_read_decode() -> None:
    frames = [raw for _, raw in dev_frames()]
    out = FrameSplitter().feed(b"".join(frames))
    assert [decode(f, lenient=True).header.msg_id for f in out] == [
        decode(f, lenient=True).header.msg_id for f in frames
    ]


def test_junk_between_frames_is_dropped_once_per_run() -> None:
    a, b = frame(6, "traccar-huabao-test"), frame(7, "go-jt808-parse-test")
    splitter = FrameSplitter()
    out = splitter.feed(b"GET / HTTP/1.1\r\n" + a + b"\x00" * 5000)
    out += splitter.feed(b"\x01" * 5000 + b)
    assert out == [a, b]
    assert [e.reason for e in splitter.errors] == ["junk", "junk"]
    assert splitter.junk_bytes == 16 + 10_000


def test_stray_flags_in_junk_cost_no_frame() -> None:
    a, b = frame(6, "traccar-huabao-test"), frame(7, "go-jt808-parse-test")
    splitter = FrameSplitter()
    out = splitter.feed(a + b"abc\x7eabc" + b + b"\x7e\x7e\x7e" + a)
    assert out == [a, b, a] and len(splitter.errors) == 1


def test_a_flood_of_flags_and_short_runs_is_one_junk_run() -> None:
    splitter = FrameSplitter()
    flood = b"\x7eabc" * 20_000 + b"\x7e" * 5000
    out = [f for at in range(0, len(flood), 32 * 1024) for f in splitter.feed(flood[at : at + 32 * 1024])]
    a = frame(6, "traccar-huabao-test")
    assert out + splitter.feed(a) == [a]
    assert len(splitter.errors) == 1 and splitter.junk_bytes == 60_000  # the flags are not counted


def test_a_garbage_candidate_is_refused_and_the_next_frame_still_decodes() -> None:
    a = frame(5, "traccar-huabao-test")
    splitter = FrameSplitter()
    out = splitter.feed(b"\x7e" + bytes(range(20)) + a)
    with pytest.raises(FrameError):
        decode(out[0])
    assert decode(out[1]).body.sos  # type: ignore[union-attr]


def test_a_frame_without_end_is_dropped_and_the_stream_recovers() -> None:
    splitter = FrameSplitter()
    assert splitter.feed(b"\x7e" + b"\x30" * (jt808.MAX_FRAME + 10)) == []
    assert splitter.pending == 0 and len(splitter.errors) == 1
    a = frame(6, "traccar-huabao-test")
    assert splitter.feed(a) == [a]


# -- 2013 and 2019 headers, sub-packages, replies ----------------------------------------------------


SAMPLE = Location(1, 0x0E, -33.868820, -151.209290, 58, 42.5, 270, unix(2025, 3, 1, 8, 0, 0),
                  ((0x01, (1234).to_bytes(4)), (0x30, b"\x14"), (0x31, b"\x09")))  # fmt: skip


def test_2013_and_2019_headers() -> None:
    old = encode(Message(Header(0x0200, "013912344321", 7), SAMPLE))
    new = encode(Message(Header(0x0200, "00000000013912344321", 7, 2019, 1), SAMPLE))
    assert (
        len(jt808.unescape(new[1:-1])) - len(jt808.unescape(old[1:-1])) == 5
    )  # version byte + 4 phone bytes
    a, b = decode(old), decode(new)
    assert (a.header.version, a.header.protocol, b.header.version, b.header.protocol) == (2013, None, 2019, 1)
    assert a.header.terminal == b.header.terminal == "13912344321"
    assert a.body == b.body == SAMPLE
    assert SAMPLE.flags == {"positioned", "south", "west"} and SAMPLE.sos


def sub_packaged(version: int = 2013, phone: str = "013912344321") -> tuple[Batch, list[bytes]]:
    batch = Batch("back-fill", tuple(SAMPLE for _ in range(30)))  # 30 x 44 bytes: over 1023
    body = jt808.batch_body(batch)
    parts = [body[at : at + 500] for at in range(0, len(body), 500)]
    protocol = 1 if version == 2019 else None
    frames = [
        encode_frame(Header(0x0704, phone, 40 + n, version, protocol, package=Package(len(parts), n)), part)
        for n, part in enumerate(parts, start=1)
    ]
    return batch, frames


@pytest.mark.parametrize("version", [2013, 2019])
def test_sub_packages_reassembled_in_any_order(version: int) -> None:
    batch, frames = sub_packaged(version)
    assert len(frames) == 3
    for order in itertools.permutations(frames):
        assembler = Reassembler()
        results = [assembler.add(decode(raw)) for raw in order]
        assert results[:2] == [None, None] and assembler.pending == 0
        joined = results[2]
        assert joined is not None and joined.body == batch
        assert joined.header.package is None and joined.header.serial == 41


def test_a_part_alone_stays_raw_and_interleaved_terminals_do_not_mix() -> None:
    batch, ours = sub_packaged()
    _, theirs = sub_packaged(phone="013800000000")
    first = decode(ours[0])
    assert isinstance(first.body, Raw) and first.header.package == Package(3, 1)
    assembler = Reassembler()
    done = [assembler.add(decode(raw)) for pair in zip(ours, theirs[::-1], strict=True) for raw in pair]
    assert [m.header.terminal for m in done if m is not None] == ["13912344321", "13800000000"]
    assert all(m.body == batch for m in done if m is not None)


def test_reassembler_drops_the_oldest_beyond_its_limit() -> None:
    assembler = Reassembler(max_pending=2)
    for phone in ("1", "2", "3"):
        assembler.add(decode(sub_packaged(phone=phone)[1][0]))
    assert (assembler.pending, assembler.dropped) == (2, 1)
    assert assembler.add(decode(frame(6, "traccar-huabao-test"))) is not None  # not a part: passed through


def test_general_reply_answers_the_message() -> None:
    asked = decode(frame(5, "traccar-huabao-test"))
    reply = decode(jt808.general_reply(asked.header, serial=0x7E))
    assert reply.header == Header(0x8001, "094027587492", 0x7E, body_length=5)
    assert reply.body == jt808.GeneralReply(serial=10, msg_id=0x0200, result=0)
    # By hand: 8001 0005 094027587492 007E | 000A 0200 00, XOR 0x22; the serial's 7E is sent as 7D 02.
    expected = "7E80010005094027587492007D02000A020000227E"
    assert jt808.general_reply(asked.header, serial=0x7E) == bytes.fromhex(expected)


@pytest.mark.parametrize("version", [2013, 2019])
def test_registration_reply_carries_the_auth_code(version: int) -> None:
    index = 2 if version == 2013 else 9
    asked = decode(frame(index, "traccar-huabao-test" if version == 2013 else "go-jt808-parse-test"))
    reply = decode(jt808.register_reply(asked.header, serial=1, result=0, auth_code="A1B2C3"))
    assert reply.header.msg_id == 0x8100 and reply.header.version == version
    assert reply.header.phone == asked.header.phone
    assert reply.body == jt808.RegisterReply(asked.header.serial, 0, "A1B2C3")
    refused = decode(jt808.register_reply(asked.header, serial=2, result=4, auth_code="ignored"))
    assert refused.body == jt808.RegisterReply(asked.header.serial, 4, "") and refused.header.body_length == 3


# -- round trips -------------------------------------------------------------------------------------

u32 = st.integers(0, 0xFFFFFFFF)
u16 = st.integers(0, 0xFFFF)
times = st.one_of(st.none(), st.integers(unix(2000, 1, 1, 0, 0, 0), unix(2099, 12, 31, 23, 59, 59)))
items = st.lists(st.tuples(st.integers(0, 255), st.binary(max_size=20)), max_size=6).map(tuple)


@st.composite
def location_bodies(draw: st.DrawFn) -> bytes:
    """A 0x0200 body from raw field values (south and west bits included)."""
    stamp = jt808.format_time(draw(times))
    base = jt808._LOCATION.pack(
        draw(u32), draw(u32), draw(u32), draw(u32), draw(u16), draw(u16), draw(u16), stamp
    )
    return base + b"".join(bytes((key, len(value))) + value for key, value in draw(items))


@given(location_bodies())
@settings(max_examples=300)
def test_location_body_round_trip(body: bytes) -> None:
    assert jt808.location_body(jt808.parse_location(body)) == body


@given(
    st.lists(location_bodies(), min_size=1, max_size=5),
    st.sampled_from([(2013, None, 12), (2019, 1, 20), (2019, 3, 20)]),
    st.integers(0, 10**11),
    u16,
    st.lists(st.integers(1, 40), min_size=1, max_size=20),
)
@settings(max_examples=200)
def test_frames_round_trip_through_the_splitter(
    bodies: list[bytes], edition: tuple[int, int | None, int], number: int, serial: int, reads: list[int]
) -> None:
    version, protocol, digits = edition
    header = Header(0x0200, str(number).rjust(digits, "0"), serial, version, protocol)
    frames = [encode_frame(header, body) for body in bodies]
    stream, out, at = b"".join(frames), [], 0
    splitter = FrameSplitter()
    for size in itertools.cycle(reads):
        if at >= len(stream):
            break
        out += splitter.feed(stream[at : at + size])
        at += size
    assert out == frames
    assert [encode(decode(raw)) for raw in out] == frames


@given(st.binary(max_size=200), st.sampled_from([0x0002, 0x0100, 0x0102, 0x0200, 0x0704, 0x8001, 0x8100]))
@settings(max_examples=500)
def test_any_bytes_decode_or_raise_frame_error(data: bytes, msg_id: int) -> None:
    # The check code right and the id a known one, so the header and body parsers see the bytes.
    raw = msg_id.to_bytes(2) + data
    for lenient in (False, True):
        try:
            message = decode(reframe(raw), lenient=lenient)
        except FrameError:
            continue
        assert message.header.msg_id == msg_id
