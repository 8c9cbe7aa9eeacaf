"""Wire protocol: messages round-trip, bad input is refused with a reason, never half-applied."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.core import protocol
from console.core.models import Reading, Station, StationKind, StationStatus
from console.core.protocol import ProtocolError

STATION = Station(
    id="AIR-001", name="夏都空气站", kind=StationKind.AIR, township="110119001", lon=115.97, lat=40.45,
    mn="ABCDEF012345678901234567", st="22", factors=("a34004", "a34002"),
)  # fmt: skip


def test_hub_messages_round_trip() -> None:
    messages = [
        protocol.Welcome(epoch="e1", seq=7, role="duty", heartbeat_s=5.0, resumed=True),
        protocol.Snapshot(
            epoch="e1",
            seq=7,
            stations=[STATION],
            latest=[Reading("AIR-001", "a34004", 1.7e9, 75.2, "N")],
            status=[protocol.StatusEntry("AIR-001", StationStatus.FAULT, 1.7e9, "a21005 instrument fault")],
        ),
        protocol.Readings(epoch="e1", seq=8, items=[Reading("AIR-001", "a34004", 1.7e9, 80.0, "D")]),
        protocol.StationEvent(
            epoch="e1", seq=9, entry=protocol.StatusEntry("AIR-001", StationStatus.OFFLINE, 1.0)
        ),
        protocol.Heartbeat(epoch="e1", seq=9, ts=1.7e9),
        protocol.Ack(id="u1", ok=False, error="version conflict"),
        protocol.Error(code="unauthorized", message="wrong token"),
    ]
    for message in messages:
        assert protocol.decode_hub(protocol.encode(message)) == message


def test_readings_travel_as_compact_arrays() -> None:
    data = protocol.encode(
        protocol.Readings(epoch="e", seq=1, items=[Reading("S", "a34004", 10.0, 1.5, "N")])
    )
    assert b'["S","a34004",10.0,1.5,"N"]' in data


def test_client_messages_round_trip() -> None:
    hello = protocol.Hello(protocol=1, token="t", client="wall-1", resume=protocol.Resume("e1", 41))
    assert protocol.decode_client(protocol.encode(hello)) == hello
    command = protocol.Command(
        id="9b2c", action="dispatch", target="INC-1", expected_version=3, args={"to": "x"}
    )
    assert protocol.decode_client(protocol.encode(command)) == command


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"{not json", "malformed JSON"),
        (b'{"type":"hello","token":"t"}', "protocol"),
        (b'{"type":"launch","protocol":1}', "invalid message"),
        (b'{"type":"hello","protocol":"one","token":"t"}', "Expected `int`"),
        (b"[]", "invalid message"),
    ],
)
def test_bad_client_messages_are_refused(data: bytes, words: str) -> None:
    with pytest.raises(ProtocolError) as err:
        protocol.decode_client(data)
    assert words in str(err.value)


def test_bad_reading_rejects_the_whole_message() -> None:
    good = b'["S","a34004",10.0,1.5,"N"]'
    data = b'{"type":"readings","epoch":"e","seq":2,"items":[' + good + b',["S","a34004","ten",1.5,"N"]]}'
    with pytest.raises(ProtocolError):
        protocol.decode_hub(data)


def test_oversized_message_is_refused_unread() -> None:
    with pytest.raises(ProtocolError) as err:
        protocol.decode_hub(b" " * (protocol.MAX_MESSAGE_BYTES + 1))
    assert "exceeds" in str(err.value)


@given(st.binary(max_size=200))
def test_garbage_never_crashes_the_decoder(data: bytes) -> None:
    try:
        protocol.decode_hub(data)
    except ProtocolError:
        pass


# Found by bench/fuzz.py: msgspec lets UnicodeDecodeError/UnicodeEncodeError and RecursionError through, so
# a client's bad frame escaped the server's ``except ProtocolError``.
HELLO = '{"type": "hello", "protocol": 1, "token": "%s"}'
ERROR = '{"type": "error", "code": "auth", "message": "%s"}'


@pytest.mark.parametrize(
    ("decode", "template"),
    [(protocol.decode_client, HELLO), (protocol.decode_hub, ERROR)],
    ids=["client", "hub"],
)
@pytest.mark.parametrize(
    "text",
    [
        b"t\xed\xa0\x80",  # a surrogate encoded in UTF-8
        b"\xff",
        "\udcff",  # a lone surrogate in text
        b'", "x": ' + b"[" * 100000 + b"]" * 100000 + b', "y": "',  # deep nesting in an unknown field
    ],
    ids=["utf8-surrogate", "invalid-byte", "lone-surrogate", "deep-nesting"],
)
def test_undecodable_text_and_deep_nesting_are_protocol_errors(
    decode, template: str, text: bytes | str
) -> None:
    data = (template % text) if isinstance(text, str) else (template.encode() % text)
    with pytest.raises(ProtocolError, match=r"malformed JSON: (text is not UTF-8|nested too deeply)"):
        decode(data)
