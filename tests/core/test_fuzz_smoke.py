"""Fuzzed inputs per decoder (bench/fuzz.py's engine, fixed seed): no crash, no stray exception."""

from __future__ import annotations

import os
import signal
import sys
import types
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import fuzz

TARGETS = {target.name: target for target in fuzz.targets(seed=7)}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_decoder_survives_fuzzed_inputs(name: str, tmp_path: Path) -> None:
    stats = fuzz.run_isolated(TARGETS[name], 3000, seed=7, seconds=60.0, out=tmp_path)
    assert stats.inputs == 3000
    assert (stats.crashes, sum(stats.unhandled.values()), stats.mismatches, stats.no_reason) == (
        0,
        0,
        0,
        0,
    ), (
        stats.unhandled + stats.kinds,
        stats.findings,
    )
    assert stats.accepted > 0  # the generators reach past the first check
    if name.endswith(("decode", "parse_segment", "decode_client", "decode_hub")):
        assert stats.rejected


def test_a_crash_is_caught_with_its_input(tmp_path: Path) -> None:
    """A decoder that kills its process is reported as a crash, and the input that did it is kept."""
    target = fuzz.Target(
        "abort", ((1, lambda rng: b"##%d" % rng.randrange(10)),), _abort_on_seven, (ValueError,)
    )
    stats = fuzz.run_isolated(target, 200, seed=1, seconds=60.0, out=tmp_path)
    assert stats.crashes >= 1
    assert any(Path(path).read_bytes() == b"##7" for path in stats.findings)


def test_an_undeclared_exception_is_counted_as_unhandled(tmp_path: Path) -> None:
    target = fuzz.Target("strict", ((1, lambda rng: rng.randrange(3)),), _fail_on_two, (ValueError,))
    stats = fuzz.run_isolated(target, 300, seed=1, seconds=60.0, out=tmp_path)
    assert stats.crashes == 0
    assert stats.unhandled["RuntimeError: two"] > 0
    assert stats.rejected["one"] > 0 and stats.no_reason > 0  # ValueError("") is a reject without a reason


def _abort_on_seven(raw: bytes) -> None:
    if raw == b"##7":
        os.kill(os.getpid(), signal.SIGKILL)  # as a segfault would, without faulthandler's dump


def _fail_on_two(value: int) -> None:
    if value == 2:
        raise RuntimeError("two")
    raise ValueError("one" if value == 1 else "")


def test_jt808_targets_turn_on_when_the_codec_imports(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Once console.core.jt808 exists its decode and splitter are fuzzed, its own error type the reject."""
    codec = types.ModuleType("console.core.jt808")

    class JT808Error(ValueError):
        pass

    def decode(raw: bytes) -> bytes:
        if not (raw.startswith(b"\x7e") and raw.endswith(b"\x7e")) or len(raw) < 15:
            raise JT808Error("frame must be 0x7E ... 0x7E")
        if raw[1] == 0x7D:
            raise ValueError("not declared")  # a plain ValueError is not the codec's reject: a finding
        return raw

    class FrameSplitter:
        def feed(self, data: bytes) -> list[bytes]:
            return [b"\x7e" + part + b"\x7e" for part in data.split(b"\x7e") if part]

    JT808Error.__module__ = decode.__module__ = FrameSplitter.__module__ = codec.__name__
    codec.JT808Error, codec.decode, codec.FrameSplitter = JT808Error, decode, FrameSplitter
    monkeypatch.setitem(sys.modules, "console.core.jt808", codec)
    found = {target.name: target for target in fuzz.targets(seed=3) if target.name.startswith("jt808")}
    assert set(found) == {"jt808.decode", "jt808.splitter"}
    assert found["jt808.decode"].rejects == (JT808Error,)
    stats = fuzz.run_isolated(found["jt808.decode"], 2000, seed=3, seconds=60.0, out=tmp_path)
    assert stats.accepted and stats.rejected["frame must be"]
    assert stats.unhandled["ValueError: not declared"] > 0
