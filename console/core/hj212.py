"""HJ 212-2017 framing, CRC and data-segment codec: bytes in, packets out, no I/O.

A frame is ``##`` + 4-digit data-segment length + data segment + 4 hex digits of CRC + CRLF. The data
segment is ``QN=..;ST=..;CN=..;PW=..;MN=..;Flag=..;[PNUM=..;PNO=..;]CP=&&<data area>&&``.

Policies (see docs/hj212.md):

- The CRC is the standard's own CRC16 (Appendix A), not Modbus: the register is replaced by
  ``(crc >> 8) ^ byte`` before the eight shift/XOR rounds. It reduces to one table lookup per byte.
- The length counts the bytes of the data segment (UTF-8). The standard caps the segment at 1,024
  characters, but real CEMS loggers send longer ones; we accept up to ``MAX_SEGMENT`` (9,999, the most the
  4-digit length field can express) and report ``Packet.oversize`` so the ingest can count them.
- 2005-edition frames (no QN, no Flag) are accepted; only ST, CN, PW, MN and CP are mandatory.
- Field names are case-sensitive. A stray ``,`` between header fields (a typo found in the standard's
  own examples) is tolerated; anything else malformed is rejected with a ``FrameError`` naming the part.

``crc16``, ``parse_segment`` and ``decode`` use the optional C extension ``_hj212_speedups`` when it is built
(``tools/build_speedups.py``); the pure-Python ``crc16_py`` and ``parse_segment_py`` are the reference.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

try:
    from console.core import _hj212_speedups
except ImportError:  # not built (no C compiler): the pure-Python functions below do the work
    _hj212_speedups = None  # type: ignore[assignment]  # mypy knows the module (its .pyi); unbuilt: None
_c = _hj212_speedups  # an assignment, so console.core.uploads may import it
_c_frame_segment = getattr(_c, "frame_segment", None)

MAX_SEGMENT = 9999
STANDARD_SEGMENT = 1024
MANDATORY = ("ST", "CN", "PW", "MN")

# Flag bits (HJ 212-2017 table 3): bit 0 = A (answer required), bit 1 = D (packet numbers present),
# bits 2..7 = protocol version (000001 = HJ 212-2017, 000000 = HJ/T 212-2005).
FLAG_ANSWER = 0x01
FLAG_SPLIT = 0x02
FLAG_V2017 = 0x04

# Where frames may start: "##" and a 4-digit length, or "##" and the start of one at the end of the bytes.
_FRAME = re.compile(rb"##[0-9]{4}")
_PARTIAL = re.compile(rb"##[0-9]{0,3}\Z")
_LENGTH = re.compile(rb"[0-9]{4}|[0-9]{0,3}\Z")  # after a run of "#"
_HASHES = re.compile(rb"#+")
_LONG_RUN = b"#" * 64  # runs this long are skipped in one step


class FrameError(ValueError):
    """A frame that cannot be accepted. ``reason`` is one short word for metrics and logs."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


def _make_table() -> tuple[int, ...]:
    table = []
    for i in range(256):
        reg = i
        for _ in range(8):
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
        table.append(reg)
    return tuple(table)


_TABLE = _make_table()


def crc16(data: bytes) -> int:
    """CRC16 of HJ 212-2017 Appendix A over ``data`` (the C extension's when built, else ``crc16_py``)."""
    if _c is not None:
        try:
            return _c.crc16(data)
        except TypeError:  # not a plain byte buffer: the Python function gives the reference behaviour
            pass
    return crc16_py(data)


def crc16_py(data: bytes) -> int:
    """CRC16 of HJ 212-2017 Appendix A over ``data``: the pure-Python reference.

    The appendix sets ``crc = (crc >> 8) ^ byte`` and then runs eight reflected rounds with 0xA001.
    Since ``(crc >> 8) ^ byte`` is below 256, the eight rounds are exactly the reflected table entry, so
    the whole CRC is one table lookup per byte.
    """
    crc = 0xFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc >> 8) ^ byte]
    return crc


Group = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Packet:
    """A decoded HJ 212 packet.

    ``header`` keeps the data-segment fields before CP in their order; ``groups`` keeps the data area as
    written: groups separated by ``;``, items by ``,``. ``cp`` maps factor code → field → value
    (``cp["a34004"]["Avg"] == "75.2"``); ``params`` holds data-area fields not tied to a factor
    (``DataTime``, ``RtdInterval``, ``QnRtn`` ...).
    """

    header: tuple[tuple[str, str], ...]
    groups: tuple[Group, ...] = ()
    oversize: bool = field(default=False, compare=False)
    cp: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, repr=False)
    params: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    data_time: datetime | None = field(default=None, compare=False, repr=False)
    _fields: dict[str, str] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.cp and not self.params and self.groups:
            _, cp, params = _parse_area(";".join(",".join(f"{k}={v}" for k, v in g) for g in self.groups))
            self.cp.update(cp)
            self.params.update(params)
        if self.data_time is None and "DataTime" in self.params:
            object.__setattr__(self, "data_time", parse_time(self.params["DataTime"]))

    @classmethod
    def create(
        cls,
        *,
        st: str,
        cn: str,
        mn: str,
        pw: str,
        qn: str | None = None,
        flag: int | None = None,
        pnum: int | None = None,
        pno: int | None = None,
        params: Mapping[str, str] | None = None,
        cp: Mapping[str, Mapping[str, str]] | None = None,
    ) -> Packet:
        """Build a packet in the standard's field order: params first, then one group per factor."""
        header = [("QN", qn)] if qn is not None else []
        header += [("ST", st), ("CN", cn), ("PW", pw), ("MN", mn)]
        if flag is not None:
            header.append(("Flag", str(flag)))
        if pnum is not None and pno is not None:
            header += [("PNUM", str(pnum)), ("PNO", str(pno))]
        groups: list[Group] = [((k, v),) for k, v in (params or {}).items()]
        groups += [
            tuple((f"{code}-{k}", v) for k, v in fields.items()) for code, fields in (cp or {}).items()
        ]
        return cls(header=tuple(header), groups=tuple(groups))

    @property
    def fields(self) -> dict[str, str]:
        """The header fields by name (the first of a repeated name counts); built once, not to be changed."""
        fields = self._fields
        if fields is None:
            fields = dict(reversed(self.header))
            _set_fields(self, fields)
        return fields

    def _get(self, key: str) -> str | None:
        return self.fields.get(key)

    @property
    def qn(self) -> str | None:
        return self._get("QN")

    @property
    def st(self) -> str:
        return self._get("ST") or ""

    @property
    def cn(self) -> str:
        return self._get("CN") or ""

    @property
    def pw(self) -> str:
        return self._get("PW") or ""

    @property
    def mn(self) -> str:
        return self._get("MN") or ""

    @property
    def flag(self) -> int | None:
        value = self._get("Flag")
        return int(value) if value is not None else None

    @property
    def pnum(self) -> int | None:
        value = self._get("PNUM")
        return int(value) if value is not None else None

    @property
    def pno(self) -> int | None:
        value = self._get("PNO")
        return int(value) if value is not None else None

    @property
    def DataTime(self) -> datetime | None:  # the standard's own field name
        """The packet's data time as written (local time of the logger, no time zone)."""
        return self.data_time

    @property
    def wants_answer(self) -> bool:
        """True when the Flag's A bit asks the receiver for a data answer (CN 9014)."""
        flag = self.flag
        return flag is not None and bool(flag & FLAG_ANSWER)

    @property
    def is_split(self) -> bool:
        """True when the packet is one part of a split message (PNUM/PNO present)."""
        return self.pnum is not None and self.pno is not None

    def segment(self) -> str:
        """The data segment text (without header length, CRC and CRLF)."""
        head = ";".join(f"{k}={v}" for k, v in self.header)
        area = ";".join(",".join(f"{k}={v}" for k, v in group) for group in self.groups)
        return f"{head};CP=&&{area}&&"


_new_object = object.__new__
_set_header, _set_groups, _set_oversize, _set_cp, _set_params, _set_data_time, _set_fields = (
    getattr(Packet, name).__set__
    for name in ("header", "groups", "oversize", "cp", "params", "data_time", "_fields")
)


def _decoded(
    header: tuple[tuple[str, str], ...],
    groups: tuple[Group, ...],
    cp: dict[str, dict[str, str]],
    params: dict[str, str],
) -> Packet:
    """The packet of a parsed segment: ``Packet(header=.., groups=.., cp=.., params=..)`` without the
    dataclass machinery (a frozen dataclass sets each field through ``object.__setattr__``), several times
    faster on the ingest's path. The DataTime is checked as ``__post_init__`` would."""
    stamp = params.get("DataTime")
    moment = parse_time(stamp) if stamp is not None else None
    packet = _new_object(Packet)
    _set_header(packet, header)
    _set_groups(packet, groups)
    _set_oversize(packet, False)
    _set_cp(packet, cp)
    _set_params(packet, params)
    _set_data_time(packet, moment)
    _set_fields(packet, None)
    return packet


def frame(segment: str | bytes) -> bytes:
    """Wrap a data segment into a frame: header, length, CRC and CRLF."""
    data = segment.encode("utf-8") if isinstance(segment, str) else segment
    if len(data) > MAX_SEGMENT:
        raise FrameError("length", f"data segment of {len(data)} bytes exceeds {MAX_SEGMENT}")
    return b"##%04d%s%04X\r\n" % (len(data), data, crc16(data))


def encode(packet: Packet) -> bytes:
    """Encode a packet to a complete frame (uppercase CRC, CRLF)."""
    return frame(packet.segment())


def decode(raw: bytes, *, max_segment: int = MAX_SEGMENT) -> Packet:
    """Decode one frame. The trailing CRLF is optional; anything else wrong raises ``FrameError``.

    The C ``frame_segment`` checks an ordinary frame (bytes, hex CRC, ASCII segment) and returns its
    segment as text; for anything else it returns None and ``check_frame`` does the work (or raises).
    """
    if _c_frame_segment is not None:
        found = _c_frame_segment(raw, max_segment)
        if found is not None:
            text, length = found
            packet = parse_segment(text)
            if length > STANDARD_SEGMENT:
                _set_oversize(packet, True)
            return packet
    segment = check_frame(raw, max_segment=max_segment)
    try:
        text = segment.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrameError("data", f"data segment is not UTF-8 text ({exc.reason})") from None
    packet = parse_segment(text)
    if len(segment) > STANDARD_SEGMENT:
        _set_oversize(packet, True)
    return packet


def check_frame(raw: bytes, *, max_segment: int = MAX_SEGMENT) -> bytes:
    """Check header, length, CRC and trailer; return the data segment bytes."""
    if raw[:2] != b"##":
        raise FrameError("header", f"frame must start with '##', got {raw[:2]!r}")
    digits = raw[2:6]
    if len(digits) != 4 or not digits.isdigit():
        raise FrameError("length", f"length field must be 4 decimal digits, got {digits!r}")
    length = int(digits)
    if length > max_segment:
        raise FrameError("length", f"data segment length {length} exceeds the limit of {max_segment}")
    end = 6 + length
    rest = raw[end:]
    if rest.endswith(b"\r\n"):
        rest = rest[:-2]
    if len(rest) != 4:
        actual = len(raw) - 6 - 4 - (2 if raw.endswith(b"\r\n") else 0)
        raise FrameError("length", f"length field says {length} but the data segment has {actual} bytes")
    segment = raw[6:end]
    try:
        received = int(rest, 16)
    except ValueError:
        raise FrameError("crc", f"CRC field {rest!r} is not 4 hex digits") from None
    expected = crc16(segment)
    if received != expected:
        raise FrameError(
            "crc", f"CRC mismatch: frame says {rest.decode('ascii', 'replace')}, data gives {expected:04X}"
        )
    return segment


def parse_segment(text: str) -> Packet:
    """Parse a data segment (``QN=..;...;CP=&&...&&``) into a packet.

    The C parser handles the ordinary well-formed segment and returns None for anything else, which
    ``parse_segment_py`` then parses (or rejects with its ``FrameError``).
    """
    if _c is not None:
        parsed = _c.parse_segment(text)
        if parsed is not None:
            return _decoded(*parsed)
    return parse_segment_py(text)


def parse_segment_py(text: str) -> Packet:
    """Parse a data segment into a packet: the pure-Python reference."""
    cp_at = text.find("CP=&&")
    if cp_at < 0:
        raise FrameError("missing", "no CP=&&...&& data area")
    if not text.endswith("&&") or len(text) < cp_at + 7:
        raise FrameError("cp", "data area must end with '&&'")
    header = _parse_header(text[:cp_at])
    groups, cp, params = _parse_area(text[cp_at + 5 : -2])
    return _decoded(header, groups, cp, params)


def _parse_header(text: str) -> tuple[tuple[str, str], ...]:
    items = []
    for part in text.replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key:
            raise FrameError("data", f"header field {part!r} is not NAME=VALUE")
        items.append((key, value))
    keys = {k for k, _ in items}
    for required in MANDATORY:
        if required not in keys:
            raise FrameError("missing", f"mandatory field {required} is missing")
    for key in ("Flag", "PNUM", "PNO"):
        found = next((v for k, v in items if k == key), None)
        if found is not None and not (found.isascii() and found.isdigit()):  # "²".isdigit(), int("²") fails
            raise FrameError("data", f"{key}={found!r} is not a number")
    return tuple(items)


def _parse_area(text: str) -> tuple[tuple[Group, ...], dict[str, dict[str, str]], dict[str, str]]:
    """One pass over the data area: the groups as written, and the factor and parameter indexes."""
    groups: list[Group] = []
    cp: dict[str, dict[str, str]] = {}
    params: dict[str, str] = {}
    for part in text.split(";"):
        if not part or part.isspace():
            continue
        group = []
        for item in part.split(","):
            key, sep, value = item.partition("=")
            if " " in key or " " in value:
                key, value = key.strip(), value.strip()
            if not sep or not key:
                raise FrameError("cp", f"data area item {item!r} is not NAME=VALUE")
            group.append((key, value))
            code, dash, name = key.rpartition("-")
            if dash and code:
                fields = cp.get(code)
                if fields is None:
                    cp[code] = fields = {}
                fields[name] = value
            else:
                params[key] = value
        groups.append(tuple(group))
    return tuple(groups), cp, params


@functools.lru_cache(maxsize=4096)
def parse_time(text: str) -> datetime:
    """Parse ``YYYYMMDDhhmmss`` or ``YYYYMMDDhhmmsszzz`` (milliseconds) into a naive datetime.

    Cached: thousands of loggers stamp the same few times.
    """
    if not (text.isascii() and text.isdigit()) or len(text) not in (14, 17):  # ASCII: int("²²²") fails
        raise FrameError("data", f"time {text!r} is not YYYYMMDDhhmmss[zzz]")
    try:
        moment = datetime.strptime(text[:14], "%Y%m%d%H%M%S")
    except ValueError:
        raise FrameError("data", f"time {text!r} is not a valid date") from None
    return moment.replace(microsecond=int(text[14:] or 0) * 1000)


def format_time(moment: datetime) -> str:
    """Format a datetime as ``YYYYMMDDhhmmss``."""
    return moment.strftime("%Y%m%d%H%M%S")


def format_qn(moment: datetime) -> str:
    """Format a request number ``YYYYMMDDhhmmsszzz`` from a datetime."""
    return moment.strftime("%Y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}"


def data_answer(packet: Packet) -> Packet:
    """The upper computer's data answer (CN 9014) to a packet whose Flag asks for one."""
    return Packet.create(st="91", cn="9014", pw=packet.pw, mn=packet.mn, qn=packet.qn, flag=FLAG_V2017)


def request_answer(packet: Packet, qn_rtn: int) -> Packet:
    """The request answer (CN 9011) with a QnRtn code (1 ready, 3 PW error, 4 MN error, 9 CRC ...)."""
    return Packet.create(
        st="91",
        cn="9011",
        pw=packet.pw,
        mn=packet.mn,
        qn=packet.qn,
        flag=FLAG_V2017,
        params={"QnRtn": str(qn_rtn)},
    )


def _frame_start(buf: bytearray, pos: int) -> int:
    """Where the next frame may start at or after ``pos``: a ``##`` followed by a 4-digit length (or by
    the start of one at the end of ``buf``); -1 when there is none. O(n) whatever the junk: the regular
    expression finds ``##`` at C speed but tries each ``#`` of a run, so a long run of ``#`` is skipped in
    one step (only its last two can start a frame: "###0101..." holds one)."""
    size = len(buf)
    while True:
        run = buf.find(_LONG_RUN, pos)
        found = _FRAME.search(buf, pos, size if run < 0 else run + 5)
        if found is not None:
            return found.start()
        if run < 0:
            tail = _PARTIAL.search(buf, max(pos, size - 5))  # "##" and up to 3 digits: the rest may come
            return tail.start() if tail is not None else -1
        end = _HASHES.match(buf, run).end()  # type: ignore[union-attr]  # buf[run] is "#"
        if _LENGTH.match(buf, end):
            return end - 2
        pos = end


class FrameSplitter:
    """Cuts a TCP byte stream into frames using the length field; survives garbage between frames.

    ``feed(data)`` returns complete frames; ``errors`` collects one ``FrameError`` per run of discarded
    bytes (a run that goes on into the next read is not counted again: ``junk_bytes`` still grows).
    Junk is skipped a run of ``#`` or a ``##`` at a time (``_frame_start``), so it costs O(n) per read.
    """

    def __init__(self, max_segment: int = MAX_SEGMENT) -> None:
        self._buf = bytearray()
        self._max = max_segment
        self._pos = 0  # where the last scan stopped: the bytes before it are consumed
        self._run: tuple[int, int, str] | None = None  # junk being dropped in this feed: start, end, why
        self._in_junk = False  # the last feed ended inside a run of junk
        self.errors: list[FrameError] = []
        self.junk_bytes = 0

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return every complete frame now available (good or bad).

        The length field says where a frame ends; CRLF confirms it. When the two disagree the frame is cut
        at its CRLF or the next ``##``, whichever comes first, so a wrong length costs only its own frame,
        never the next one.
        The buffer is scanned by position and cut once at the end, not once per frame.
        """
        buf = self._buf
        buf += data
        frames: list[bytes] = []
        pos = 0
        view = memoryview(buf)
        try:
            while (cut := self._next_cut(pos)) is not None:
                pos, end = cut
                self._end_run(frame_follows=True)
                frames.append(bytes(view[pos:end]))
                pos = end
            pos = self._pos
            self._end_run(frame_follows=False, until=pos)
        finally:
            view.release()
        del buf[:pos]
        return frames

    def flush(self) -> list[bytes]:
        """At end of stream: whatever starts with ``##`` is handed over as a (possibly bad) frame."""
        rest = bytes(self._buf)
        self._buf.clear()
        self._in_junk = False
        return [rest] if rest.startswith(b"##") else []

    def _next_cut(self, pos: int) -> tuple[int, int] | None:
        """(start, end) of the next frame at or after ``pos``; None when it is not complete yet, with
        ``_pos`` where the next feed goes on (bytes before it are consumed or dropped)."""
        buf = self._buf
        size = len(buf)
        while True:
            start = _frame_start(buf, pos)
            if start < 0:
                keep = size - (1 if buf.endswith(b"#") else 0)
                self._pos = self._discard(pos, keep, "no '##' frame header")
                return None
            pos = self._discard(pos, start, "bytes before the '##' frame header")
            if size - pos < 6:
                self._pos = pos
                return None
            digits = bytes(buf[pos + 2 : pos + 6])
            if int(digits) <= self._max:
                break
            pos = self._discard(pos, pos + 2, f"bad length field {digits!r}")
        end = pos + 6 + int(digits) + 4
        tail = buf[end : end + 2]
        if tail == b"\r\n":
            return pos, end + 2
        if tail == b"##":
            return pos, end
        # The length is wrong: the frame ends at its CRLF or where the next one starts, whichever is first
        # (no frame holds "##" past its start), so junk like "##9999" never swallows the frame after it.
        crlf = buf.find(b"\r\n", pos + 6)
        following = buf.find(b"##", pos + 2)
        if crlf >= 0 and (following < 0 or crlf + 2 <= following):
            return pos, crlf + 2
        if following >= 0:
            return pos, following
        self._pos = pos
        if size - pos > self._max + 16:
            self._pos = self._discard(pos, size, "frame without end")
        return None

    def _discard(self, start: int, end: int, why: str) -> int:
        """Add bytes [start, end) to the run of junk being dropped; returns ``end`` (``start`` when there
        are none). Adjacent drops make one run, reported once by ``_end_run``."""
        if end <= start:
            return start
        run = self._run
        self._run = (run[0], end, run[2]) if run is not None and run[1] == start else (start, end, why)
        if run is not None and run[1] != start:
            self._report(*run)
        return end

    def _end_run(self, *, frame_follows: bool, until: int = -1) -> None:
        """Report the run of junk dropped so far. With a frame following it the run is over; at the end of
        a read (``until``: where the next read goes on) it may go on into the next read."""
        run, self._run = self._run, None
        if run is not None:
            self._report(*run)
            self._in_junk = not frame_follows and run[1] == until
        elif frame_follows:
            self._in_junk = False

    def _report(self, start: int, end: int, why: str) -> None:
        self.junk_bytes += end - start
        if self._in_junk and start == 0:  # the run of the previous read goes on: counted already
            self._in_junk = False
            return
        sample = bytes(self._buf[start : min(end, start + 32)])
        self.errors.append(FrameError("header", f"{why}: dropped {end - start} bytes starting {sample!r}"))

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buf)
