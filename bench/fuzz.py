"""Fuzzer of the wire decoders: HJ 212 (and its C speedups), the console protocol, and JT/T 808 when present.

Each target is one entry of a table (``targets()``): a name, the input generators with their weights, the
function under test, and the exception types that count as a reasoned reject. An input is *accepted* when
the function returns (its result is then used the way the hub uses it, and compared with the pure-Python
reference where there is one), *rejected* when it raises a declared type with a non-empty message (the
reason; the table groups rejects by the first words of it), a *mismatch* when the C and Python results
differ, *unhandled* for any other exception, and a *crash* when the process dies (a segfault in C) or
stops making progress (a hang). Crashing, hanging, unhandled and mismatching inputs are written to
``--out`` (one file each, the exact input: bytes as they are, text as UTF-8 with surrogates kept, other
values as their repr).

Inputs mix (a) mutations of valid frames (built with the codec's own encoder and the field corpus
``/work/shared/data/hj212_frames_dev.txt`` when present): bit flips, byte insertion and deletion,
truncation, duplication, splicing two frames, length and CRC corruption, huge and negative numbers,
non-ASCII text and Unicode digits, separators ``;,=&&`` in odd places; (b) structured random frames with
a valid length and CRC, so the parser's deeper paths run; (c) random bytes. Protocol inputs are random
JSON values, valid messages with fields removed, retyped or mutated, deep nesting, huge numbers,
NaN/Infinity tokens and invalid UTF-8. The C speedups (``frame_segment``, ``frame_upload``,
``area_values``, ``crc16``) get the most inputs: there a bug is a segfault, not an exception.

Inputs come from a seeded ``random.Random``: reproducible, tens of thousands a second, nothing to install.
Hypothesis manages a few thousand examples a second, far too few for 10^6. Atheris (coverage-guided) has a
wheel but is not a dependency, and its guidance would stop at the C speedups unless they were rebuilt with
clang's fuzzer instrumentation; the generators aim at their paths instead (``Hj212Inputs.ordinary``).
Each target runs in a child process (fork), so a segfault is caught and reported with its input; the
parent then goes on with a new child. JT/T 808 targets are registered when ``console.core.jt808`` imports
(``decode`` and its splitter; its own ``*Error`` classes are the rejects, else ``ValueError``).

Its first runs found: "Flag=²" (and PNUM/PNO) and a DataTime ending in "²²²" passed ``str.isdigit`` and
then failed ``int()`` as bare ValueErrors in the packet's readers (the checks now take ASCII digits only,
as the C parser always did); invalid UTF-8 or lone surrogates inside a JSON string and deep nesting
escaped ``protocol.decode_*`` as UnicodeError and RecursionError, past the hub's ``except ProtocolError``
(now protocol errors). 10^6 inputs take about a minute on one core.

Usage: python bench/fuzz.py [--inputs 1000000] [--seed 1] [--target NAME] [--seconds S] [--out DIR]
Prints a table per target and, last, one JSON line with every figure.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import mmap
import multiprocessing
import os
import random
import re
import struct
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from console.core import hj212, protocol, uploads

CORPUS = Path("/work/shared/data/hj212_frames_dev.txt")
JT808_CORPUS = Path("/work/shared/data/jt808_frames_dev.txt")
SHARED = 1 << 20  # bytes of the shared page holding the input under test (inputs are cut to fit)
HANG_S = 30.0  # no progress for this long: the child is killed and its input reported as a hang

Generator = Callable[[random.Random], Any]


DECLINED = "declined"  # what a C target's run returns when the C function said None (Python does the work)


class Mismatch(Exception):
    """The C result differs from the pure-Python reference."""


@dataclass(frozen=True)
class Target:
    """One fuzzed function: ``run(input)`` returns on accept and raises one of ``rejects`` on a reject."""

    name: str
    generators: tuple[tuple[float, Generator], ...]
    run: Callable[[Any], object]
    rejects: tuple[type[BaseException], ...]
    weight: float = 1.0  # share of the inputs


@dataclass
class Stats:
    """What one target's inputs did."""

    inputs: int = 0
    accepted: int = 0
    declined: int = 0  # C targets: returned None, so the Python path takes over
    rejected: Counter[str] = field(default_factory=Counter)
    no_reason: int = 0
    unhandled: Counter[str] = field(default_factory=Counter)
    mismatches: int = 0
    crashes: int = 0
    kinds: Counter[str] = field(default_factory=Counter)  # what the crashes and mismatches were
    seconds: float = 0.0
    findings: list[str] = field(default_factory=list)  # files written to --out

    def merge(self, other: Stats) -> None:
        self.inputs += other.inputs
        self.accepted += other.accepted
        self.declined += other.declined
        self.rejected.update(other.rejected)
        self.no_reason += other.no_reason
        self.unhandled.update(other.unhandled)
        self.mismatches += other.mismatches
        self.crashes += other.crashes
        self.kinds.update(other.kinds)
        self.findings += other.findings


# --- byte-level mutation -----------------------------------------------------------------------------------

SEPARATORS = [b";", b",", b"=", b"&&", b"&", b"-", b"CP=&&", b";;", b"==", b",,", b"##", b"\r\n", b" "]
NUMBERS = [
    b"-1",
    b"0",
    b"-0",
    b"1e309",
    b"-1e309",
    b"nan",
    b"NaN",
    b"inf",
    b"-inf",
    b"1e-400",
    b"0x1F",
    b"9" * 40,
    b"-" + b"9" * 400,
    b"1_000",
    b"+5",
    b".5",
    b"5.",
    b"1e",
    b"--1",
    b"99999999999999999999",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"2147483648",
    b"4294967296",
]
UNICODE = [
    "²",
    "٣",
    "１２",
    "中文",
    "é",
    "\u200b",
    "\ufeff",
    "\x00",
    "𝟗",
    "Ⅻ",
    "\u0660\u0661",
    "৪",
    "\U0001f600",
]
INVALID_UTF8 = [b"\xff", b"\xc3", b"\xe4\xb8", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80", b"\xc0\xaf"]


def _insert(rng: random.Random, data: bytes, piece: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + piece + data[at:]


def _piece(rng: random.Random) -> bytes:
    kind = rng.randrange(5)
    if kind == 0:
        return rng.choice(SEPARATORS)
    if kind == 1:
        return rng.choice(NUMBERS)
    if kind == 2:
        return rng.choice(UNICODE).encode()
    if kind == 3:
        return rng.choice(INVALID_UTF8)
    return rng.randbytes(rng.randrange(1, 9))


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    """One to four random edits of ``data``; ``pool`` gives the other half of a splice."""
    for _ in range(rng.randrange(1, 5)):
        size = len(data)
        op = rng.randrange(11)
        if op == 0 and size:
            at = rng.randrange(size)
            data = data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
        elif op == 1:
            data = _insert(rng, data, _piece(rng))
        elif op == 2 and size:
            at = rng.randrange(size)
            data = data[:at] + data[at + rng.randrange(1, 9) :]
        elif op == 3 and size:
            data = data[: rng.randrange(size)]
        elif op == 4 and size:
            a = rng.randrange(size)
            b = rng.randrange(a, min(size, a + 64) + 1)
            data = _insert(rng, data, data[a:b] * rng.randrange(1, 4))
        elif op == 5 and pool:
            other = rng.choice(pool)
            data = data[: rng.randrange(size + 1)] + other[rng.randrange(len(other) + 1) :]
        elif op == 6:  # the length field
            digits = rng.choice(
                [b"%04d" % rng.randrange(10000), b"-001", b"00a1", b"99999", b"9999", b"0000"]
            )
            data = data[:2] + digits + data[6:]
        elif op == 7 and size > 6:  # the CRC field
            crc = rng.choice(
                [b"%04X" % rng.randrange(65536), b"%04x" % rng.randrange(65536), b"ZZZZ", b"+1F"]
            )
            tail = b"\r\n" if data.endswith(b"\r\n") else b""
            data = data[: size - len(tail) - 4] + crc + tail
        elif op == 8:
            data = _insert(rng, data, b"=" + rng.choice(NUMBERS))
        elif op == 9:
            data = _insert(rng, data, rng.choice(UNICODE).encode())
        else:
            data = _insert(rng, data, rng.choice(SEPARATORS) * rng.randrange(1, 4))
    return data


# --- HJ 212 inputs -----------------------------------------------------------------------------------------

CODES = [
    "a34004",
    "a34002",
    "a21026",
    "a21004",
    "a21005",
    "a05024",
    "a01001",
    "w01018",
    "w21003",
    "LA",
    "a00000",
    "B02",
    "a99",
    "x",
    "a34004-Z",
]
FIELDS = ["Rtd", "Avg", "Min", "Max", "Cou", "Flag", "RS", "Data", "ZsRtd", "SampleTime", "EFlag"]
FLAGS = ["N", "F", "M", "S", "D", "C", "T", "B", "", "NN", "z", "中"]


def corpus_frames() -> list[bytes]:
    """The field corpus's packets (valid and invalid), with CRLF."""
    if not CORPUS.exists():
        return []
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[-1].encode() + b"\r\n" for line in lines if line and not line.startswith("#")]


def _value(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind < 3:
        return f"{rng.uniform(-1000, 1000):.{rng.randrange(5)}f}"
    if kind == 3:
        return rng.choice(NUMBERS).decode()
    if kind == 4:
        return rng.choice(UNICODE) + str(rng.randrange(100))
    return "".join(rng.choice("0123456789.-+eE") for _ in range(rng.randrange(6)))


def _stamp(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return f"{rng.randrange(1990, 2100)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}" + (
            f"{rng.randrange(24):02d}{rng.randrange(60):02d}{rng.randrange(60):02d}"
            + rng.choice(["", "", f"{rng.randrange(1000):03d}"])
        )
    return rng.choice(
        [
            "",
            "20231301000000",
            "2023111506332",
            "99999999999999",
            "２０２３１１１５０６３３２０",
            "20231115063320²²²",
            "20231115063320٣٣٣",
            "00000000000000",
            "20230229000000",
        ]
    )


def area(rng: random.Random) -> str:
    """A random data area (between ``CP=&&`` and ``&&``)."""
    groups = []
    if rng.random() < 0.9:
        groups.append(f"DataTime={_stamp(rng)}")
    for _ in range(rng.randrange(12)):
        code = rng.choice(CODES)
        items = []
        for name in rng.sample(FIELDS, rng.randrange(1, 4)):
            value = rng.choice(FLAGS) if name == "Flag" else _value(rng)
            items.append(f"{code}-{name}={value}")
        groups.append(",".join(items))
    return ";".join(groups)


def segment(rng: random.Random) -> str:
    """A random data segment: mostly well formed, with odd headers now and then."""
    head = [f"QN={_stamp(rng)}"] if rng.random() < 0.8 else []
    head += [
        f"ST={rng.choice(['22', '32', '91', '', 'x'])}",
        f"CN={rng.choice(['2011', '2051', '2061', '9014'])}",
        f"PW={rng.choice(['123456', '', '中'])}",
        f"MN={rng.randrange(1 << 48):012X}",
    ]
    if rng.random() < 0.7:
        head.append(f"Flag={rng.choice(['4', '5', '0', '255', '99999999999999999999', '²', '٣', '-1', ''])}")
    if rng.random() < 0.2:
        head += [f"PNUM={rng.choice(['2', '²', '０'])}", f"PNO={rng.choice(['1', '𝟗', '1'])}"]
    rng.shuffle(head) if rng.random() < 0.1 else None
    return ";".join(head) + ";CP=&&" + area(rng) + "&&"


def framed(text: str | bytes) -> bytes:
    """The frame of a segment with its true length and CRC (cut to the most the length field holds)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return hj212.frame(data[: hj212.MAX_SEGMENT])


_ORDINARY_NOT = re.compile("[^\x21-\x7e]")


class Hj212Inputs:
    """HJ 212 frames and segments: the three kinds of the module docstring."""

    def __init__(self, rng: random.Random) -> None:
        built = [framed(segment(rng)) for _ in range(64)]
        self.seeds = corpus_frames() + built

    def valid(self, rng: random.Random) -> bytes:
        return framed(segment(rng))

    def mutated(self, rng: random.Random) -> bytes:
        return mutate(rng, rng.choice(self.seeds), self.seeds)

    def reframed(self, rng: random.Random) -> bytes:
        """A mutated segment with a correct length and CRC: reaches the data-segment parser."""
        raw = rng.choice(self.seeds)
        return framed(mutate(rng, raw[6:-6], self.seeds))

    def noise(self, rng: random.Random) -> bytes:
        head = rng.choice([b"", b"##", b"##%04d" % rng.randrange(10000)])
        return head + rng.randbytes(rng.randrange(64 if rng.random() < 0.9 else 4096))

    def ordinary(self, rng: random.Random) -> bytes:
        """A frame of the kind the C speedups take on themselves (printable ASCII, no spaces), now and
        then with mutations that keep it so: their deepest paths."""
        text = _ORDINARY_NOT.sub("", segment(rng))
        if rng.random() < 0.5:
            text = _ORDINARY_NOT.sub("", mutate(rng, text.encode(), self.seeds).decode("latin-1"))
        return framed(text)

    def c_frames(self) -> tuple[tuple[float, Generator], ...]:
        return ((12, self.ordinary), *self.frames())

    def c_text(self, rng: random.Random) -> str:
        return self.ordinary(rng)[6:-6].decode() if rng.random() < 0.6 else self.text(rng)

    def frames(self) -> tuple[tuple[float, Generator], ...]:
        return ((2, self.valid), (4, self.mutated), (3, self.reframed), (1, self.noise))

    def text(self, rng: random.Random) -> str:
        """A segment as the parser receives it (now and then with lone surrogates)."""
        raw = rng.choice((self.valid, self.mutated, self.reframed))(rng)
        body = raw[6:-6] if rng.random() < 0.9 else raw
        if rng.random() < 0.05:
            return body.decode("utf-8", "surrogateescape")
        return body.decode("utf-8", "replace")

    def stream(self, rng: random.Random) -> list[bytes]:
        """A TCP stream of frames and junk, cut into random reads."""
        parts = [rng.choice(self.frames())[1](rng) for _ in range(rng.randrange(1, 6))]
        data = b"".join(parts)
        cuts = sorted(rng.randrange(len(data) + 1) for _ in range(rng.randrange(4)))
        return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]

    def cp(self, rng: random.Random) -> dict[str, dict[str, str]]:
        """A factor index as ``Packet.cp`` holds it (parsed without the header's and DataTime's checks)."""
        text = self.text(rng)
        body = text[text.find("CP=&&") + 5 : -2] if "CP=&&" in text else area(rng)
        try:
            return hj212._parse_area(body)[1]
        except hj212.FrameError:
            return hj212._parse_area(area(rng))[1]


# --- HJ 212 targets ----------------------------------------------------------------------------------------


def use_packet(packet: hj212.Packet, *, utf8: bool = True) -> None:
    """What the hub reads of a decoded packet: every property, and its encoding back to a frame (when its
    text is UTF-8: ``decode`` makes sure of it, ``parse_segment`` is handed lone surrogates too)."""
    _ = (packet.flag, packet.pnum, packet.pno, packet.wants_answer, packet.is_split, packet.data_time)
    _ = (packet.qn, packet.st, packet.cn, packet.mn, packet.pw, packet.cp, packet.params, packet.oversize)
    if not utf8:
        return
    try:
        hj212.encode(packet)
    except hj212.FrameError as exc:
        if exc.reason != "length":  # the segment grew (a stray ',' became ';'): only its length may refuse
            raise


def run_decode(raw: bytes) -> None:
    use_packet(hj212.decode(raw))


def run_parse_segment(text: str) -> None:
    packet = hj212.parse_segment(text)
    reference = hj212.parse_segment_py(text)
    if (packet.header, packet.groups, packet.cp, packet.params) != (
        reference.header,
        reference.groups,
        reference.cp,
        reference.params,
    ):
        raise Mismatch("parse_segment differs from parse_segment_py")
    use_packet(packet, utf8=_SURROGATE.search(text) is None)


_SURROGATE = re.compile("[\ud800-\udfff]")


def run_splitter(reads: list[bytes]) -> None:
    """The hub's path: feed the reads, decode every frame; each decode and splitter error needs a reason."""
    splitter = hj212.FrameSplitter()
    frames = [frame for data in reads for frame in splitter.feed(data)] + splitter.flush()
    for raw in frames:
        try:
            use_packet(hj212.decode(raw))
        except hj212.FrameError as exc:
            _need_reason(exc)
    for error in splitter.errors:
        _need_reason(error)
    if splitter.pending:
        raise Mismatch(f"{splitter.pending} bytes held after flush")


def run_upload_values(cp: dict[str, dict[str, str]]) -> None:
    got = uploads.upload_values(cp, "Rtd", "", "S1", 1.0)
    if _readings_key(got) != _readings_key(uploads.upload_values_py(cp, "Rtd", "", "S1", 1.0)):
        raise Mismatch("upload_values differs from upload_values_py")


def _readings_key(result: tuple[list[Any], dict[str, Any]]) -> object:
    """A comparable form of (readings, stored): NaN never appears (both skip it), -0.0 == 0.0 is fine."""
    readings, stored = result
    return [(r.station, r.factor, r.ts, r.value, r.flag) for r in readings], stored


def _c_call(name: str) -> Callable[..., Any]:
    found = getattr(hj212._c, name, None)
    if found is None:
        raise SystemExit(f"the C speedups lack {name}: build them (tools/build_speedups.py)")
    return found


def run_frame_segment(case: tuple[Any, Any]) -> str | None:
    raw, limit = case
    found = _c_call("frame_segment")(raw, limit)
    if found is None:
        return DECLINED
    if found is not None:
        segment_bytes = hj212.check_frame(raw, max_segment=limit)
        if found != (segment_bytes.decode(), len(segment_bytes)):
            raise Mismatch("frame_segment differs from check_frame")


def run_frame_upload(case: tuple[Any, Any]) -> str | None:
    """Compared with check_frame and the parser's pieces (the hub checks the DataTime's date itself)."""
    raw, limit = case
    found = _c_call("frame_upload")(raw, limit)
    if found is None:
        return DECLINED
    if found is not None:
        text = hj212.check_frame(raw, max_segment=limit).decode()
        cp_at = text.find("CP=&&")
        header = dict(reversed(hj212._parse_header(text[:cp_at])))
        params = hj212._parse_area(text[cp_at + 5 : -2])[2]
        if found != (text, header, params.get("DataTime")):
            raise Mismatch("frame_upload differs from check_frame + the parser")


def run_area_values(case: tuple[str, Any]) -> str | None:
    """The C reading of a segment's factors; compared with the reference when the segment parses (the hub
    hands it only segments ``frame_upload`` accepted)."""
    text, flags = case
    found = _c_call("area_values")(text, "Rtd", "", "S1", 1.0, uploads.Reading, flags)
    if found is None:
        return DECLINED
    if flags is not uploads.VALID_FLAGS:
        return None
    try:
        cp = hj212.parse_segment_py(text).cp
    except hj212.FrameError:
        return None
    if _readings_key(found) != _readings_key(uploads.upload_values_py(cp, "Rtd", "", "S1", 1.0)):
        raise Mismatch("area_values differs from upload_values_py")
    return None


def run_crc16(data: Any) -> None:
    crc = _c_call("crc16")(data)
    if crc != hj212.crc16_py(bytes(data)):
        raise Mismatch("crc16 differs from crc16_py")


ODD_LIMITS = [-1, 0, 5, 1024, 9999, 10000, 2**31, 2**63, -(2**63) - 1, 2**80, 1.5, "9999", None, True]


def with_limit(inner: Generator) -> Generator:
    def generate(rng: random.Random) -> tuple[Any, Any]:
        raw = inner(rng)
        if rng.random() < 0.05:
            raw = rng.choice([bytearray(raw), memoryview(raw), raw.decode("latin-1"), None, 12])
        return raw, hj212.MAX_SEGMENT if rng.random() < 0.85 else rng.choice(ODD_LIMITS)

    return generate


def with_flags(inner: Generator) -> Generator:
    def generate(rng: random.Random) -> tuple[str, Any]:
        odd = rng.choice([frozenset(), ["N"], "NFM", None, 5, {"N": 1}])
        return inner(rng), uploads.VALID_FLAGS if rng.random() < 0.9 else odd

    return generate


def buffers(inputs: Hj212Inputs) -> Generator:
    def generate(rng: random.Random) -> Any:
        raw = rng.choice(inputs.frames())[1](rng)
        kind = rng.randrange(20)
        if kind == 0:
            return bytearray(raw)
        if kind == 1:
            return memoryview(raw)[:: rng.randrange(1, 4)]  # strided: not contiguous
        if kind == 2:
            return memoryview(raw.ljust(8 * (len(raw) // 8 + 1), b"\0")).cast("Q")
        if kind == 3:
            return rng.choice(["text", 12, None, [1, 2], memoryview(b"\x01\x02").cast("B", (1, 2))])
        return raw

    return generate


def hj212_targets(rng: random.Random) -> list[Target]:
    inputs = Hj212Inputs(rng)
    frames = inputs.frames()
    reject = (hj212.FrameError,)
    c_reject = (TypeError, OverflowError, hj212.FrameError)  # wrong argument types are the caller's error
    targets = [
        Target("hj212.decode", frames, run_decode, reject, 1.5),
        Target("hj212.splitter", ((1, inputs.stream),), run_splitter, reject, 0.5),
        Target("hj212.parse_segment", ((1, inputs.text),), run_parse_segment, reject, 1.0),
        Target("hj212.upload_values", ((1, inputs.cp),), run_upload_values, reject, 0.5),
    ]
    if hj212._c is not None:
        limited = tuple((w, with_limit(g)) for w, g in inputs.c_frames())
        targets += [
            Target("c.frame_segment", limited, run_frame_segment, c_reject, 2.0),
            Target("c.frame_upload", limited, run_frame_upload, c_reject, 2.0),
            Target("c.area_values", ((1, with_flags(inputs.c_text)),), run_area_values, c_reject, 2.0),
            Target("c.crc16", ((1, buffers(inputs)),), run_crc16, (TypeError,), 1.5),
        ]
    return targets


# --- protocol inputs and targets ---------------------------------------------------------------------------

READING = ["S1", "a34004", 1700000000.0, 75.2, "N"]
INCIDENT = {
    "id": "i1",
    "version": 1,
    "state": "discovered",
    "source": "rule",
    "category": "air",
    "severity": 2,
    "title": "PM2.5",
    "reason": "over 75",
    "created": 1.0,
    "updated": 2.0,
}
STATION = {
    "id": "S1",
    "name": "One",
    "kind": "air",
    "township": "t1",
    "lon": 116.4,
    "lat": 39.9,
    "mn": "M1",
    "st": "22",
    "factors": ["a34004"],
}
CLIENT_SEEDS = [
    {"type": "hello", "protocol": 1, "token": "t", "client": "c", "resume": {"epoch": "e", "seq": 3}},
    {"type": "hello", "protocol": 1, "token": "t"},
    {
        "type": "command",
        "id": "u1",
        "action": "dispatch",
        "target": "i1",
        "expected_version": 2,
        "args": {"to": "x"},
    },
]
HUB_SEEDS = [
    {"type": "welcome", "epoch": "e", "seq": 1, "role": "duty", "heartbeat_s": 5.0, "resumed": True},
    {
        "type": "snapshot",
        "epoch": "e",
        "seq": 1,
        "stations": [STATION],
        "latest": [READING],
        "status": [["S1", "online", 1.0, ""]],
        "incidents": [INCIDENT],
    },
    {"type": "readings", "epoch": "e", "seq": 2, "items": [READING, READING], "sent": 1.0},
    {"type": "station", "epoch": "e", "seq": 3, "entry": ["S1", "offline", 2.0, "silent"]},
    {"type": "incident", "epoch": "e", "seq": 4, "incident": INCIDENT},
    {"type": "heartbeat", "epoch": "e", "seq": 4, "ts": 3.0},
    {"type": "ack", "id": "u1", "ok": False, "error": "illegal: no", "target": "i1", "version": 3},
    {"type": "error", "code": "auth", "message": "bad token"},
]
ODD_JSON: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**64,
    -(2**63) - 1,
    10**400,
    1e308,
    -0.0,
    "",
    "x" * 300,
    "中",
    "\ud800",
    [],
    {},
    [[]],
    {"type": "hello"},
    "online",
    1.5,
]
TOKENS = [
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1e999",
    b"-1e999",
    b"1" * 5000,
    b"-0",
    b"0.0e-99999",
    b"00",
    b"01",
    b"1.",
    b".1",
    b"+1",
    b'"\\ud800"',
    b'"\\u00zz"',
    b"true",
    b"nul",
    b"[",
    b"{",
    b"}",
    b"]",
    b",",
]


def random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 4 else 4)
    if kind < 4:
        return rng.choice(ODD_JSON)
    if kind < 6:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {
        rng.choice(["type", "epoch", "seq", "x", "items", ""]): random_json(rng, depth + 1) for _ in range(3)
    }


def _remix(rng: random.Random, value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` with a few fields removed, retyped or replaced."""
    if isinstance(value, dict):
        out = {k: _remix(rng, v, depth + 1) for k, v in value.items() if rng.random() > 0.05}
        if rng.random() < 0.1:
            out[rng.choice(["type", "seq", "extra", "epoch"])] = random_json(rng)
        return out
    if isinstance(value, list):
        return [_remix(rng, v, depth + 1) for v in value if rng.random() > 0.05]
    return random_json(rng) if rng.random() < 0.1 else value


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def protocol_generators(seeds: list[dict[str, Any]]) -> tuple[tuple[float, Generator], ...]:
    encoded = [_dump(s) for s in seeds]

    def valid(rng: random.Random) -> bytes:
        return _dump(_remix(rng, rng.choice(seeds)))

    def mutated(rng: random.Random) -> bytes | str:
        data = rng.choice(encoded)
        for _ in range(rng.randrange(1, 4)):
            piece = rng.choice([rng.choice(TOKENS), rng.choice(INVALID_UTF8), rng.randbytes(2), b"\\", b'"'])
            data = _insert(rng, data, piece) if rng.random() < 0.8 else mutate(rng, data, encoded)
        return data.decode("utf-8", "surrogateescape") if rng.random() < 0.1 else data

    def nested(rng: random.Random) -> bytes:
        depth = rng.choice([10, 100, 1000, 10000, 100000])
        opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
        seed = rng.choice(encoded)
        return seed[:-1] + b',"args":' + opener * depth + b"1" + closer * rng.choice([depth, 0]) + b"}"

    def random_value(rng: random.Random) -> bytes:
        return _dump(random_json(rng)) if rng.random() < 0.8 else rng.randbytes(rng.randrange(32))

    return ((4, valid), (4, mutated), (1, nested), (2, random_value))


def run_decode_client(data: bytes | str) -> None:
    protocol.encode(protocol.decode_client(data))


def run_decode_hub(data: bytes | str) -> None:
    protocol.encode(protocol.decode_hub(data))


def protocol_targets() -> list[Target]:
    for seed in CLIENT_SEEDS:
        protocol.decode_client(_dump(seed))  # the seeds are valid messages: a changed protocol fails here
    for seed in HUB_SEEDS:
        protocol.decode_hub(_dump(seed))
    reject = (protocol.ProtocolError,)
    return [
        Target("protocol.decode_client", protocol_generators(CLIENT_SEEDS), run_decode_client, reject, 1.0),
        Target("protocol.decode_hub", protocol_generators(HUB_SEEDS), run_decode_hub, reject, 1.0),
    ]


# --- JT/T 808 (when console.core.jt808 exists) -------------------------------------------------------------


def jt808_escape(body: bytes) -> bytes:
    """A JT/T 808 frame of an unescaped message (header + body): checksum, escaping and the 0x7E marks."""
    check = 0
    for byte in body:
        check ^= byte
    data = body + bytes([check])
    return b"\x7e" + data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02") + b"\x7e"


def jt808_message(rng: random.Random) -> bytes:
    """A random message (2013 or 2019 header) with a body of the length its properties say (mostly)."""
    msg_id = rng.choice(
        [0x0200, 0x0100, 0x0102, 0x0002, 0x0001, 0x0704, 0x8001, 0x0003, rng.randrange(65536)]
    )
    body = rng.randbytes(rng.choice([0, 4, 28, 40, rng.randrange(200)]))
    v2019 = rng.random() < 0.3
    split = rng.random() < 0.1
    props = len(body) & 0x3FF | (0x2000 if split else 0) | (0x4000 if v2019 else 0)
    if rng.random() < 0.1:
        props = rng.randrange(65536)
    phone = rng.randbytes(10 if v2019 else 6)
    head = struct.pack(">HH", msg_id, props) + (b"\x01" if v2019 else b"") + phone + struct.pack(">H", 7)
    if split:
        head += struct.pack(">HH", rng.randrange(4), rng.randrange(4))
    return head + body


def jt808_corpus() -> list[bytes]:
    if not JT808_CORPUS.exists():
        return []
    out = []
    for line in JT808_CORPUS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            try:
                out.append(bytes.fromhex(line.split()[-1]))
            except ValueError:
                continue
    return out


def jt808_targets(rng: random.Random) -> list[Target]:
    try:
        jt808 = importlib.import_module("console.core.jt808")
    except ImportError:
        return []
    errors = tuple(
        v
        for k, v in vars(jt808).items()
        if k.endswith("Error")
        and isinstance(v, type)
        and issubclass(v, Exception)
        and v.__module__ == jt808.__name__
    )
    reject = errors or (ValueError,)
    seeds = jt808_corpus() + [jt808_escape(jt808_message(rng)) for _ in range(64)]

    def valid(rng: random.Random) -> bytes:
        return jt808_escape(jt808_message(rng))

    def mutated(rng: random.Random) -> bytes:
        return mutate(rng, rng.choice(seeds), seeds)

    def rechecked(rng: random.Random) -> bytes:  # a mutated message with a good checksum and escaping
        return jt808_escape(mutate(rng, jt808_message(rng), seeds))

    def noise(rng: random.Random) -> bytes:
        return b"\x7e" + rng.randbytes(rng.randrange(80)) + b"\x7e"

    gens: tuple[tuple[float, Generator], ...] = ((2, valid), (4, mutated), (3, rechecked), (1, noise))
    targets = [Target("jt808.decode", gens, jt808.decode, reject, 1.5)]
    splitter = getattr(jt808, "FrameSplitter", None) or next(
        (v for v in vars(jt808).values() if isinstance(v, type) and hasattr(v, "feed")), None
    )
    if splitter is not None:

        def stream(rng: random.Random) -> list[bytes]:
            data = b"".join(rng.choice(gens)[1](rng) for _ in range(rng.randrange(1, 6)))
            cuts = sorted(rng.randrange(len(data) + 1) for _ in range(rng.randrange(4)))
            return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]

        def run_stream(reads: list[bytes]) -> None:
            cutter = splitter()
            for data in reads:
                for raw in cutter.feed(data):
                    try:
                        jt808.decode(raw)
                    except reject as exc:
                        _need_reason(exc)

        targets.append(Target("jt808.splitter", ((1, stream),), run_stream, reject, 0.5))
    return targets


# --- engine -----------------------------------------------------------------------------------------------


class NoReason(Exception):
    """A declared reject without a message."""


def _need_reason(exc: BaseException) -> None:
    if not str(exc).strip():
        raise NoReason(type(exc).__name__)


def targets(seed: int = 1) -> list[Target]:
    """Every target, in report order (JT/T 808 only when its codec is importable)."""
    rng = random.Random(seed)
    return hj212_targets(rng) + protocol_targets() + jt808_targets(rng)


def reason_class(message: str) -> str:
    """The first words of a reject's message, before any quoted or numeric detail."""
    head = re.split(r"""['"`(\d\[{]""", message, maxsplit=1)[0]
    return " ".join(head.replace(":", " ").split()[:4]) or "?"


def as_bytes(value: Any) -> bytes:
    """The exact input, to write to a file."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, list) and all(isinstance(v, bytes) for v in value):
        return repr(value).encode()
    return repr(value).encode("utf-8", "backslashreplace")


class Shared:
    """A page shared with the child: a progress counter and the input under test, read after a crash."""

    def __init__(self) -> None:
        self.map = mmap.mmap(-1, SHARED)

    def put(self, count: int, data: bytes) -> None:
        data = data[: SHARED - 16]
        self.map[:12] = struct.pack("<QI", count, len(data))
        self.map[12 : 12 + len(data)] = data

    def get(self) -> tuple[int, bytes]:
        count, size = struct.unpack("<QI", self.map[:12])
        return count, bytes(self.map[12 : 12 + size])


def _write(out: Path, target: str, kind: str, data: bytes, stats: Stats) -> None:
    if len(stats.findings) >= 50:  # enough examples; the counters go on
        return
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{target}-{kind}-{len(stats.findings):03d}.bin"
    path.write_bytes(data)
    stats.findings.append(str(path))


def fuzz_inputs(
    target: Target, count: int, seed: int, deadline: float, shared: Shared | None, out: Path
) -> Stats:
    """Run ``count`` inputs of ``target`` in this process (until ``deadline``)."""
    rng = random.Random(f"{seed}:{target.name}")
    weights = [w for w, _ in target.generators]
    gens = [g for _, g in target.generators]
    stats = Stats()
    for i in range(count):
        if i & 255 == 0 and time.monotonic() > deadline:
            break
        value = rng.choices(gens, weights)[0](rng)
        if shared is not None:
            shared.put(i, as_bytes(value))
        stats.inputs += 1
        _judge(target, value, stats, out)
    return stats


def _judge(target: Target, value: Any, stats: Stats, out: Path) -> None:
    try:
        result = target.run(value)
    except target.rejects as exc:
        if str(exc).strip():
            stats.rejected[reason_class(str(exc))] += 1
        else:
            stats.no_reason += 1
            _write(out, target.name, "noreason", as_bytes(value), stats)
    except Mismatch as exc:
        stats.mismatches += 1
        _write(out, target.name, "mismatch", as_bytes(value), stats)
        stats.kinds[f"mismatch: {exc}"] += 1
    except NoReason:
        stats.no_reason += 1
        _write(out, target.name, "noreason", as_bytes(value), stats)
    except Exception as exc:  # the point: every other exception is a finding
        stats.unhandled[f"{type(exc).__name__}: {reason_class(str(exc))}"] += 1
        _write(out, target.name, "unhandled", as_bytes(value), stats)
    else:
        if result == DECLINED:
            stats.declined += 1
        else:
            stats.accepted += 1


def _child(
    target: Target, count: int, seed: int, deadline: float, shared: Shared, out: str, conn: Any
) -> None:
    stats = fuzz_inputs(target, count, seed, deadline, shared, Path(out))
    conn.send(stats)
    conn.close()


def run_isolated(target: Target, count: int, seed: int, seconds: float, out: Path) -> Stats:
    """Run a target in child processes: a crash (signal, exit) or hang is reported with its input, and a new
    child (with a new seed) does the rest."""
    ctx = multiprocessing.get_context("fork")
    total = Stats()
    start = time.monotonic()
    deadline = start + seconds
    attempt = 0
    while total.inputs < count and time.monotonic() < deadline and total.crashes < 20:
        shared = Shared()
        receive, send = ctx.Pipe(duplex=False)
        args = (target, count - total.inputs, seed + 7919 * attempt, deadline, shared, str(out), send)
        child = ctx.Process(target=_child, args=args, daemon=True)
        child.start()
        send.close()
        result = _watch(child, receive, shared)
        if isinstance(result, Stats):
            total.merge(result)
        else:
            done, data = shared.get()
            total.inputs += done + 1
            total.crashes += 1
            total.kinds[f"crash: {result}"] += 1
            _write(out, target.name, "crash", data, total)
            print(f"{target.name}: {result} on input {data[:120]!r}", file=sys.stderr)
        receive.close()
        shared.map.close()
        attempt += 1
    total.seconds = time.monotonic() - start
    return total


def _watch(child: Any, receive: Any, shared: Shared) -> Stats | str:
    """The child's stats, or why it died: its signal or exit code, or a hang."""
    last, since = -1, time.monotonic()
    while True:
        if receive.poll(0.5):
            try:
                stats = receive.recv()
            except EOFError:
                stats = None
            child.join()
            return stats if isinstance(stats, Stats) else f"exit {child.exitcode}"
        if not child.is_alive():
            child.join()
            code = child.exitcode
            return f"signal {-code}" if code is not None and code < 0 else f"exit {code}"
        done = shared.get()[0]
        if done != last:
            last, since = done, time.monotonic()
        elif time.monotonic() - since > HANG_S:
            child.kill()
            child.join()
            return f"hang over {HANG_S:.0f} s"


def plan(chosen: list[Target], total: int) -> dict[str, int]:
    """Inputs per target, by weight."""
    weight = sum(t.weight for t in chosen)
    return {t.name: max(1, round(total * t.weight / weight)) for t in chosen}


def report(name: str, stats: Stats) -> dict[str, Any]:
    rate = stats.inputs / stats.seconds if stats.seconds else 0.0
    print(f"\n{name}: {stats.inputs} inputs in {stats.seconds:.1f} s ({rate:,.0f}/s)")
    declined = f" (C declined {stats.declined}: Python's path)" if stats.declined else ""
    print(
        f"  accepted {stats.accepted}{declined}, rejected {sum(stats.rejected.values())}, "
        f"crashes {stats.crashes}, "
        f"unhandled {sum(stats.unhandled.values())}, mismatches {stats.mismatches}, "
        f"rejects without a reason {stats.no_reason}"
    )
    for reason, n in stats.rejected.most_common(12):
        print(f"    reject  {n:>8}  {reason}")
    for kind, n in (stats.unhandled + stats.kinds).most_common():
        print(f"    FINDING {n:>8}  {kind}")
    return {
        "inputs": stats.inputs,
        "inputs_per_s": round(rate),
        "accepted": stats.accepted,
        "declined": stats.declined,
        "rejected": sum(stats.rejected.values()),
        "reject_classes": len(stats.rejected),
        "crashes": stats.crashes,
        "unhandled": sum(stats.unhandled.values()),
        "mismatches": stats.mismatches,
        "no_reason": stats.no_reason,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1_000_000, help="inputs in all, shared by weight")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", action="append", help="only this target (repeatable)")
    parser.add_argument("--seconds", type=float, default=math.inf, help="time budget in all")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "console-fuzz")
    args = parser.parse_args(argv)
    chosen = [t for t in targets(args.seed) if not args.target or t.name in args.target]
    if not chosen:
        parser.error(f"no such target; known: {', '.join(t.name for t in targets(args.seed))}")
    counts = plan(chosen, args.inputs)
    budget = args.seconds / sum(t.weight for t in chosen)
    figures = {}
    for target in chosen:
        stats = run_isolated(target, counts[target.name], args.seed, budget * target.weight, args.out)
        figures[target.name] = report(target.name, stats)
    bad = sum(f["crashes"] + f["unhandled"] + f["mismatches"] + f["no_reason"] for f in figures.values())
    summary = {
        "bench": "fuzz",
        "seed": args.seed,
        "inputs": sum(f["inputs"] for f in figures.values()),
        "crashes": sum(f["crashes"] for f in figures.values()),
        "unhandled": sum(f["unhandled"] for f in figures.values()),
        "mismatches": sum(f["mismatches"] for f in figures.values()),
        "no_reason": sum(f["no_reason"] for f in figures.values()),
        "jt808": any(name.startswith("jt808") for name in figures),
        "findings_dir": str(args.out),
        "cpus": os.cpu_count(),
        "targets": figures,
    }
    print(json.dumps(summary))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
