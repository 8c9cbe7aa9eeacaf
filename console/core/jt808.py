"""JT/T 808-2013 and -2019 framing, check code and message codec: bytes in, messages out, no I/O.

A frame is ``0x7E`` + escaped (header + body + XOR check code) + ``0x7E``; inside, ``0x7E`` is sent as
``7D 02`` and ``0x7D`` as ``7D 01``. The header is 12 bytes (2013: id, attributes, 6-byte BCD phone,
serial) or 17 (2019: plus a protocol version byte, 10-byte phone), 4 more when sub-packaged.

Policies (see docs/jt808.md):

- A frame whose check code or body length field is wrong is refused (``FrameError``). ``lenient=True``
  accepts one whose only faults are those two and marks them in ``Message.faults`` so they can be counted.
- Additional items of a location that run past its body end the item list: the base fields and the
  items read so far are kept, the rest goes to ``Location.trailing``.
- Coordinates are kept as sent (not range-checked); ``Location.plausible`` says whether they can be real.
- An all-zero time (terminals without a fix send it) decodes to ``None``; any other bad time is refused.

The module is long because it is the whole protocol in one place: the records, the body codecs both
ways, the stream splitter and the sub-package reassembly share the constants and the error type.
"""

from __future__ import annotations

import functools
import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

FLAG = 0x7E
MIN_FRAME = 13  # a 2013 header and the check code: the smallest frame, without its flags
MAX_BODY = 0x3FF  # the 10-bit length field
MAX_FRAME = 2 * (21 + MAX_BODY + 1) + 2  # every byte escaped, both flags
TZ_SECONDS = 8 * 3600  # terminal times are BCD in UTC+8

TERMINAL_REPLY = 0x0001
HEARTBEAT = 0x0002
REGISTRATION = 0x0100
AUTHENTICATION = 0x0102
LOCATION = 0x0200
BATCH = 0x0704
GENERAL_REPLY = 0x8001
REGISTER_REPLY = 0x8100

# Alarm flag bits (JT/T 808-2013 table 24, 2019 table 25); unnamed bits are reserved.
ALARM_BITS = {
    0: "sos", 1: "overspeed", 2: "fatigue", 3: "danger_warning", 4: "gnss_fault",
    5: "gnss_antenna_cut", 6: "gnss_antenna_short", 7: "power_low", 8: "power_cut", 9: "display_fault",
    10: "tts_fault", 11: "camera_fault", 12: "ic_card_fault", 13: "overspeed_warning",
    14: "fatigue_warning", 18: "driving_overtime", 19: "parking_overtime", 20: "area_in_out",
    21: "route_in_out", 22: "route_time", 23: "route_deviation", 24: "vss_fault", 25: "fuel_abnormal",
    26: "stolen", 27: "illegal_ignition", 28: "illegal_move", 29: "collision", 30: "rollover",
    31: "illegal_door_open",
}  # fmt: skip
# Status bits (2013 table 25); bits 8-9 are the load state, read with ``Location.load``.
STATUS_BITS = {
    0: "acc", 1: "positioned", 2: "south", 3: "west", 4: "out_of_service", 5: "encrypted_position",
    10: "oil_cut", 11: "circuit_cut", 12: "doors_locked", 13: "door1_open", 14: "door2_open",
    15: "door3_open", 16: "door4_open", 17: "door5_open", 18: "gps", 19: "beidou", 20: "glonass",
    21: "galileo", 22: "moving",
}  # fmt: skip
SOS = 1 << 0
ACC = 1 << 0
POSITIONED = 1 << 1
SOUTH = 1 << 2
WEST = 1 << 3

# Additional location items decoded by ``Location``.
ITEM_MILEAGE = 0x01  # u32, 0.1 km
ITEM_EXTENDED_STATUS = 0x25  # u32
ITEM_SIGNAL = 0x30  # u8, wireless signal strength
ITEM_SATELLITES = 0x31  # u8, GNSS satellites in use

_LOCATION = struct.Struct(">IIIIHHH6s")
_HEADER_2013 = struct.Struct(">HH6sH")
_HEADER_2019 = struct.Struct(">HHB10sH")
_PACKAGE = struct.Struct(">HH")
# A candidate frame: a flag, MIN_FRAME to MAX_FRAME - 2 bytes without a flag, and the closing flag (not
# consumed: it may open the next frame).
_CANDIDATE = re.compile(rb"\x7e[^\x7e]{%d,%d}(?=\x7e)" % (MIN_FRAME, MAX_FRAME - 2))


class FrameError(ValueError):
    """A frame or body that cannot be accepted. ``reason`` is one short word for metrics and logs:
    flag, escape, truncated, check, length, version, bcd, time, body."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


def escape(data: bytes) -> bytes:
    """Escape ``0x7D`` as ``7D 01`` and ``0x7E`` as ``7D 02`` (the inside of a frame, without flags)."""
    if b"\x7d" in data:
        data = data.replace(b"\x7d", b"\x7d\x01")
    if b"\x7e" in data:
        data = data.replace(b"\x7e", b"\x7d\x02")
    return data


def unescape(data: bytes) -> bytes:
    """Undo ``escape``; a ``0x7D`` not followed by 01 or 02 (or a ``0x7E`` inside) raises ``FrameError``.

    Every 0x7D of valid data starts an escape and no escape's second byte is 0x7D, so counting the pairs
    is exact and the work stays in C (``bytes.replace``)."""
    if b"\x7e" in data:
        raise FrameError("escape", "0x7E inside a frame")
    marks = data.count(b"\x7d")
    if not marks:
        return data
    if marks != data.count(b"\x7d\x01") + data.count(b"\x7d\x02"):
        raise FrameError("escape", "0x7D not followed by 01 or 02")
    return data.replace(b"\x7d\x02", b"\x7e").replace(b"\x7d\x01", b"\x7d")


def check_code(data: bytes) -> int:
    """XOR of all bytes of ``data``: the halves of one big integer are folded together, so the loop runs
    log2(len) times instead of once a byte."""
    size = len(data)
    if size == 0:
        return 0
    value = int.from_bytes(data)
    while size > 1:
        half = size // 2
        value = (value >> (half * 8)) ^ (value & ((1 << (half * 8)) - 1))
        size -= half
    return value


def bcd_digits(data: bytes) -> str:
    """The decimal digits of packed BCD bytes; a nibble over 9 raises ``FrameError``."""
    digits = data.hex()
    if not digits.isdigit():
        raise FrameError("bcd", f"{digits!r} is not BCD")
    return digits


def to_bcd(digits: str, size: int) -> bytes:
    """``digits`` as ``size`` bytes of packed BCD, left-padded with zeros."""
    if not digits.isdigit() or len(digits) > size * 2:
        raise ValueError(f"{digits!r} does not fit {size} BCD bytes")
    return bytes.fromhex(digits.rjust(size * 2, "0"))


@functools.lru_cache(maxsize=4096)
def _day(text: str) -> int:
    """Days from 1970-01-01 to the date ``YYMMDD`` (years 2000-2099)."""
    try:
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6])).toordinal() - 719163
    except ValueError:
        raise FrameError("time", f"{text!r} is not a date YYMMDD") from None


@functools.lru_cache(maxsize=4096)
def parse_time(raw: bytes) -> int | None:
    """Unix seconds of a BCD ``YYMMDDhhmmss`` in UTC+8; None for all zeros (a terminal without a fix).

    Cached: thousands of terminals report the same few seconds."""
    if raw == b"\0\0\0\0\0\0":
        return None
    text = bcd_digits(raw)
    hour, minute, second = int(text[6:8]), int(text[8:10]), int(text[10:12])
    if hour > 23 or minute > 59 or second > 59:
        raise FrameError("time", f"{text!r} is not a time hhmmss")
    return _day(text[:6]) * 86400 + hour * 3600 + minute * 60 + second - TZ_SECONDS


def format_time(moment: int | None) -> bytes:
    """BCD ``YYMMDDhhmmss`` in UTC+8 of Unix seconds (all zeros for None)."""
    if moment is None:
        return bytes(6)
    return bytes.fromhex(datetime.fromtimestamp(moment + TZ_SECONDS, UTC).strftime("%y%m%d%H%M%S"))


def _text(raw: bytes) -> str:
    """A fixed-size or trailing GBK string: padding NULs dropped, undecodable bytes replaced."""
    return raw.rstrip(b"\0").decode("gbk", "replace")


def _padded(text: str, size: int) -> bytes:
    data = text.encode("gbk")
    if len(data) > size:
        raise ValueError(f"{text!r} is longer than {size} bytes")
    return data.ljust(size, b"\0")


@dataclass(frozen=True, slots=True)
class Package:
    """Sub-package information: ``number`` (1-based) of ``total`` parts."""

    total: int
    number: int


@dataclass(frozen=True, slots=True)
class Header:
    """A message header. ``version`` is 2013 or 2019 (the attributes' version flag); ``protocol`` is the
    2019 header's protocol version byte (None in 2013); ``phone`` the terminal phone's BCD digits as sent
    (12 in 2013, 20 in 2019)."""

    msg_id: int
    phone: str
    serial: int
    version: int = 2013
    protocol: int | None = None
    encryption: int = 0
    package: Package | None = None
    body_length: int = 0  # as declared by the attributes

    @property
    def terminal(self) -> str:
        """The phone number without its padding zeros: the terminal's identity across editions."""
        return self.phone.lstrip("0") or "0"


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """0x0002: the terminal is alive (empty body)."""


@dataclass(frozen=True, slots=True)
class Registration:
    """0x0100 terminal registration. Field sizes differ by edition (maker 5/11, model 20/30, id 7/30)."""

    province: int
    city: int
    maker: str
    model: str
    terminal_id: str
    plate_colour: int
    plate: str


@dataclass(frozen=True, slots=True)
class Authentication:
    """0x0102 terminal authentication: the auth code; in 2019 also the IMEI and software version."""

    code: str
    imei: str = ""
    software: str = ""


@dataclass(frozen=True, slots=True)
class Location:
    """0x0200 location report. ``latitude``/``longitude`` are WGS-84 degrees, negative in the south and
    west (status bits 2 and 3); ``speed`` km/h; ``heading`` degrees from north; ``altitude`` m; ``time``
    Unix seconds (None when the terminal sent zeros). ``items`` are the additional items (id, value) in
    their order; ``trailing`` holds bytes after an item that ran past the body."""

    alarm: int
    status: int
    latitude: float
    longitude: float
    altitude: int
    speed: float
    heading: int
    time: int | None
    items: tuple[tuple[int, bytes], ...] = ()
    trailing: bytes = b""

    @property
    def alarms(self) -> frozenset[str]:
        """Names of the alarm bits set (``"sos"`` is bit 0)."""
        return frozenset(name for bit, name in ALARM_BITS.items() if self.alarm >> bit & 1)

    @property
    def flags(self) -> frozenset[str]:
        """Names of the status bits set (``"acc"``, ``"positioned"``, ``"south"``, ``"west"`` ...)."""
        return frozenset(name for bit, name in STATUS_BITS.items() if self.status >> bit & 1)

    @property
    def sos(self) -> bool:
        return bool(self.alarm & SOS)

    @property
    def acc(self) -> bool:
        return bool(self.status & ACC)

    @property
    def positioned(self) -> bool:
        return bool(self.status & POSITIONED)

    @property
    def load(self) -> int:
        """Status bits 8-9: 0 empty, 1 half, 3 full."""
        return self.status >> 8 & 3

    @property
    def plausible(self) -> bool:
        """True when the coordinates can be a place on Earth (the codec keeps them as sent)."""
        return abs(self.latitude) <= 90 and abs(self.longitude) <= 180

    def item(self, item_id: int) -> bytes | None:
        """The value of the last additional item with this id, or None."""
        found = None
        for key, value in self.items:
            if key == item_id:
                found = value
        return found

    def _unsigned(self, item_id: int, size: int) -> int | None:
        value = self.item(item_id)
        return int.from_bytes(value) if value is not None and len(value) == size else None

    @property
    def mileage(self) -> float | None:
        """Item 0x01: odometer in km."""
        raw = self._unsigned(ITEM_MILEAGE, 4)
        return raw / 10 if raw is not None else None

    @property
    def extended_status(self) -> int | None:
        """Item 0x25: extended vehicle signal status bits."""
        return self._unsigned(ITEM_EXTENDED_STATUS, 4)

    @property
    def signal(self) -> int | None:
        """Item 0x30: wireless network signal strength."""
        return self._unsigned(ITEM_SIGNAL, 1)

    @property
    def satellites(self) -> int | None:
        """Item 0x31: GNSS satellites in use."""
        return self._unsigned(ITEM_SATELLITES, 1)


@dataclass(frozen=True, slots=True)
class Batch:
    """0x0704 batch upload: ``kind`` is "normal" (type 0) or "back-fill" (type 1, blind-area
    reports stored during an outage)."""

    kind: str
    locations: tuple[Location, ...]


@dataclass(frozen=True, slots=True)
class GeneralReply:
    """0x8001 platform (or 0x0001 terminal) general reply: result 0 ok, 1 failed, 2 bad message,
    3 not supported, 4 alarm acknowledged."""

    serial: int
    msg_id: int
    result: int = 0


@dataclass(frozen=True, slots=True)
class RegisterReply:
    """0x8100 registration reply: result 0 ok (with the auth code), 1 vehicle registered already, 2 no
    such vehicle, 3 terminal registered already, 4 no such terminal."""

    serial: int
    result: int
    auth_code: str = ""


@dataclass(frozen=True, slots=True)
class Raw:
    """A body kept as bytes: unknown message id, encrypted, or one part of a sub-packaged message."""

    data: bytes


Body = Heartbeat | Registration | Authentication | Location | Batch | GeneralReply | RegisterReply | Raw
BATCH_KINDS = {0: "normal", 1: "back-fill"}


@dataclass(frozen=True, slots=True)
class Message:
    """A decoded frame. ``faults`` names what ``lenient`` decoding let through ("length", "check")."""

    header: Header
    body: Body
    faults: tuple[str, ...] = field(default=())


def decode(frame: bytes, *, lenient: bool = False) -> Message:
    """Decode one frame, flags included. Anything wrong raises ``FrameError``; with ``lenient`` a wrong
    body length field and/or check code is accepted and named in ``Message.faults``."""
    if len(frame) < MIN_FRAME + 2 or frame[0] != FLAG or frame[-1] != FLAG:
        raise FrameError("flag" if len(frame) >= MIN_FRAME + 2 else "truncated", "not a 0x7E frame")
    data = unescape(frame[1:-1])
    if len(data) < MIN_FRAME:
        raise FrameError("truncated", f"{len(data)} bytes cannot hold a header and a check code")
    faults: list[str] = []
    received, expected = data[-1], check_code(data[:-1])
    if received != expected:
        if not lenient:
            raise FrameError("check", f"check code {received:02X}, data gives {expected:02X}")
        faults.append("check")
    header, start = parse_header(data)
    body = data[start:-1]
    if len(body) != header.body_length:
        if not lenient:
            raise FrameError("length", f"body length field {header.body_length}, body has {len(body)}")
        faults.append("length")
    return Message(header, decode_body(header, body), tuple(faults))


def parse_header(data: bytes) -> tuple[Header, int]:
    """The header of unescaped frame data and where the body starts."""
    attributes = int.from_bytes(data[2:4])
    if attributes & 0x8000:
        raise FrameError("version", f"reserved attribute bit 15 set ({attributes:04X})")
    if attributes & 0x4000:
        if len(data) < 18:
            raise FrameError("truncated", f"{len(data)} bytes cannot hold a 2019 header")
        msg_id, _, protocol, phone, serial = _HEADER_2019.unpack_from(data)
        if protocol == 0:
            raise FrameError("version", "2019 header with protocol version 0")
        version, start = 2019, 17
    else:
        msg_id, _, phone, serial = _HEADER_2013.unpack_from(data)
        version, protocol, start = 2013, None, 12
    package = None
    if attributes & 0x2000:
        if len(data) < start + 5:
            raise FrameError("truncated", "no room for the sub-package fields")
        total, number = _PACKAGE.unpack_from(data, start)
        if not 1 <= number <= total:
            raise FrameError("body", f"package {number} of {total}")
        package, start = Package(total, number), start + 4
    encryption = attributes >> 10 & 7
    header = Header(msg_id, bcd_digits(phone), serial, version, protocol, encryption, package,
                    attributes & 0x3FF)  # fmt: skip
    return header, start


def decode_body(header: Header, body: bytes) -> Body:
    """The typed body of a message; parts of sub-packaged and encrypted messages stay ``Raw``."""
    decoder = _BODIES.get(header.msg_id)
    if decoder is None or header.package is not None or header.encryption:
        return Raw(body)
    return decoder(body, header.version)


def parse_location(body: bytes, version: int = 2013) -> Location:
    """A 0x0200 body (also each item of a 0x0704 batch)."""
    if len(body) < 28:
        raise FrameError("truncated", f"location body of {len(body)} bytes (28 at least)")
    alarm, status, lat, lon, altitude, speed, heading, stamp = _LOCATION.unpack_from(body)
    items: list[tuple[int, bytes]] = []
    pos, size = 28, len(body)
    while pos + 2 <= size:
        end = pos + 2 + body[pos + 1]
        if end > size:
            break
        items.append((body[pos], body[pos + 2 : end]))
        pos = end
    return Location(
        alarm, status,
        -(lat / 1e6) if status & SOUTH else lat / 1e6,  # -0.0 keeps the bit of a zero value
        -(lon / 1e6) if status & WEST else lon / 1e6,
        altitude, speed / 10, heading, parse_time(stamp), tuple(items), body[pos:],
    )  # fmt: skip


def parse_batch(body: bytes, version: int = 2013) -> Batch:
    """A 0x0704 body: count, type, then each location body behind its u16 length."""
    if len(body) < 3:
        raise FrameError("truncated", "batch body shorter than its count and type")
    count, kind = int.from_bytes(body[:2]), body[2]
    if kind not in BATCH_KINDS:
        raise FrameError("body", f"batch type {kind} (0 normal, 1 back-fill)")
    locations, pos = [], 3
    for index in range(count):
        end = pos + 2 + int.from_bytes(body[pos : pos + 2])
        if pos + 2 > len(body) or end > len(body):
            raise FrameError("truncated", f"batch item {index + 1} of {count} runs past the body")
        locations.append(parse_location(body[pos + 2 : end], version))
        pos = end
    if pos != len(body):
        raise FrameError("length", f"{len(body) - pos} bytes after the {count} batch items")
    return Batch(BATCH_KINDS[kind], tuple(locations))


_REGISTRATION_SIZES = {2013: (5, 20, 7), 2019: (11, 30, 30)}


def parse_registration(body: bytes, version: int = 2013) -> Registration:
    """A 0x0100 body; the maker, model and terminal id sizes depend on the edition."""
    maker, model, ident = _REGISTRATION_SIZES[version]
    colour_at = 4 + maker + model + ident
    if len(body) < colour_at + 1:
        raise FrameError("truncated", f"{version} registration body of {len(body)} bytes")
    ends = (4 + maker, 4 + maker + model, colour_at)
    return Registration(
        int.from_bytes(body[0:2]), int.from_bytes(body[2:4]),
        _text(body[4 : ends[0]]), _text(body[ends[0] : ends[1]]), _text(body[ends[1] : ends[2]]),
        body[colour_at], _text(body[colour_at + 1 :]),
    )  # fmt: skip


def parse_authentication(body: bytes, version: int = 2013) -> Authentication:
    """A 0x0102 body: 2013 is the code alone; 2019 is length, code, IMEI[15], software version[20]."""
    if version == 2013:
        return Authentication(_text(body))
    size = body[0] if body else 0
    if len(body) < 1 + size + 35:
        raise FrameError("truncated", f"2019 authentication body of {len(body)} bytes")
    rest = 1 + size
    return Authentication(_text(body[1:rest]), _text(body[rest : rest + 15]), _text(body[rest + 15 :]))


def parse_general_reply(body: bytes, version: int = 2013) -> GeneralReply:
    """A 0x8001 or 0x0001 body: replied serial, replied message id, result."""
    if len(body) != 5:
        raise FrameError("length", f"general reply body of {len(body)} bytes (5)")
    return GeneralReply(int.from_bytes(body[0:2]), int.from_bytes(body[2:4]), body[4])


def parse_register_reply(body: bytes, version: int = 2013) -> RegisterReply:
    """A 0x8100 body: replied serial, result, and the auth code when the result is 0."""
    if len(body) < 3:
        raise FrameError("truncated", f"registration reply body of {len(body)} bytes")
    return RegisterReply(int.from_bytes(body[0:2]), body[2], _text(body[3:]))


def _heartbeat(body: bytes, version: int = 2013) -> Heartbeat:
    if body:
        raise FrameError("length", f"heartbeat with a {len(body)}-byte body")
    return Heartbeat()


_BODIES: dict[int, Callable[[bytes, int], Body]] = {
    HEARTBEAT: _heartbeat,
    REGISTRATION: parse_registration,
    AUTHENTICATION: parse_authentication,
    LOCATION: parse_location,
    BATCH: parse_batch,
    GENERAL_REPLY: parse_general_reply,
    TERMINAL_REPLY: parse_general_reply,
    REGISTER_REPLY: parse_register_reply,
}


def encode_frame(header: Header, body: bytes) -> bytes:
    """A complete frame: header (its ``body_length`` is set from ``body``), body, check code, escapes
    and flags."""
    if len(body) > MAX_BODY:
        raise ValueError(f"body of {len(body)} bytes exceeds {MAX_BODY}: send it in sub-packages")
    attributes = len(body) | header.encryption << 10
    if header.package is not None:
        attributes |= 0x2000
    if header.version == 2019:
        head = _HEADER_2019.pack(header.msg_id, attributes | 0x4000, header.protocol or 1,
                                 to_bcd(header.phone, 10), header.serial)  # fmt: skip
    else:
        head = _HEADER_2013.pack(header.msg_id, attributes, to_bcd(header.phone, 6), header.serial)
    if header.package is not None:
        head += _PACKAGE.pack(header.package.total, header.package.number)
    data = head + body
    return b"\x7e" + escape(data + bytes((check_code(data),))) + b"\x7e"


def encode(message: Message) -> bytes:
    """The frame of a message (its header's msg_id decides nothing: the body's type does)."""
    return encode_frame(message.header, encode_body(message.body, message.header.version))


def encode_body(body: Body, version: int = 2013) -> bytes:
    """The bytes of a typed body."""
    match body:
        case Heartbeat():
            return b""
        case Location():
            return location_body(body)
        case Batch():
            return batch_body(body)
        case Registration():
            return registration_body(body, version)
        case Authentication():
            return authentication_body(body, version)
        case GeneralReply():
            return struct.pack(">HHB", body.serial, body.msg_id, body.result)
        case RegisterReply():
            code = body.auth_code.encode("gbk") if body.result == 0 else b""
            return struct.pack(">HB", body.serial, body.result) + code
        case Raw():
            return body.data


def _coordinate(value: float) -> int:
    return round(abs(value) * 1e6)


def location_body(location: Location) -> bytes:
    """A 0x0200 body. The south and west bits are set from the signs of the coordinates."""
    status = location.status & ~(SOUTH | WEST)
    status |= SOUTH if math.copysign(1, location.latitude) < 0 else 0  # -0.0: south bit with a zero value
    status |= WEST if math.copysign(1, location.longitude) < 0 else 0
    base = _LOCATION.pack(location.alarm, status, _coordinate(location.latitude),
                          _coordinate(location.longitude), location.altitude, round(location.speed * 10),
                          location.heading, format_time(location.time))  # fmt: skip
    items = b"".join(bytes((key, len(value))) + value for key, value in location.items)
    return base + items + location.trailing


def batch_body(batch: Batch) -> bytes:
    """A 0x0704 body."""
    kind = next(code for code, name in BATCH_KINDS.items() if name == batch.kind)
    parts = [struct.pack(">HB", len(batch.locations), kind)]
    for location in batch.locations:
        data = location_body(location)
        parts += [len(data).to_bytes(2), data]
    return b"".join(parts)


def registration_body(registration: Registration, version: int = 2013) -> bytes:
    """A 0x0100 body in the edition's field sizes."""
    maker, model, ident = _REGISTRATION_SIZES[version]
    r = registration
    return (struct.pack(">HH", r.province, r.city) + _padded(r.maker, maker) + _padded(r.model, model)
            + _padded(r.terminal_id, ident) + bytes((r.plate_colour,)) + r.plate.encode("gbk"))  # fmt: skip


def authentication_body(auth: Authentication, version: int = 2013) -> bytes:
    """A 0x0102 body: the code (2013), or length, code, IMEI and software version (2019)."""
    code = auth.code.encode("gbk")
    if version == 2013:
        return code
    return bytes((len(code),)) + code + _padded(auth.imei, 15) + _padded(auth.software, 20)


def general_reply(to: Header, serial: int, result: int = 0) -> bytes:
    """The platform's 0x8001 frame answering the message with header ``to``, as platform ``serial``."""
    header = replace(to, msg_id=GENERAL_REPLY, serial=serial, encryption=0, package=None)
    return encode_frame(header, encode_body(GeneralReply(to.serial, to.msg_id, result)))


def register_reply(to: Header, serial: int, result: int, auth_code: str = "") -> bytes:
    """The platform's 0x8100 frame answering a registration: result 0 carries ``auth_code``."""
    header = replace(to, msg_id=REGISTER_REPLY, serial=serial, encryption=0, package=None)
    return encode_frame(header, encode_body(RegisterReply(to.serial, result, auth_code)))


class FrameSplitter:
    """Cuts a TCP byte stream into 0x7E-delimited frames (flags included), however it was read.

    Every run of bytes between two flags whose size can be a frame is a candidate: a lost flag or junk
    with a stray 0x7E costs at most one bad candidate, never the next frame. Other bytes (before the
    first flag, runs shorter than ``MIN_FRAME`` or longer than ``MAX_FRAME``) are dropped; drops with no
    frame between them make one run, reported once in ``errors`` (``junk_bytes`` counts the bytes, extra
    flags aside). One regular expression finds the candidates, so junk is skipped in O(n) at C speed.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._in_junk = False  # the last dropped bytes are not yet followed by a frame
        self.errors: list[FrameError] = []
        self.junk_bytes = 0

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return every complete candidate frame now available."""
        buf = self._buf
        buf += data
        frames: list[bytes] = []
        pos = 0
        for found in _CANDIDATE.finditer(buf):
            start, end = found.span()  # end: the closing flag, which may open the next frame
            self._drop(pos, start, "bytes between frames")
            frames.append(bytes(buf[start : end + 1]))
            self._in_junk = False
            pos = end
        keep = buf.rfind(b"\x7e", pos)  # the opening flag of a frame still coming
        if keep < 0 or len(buf) - keep >= MAX_FRAME:
            keep = len(buf)
        self._drop(pos, keep, "bytes that are no frame")
        del buf[:keep]
        return frames

    def _drop(self, start: int, end: int, why: str) -> None:
        """Count bytes [start, end) as junk, flags aside (extra flags between frames are harmless)."""
        if end <= start:
            return
        size = end - start - self._buf.count(b"\x7e", start, end)
        if size == 0:
            return
        self.junk_bytes += size
        if not self._in_junk:
            sample = bytes(self._buf[start : min(end, start + 16)])
            self.errors.append(FrameError("junk", f"{why}: dropped {size} bytes starting {sample.hex()}"))
        self._in_junk = True

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buf)


class Reassembler:
    """Joins the parts of sub-packaged messages, keyed by terminal, message id and package total; the
    parts may come in any order. ``add`` returns the whole message once the last part is in. At most
    ``max_pending`` messages wait; the oldest is dropped (and counted in ``dropped``) beyond that."""

    def __init__(self, max_pending: int = 256) -> None:
        self._parts: dict[tuple[str, int, int], dict[int, Message]] = {}
        self._max = max_pending
        self.dropped = 0

    def add(self, message: Message) -> Message | None:
        """Keep one part (a message whose header has a ``package``); the joined message when complete.
        A message that is not a part is returned as it is."""
        package = message.header.package
        if package is None:
            return message
        key = (message.header.terminal, message.header.msg_id, package.total)
        parts = self._parts.pop(key, {})
        parts[package.number] = message
        if len(parts) < package.total:
            self._parts[key] = parts  # re-inserted: the most recently added part keeps its key young
            if len(self._parts) > self._max:
                del self._parts[next(iter(self._parts))]
                self.dropped += 1
            return None
        return _joined([parts[number] for number in range(1, package.total + 1)])

    @property
    def pending(self) -> int:
        """Messages waiting for parts."""
        return len(self._parts)


def _joined(parts: list[Message]) -> Message:
    data = b"".join(part.body.data for part in parts if isinstance(part.body, Raw))
    first = parts[0].header
    header = replace(first, package=None, body_length=len(data))
    faults = tuple(sorted({fault for part in parts for fault in part.faults}))
    return Message(header, decode_body(header, data), faults)
