"""JT/T 808 codec micro-benchmark: µs per 0x0200 location frame through the whole receive path (split +
unescape + check code + decode), each step alone, and how fast the splitter drops junk.

The frame is a 2013 location report with mileage, signal and satellite items (about 60 bytes, like the
terminals' usual report); the frames' times are one second apart, so after the first run the codec's time
cache knows them, as it does when many terminals report the same seconds (decode_uncached_us: it does
not). The hub must later take 5,000 positions/s on 2 cores: 200 µs per position for everything, so the
codec should stay well under 50 µs.
Usage: python bench/jt808.py [--frames 2000] [--repeat 7]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dataclasses import replace

from console.core import jt808

LOCATION = jt808.Location(
    alarm=0,
    status=0x000C0003,
    latitude=22.514880,
    longitude=113.916508,
    altitude=71,
    speed=42.5,
    heading=270,
    time=1_700_000_000,
    items=((0x01, (123456).to_bytes(4)), (0x30, b"\x16"), (0x31, b"\x0b")),
)


def sample_frames(count: int) -> list[bytes]:
    """``count`` location frames from one terminal, one second apart."""
    header = jt808.Header(jt808.LOCATION, "013511221122", 0)
    return [
        jt808.encode_frame(
            replace(header, serial=n),
            jt808.location_body(replace(LOCATION, time=1_700_000_000 + n)),
        )
        for n in range(count)
    ]


def best(fn: object, repeat: int) -> float:
    """Seconds of the best run of ``fn``."""
    return min(timeit.repeat(fn, repeat=repeat, number=1))  # type: ignore[arg-type]


def receive(stream: bytes) -> int:
    """The receive path: split one read into frames and decode each."""
    splitter = jt808.FrameSplitter()
    return sum(1 for raw in splitter.feed(stream) if jt808.decode(raw).body is not None)


def decode_uncached(frames: list[bytes]) -> None:
    """Decode with the time cache emptied first: every frame's time is new (the worst case; with many
    terminals most reports share their second with others)."""
    jt808.parse_time.cache_clear()
    for raw in frames:
        jt808.decode(raw)


def per_frame_us(frames: list[bytes], repeat: int) -> dict[str, float]:
    stream = b"".join(frames)
    inner = [raw[1:-1] for raw in frames]
    data = [jt808.unescape(raw) for raw in inner]
    count = len(frames)
    steps = {
        "receive_us": lambda: receive(stream),
        "split_us": lambda: jt808.FrameSplitter().feed(stream),
        "unescape_us": lambda: [jt808.unescape(raw) for raw in inner],
        "check_code_us": lambda: [jt808.check_code(d) for d in data],
        "decode_us": lambda: [jt808.decode(raw) for raw in frames],
        "decode_uncached_us": lambda: decode_uncached(frames),
    }
    return {name: best(fn, repeat) / count * 1e6 for name, fn in steps.items()}


def junk_mb_per_s(junk: bytes, repeat: int, size: int = 4_000_000) -> float:
    """MB/s at which the splitter drops ``junk`` repeated over ``size`` bytes, fed in 32 KB reads."""
    stream = junk * (size // len(junk))
    reads = [stream[at : at + 32 * 1024] for at in range(0, len(stream), 32 * 1024)]

    def skip() -> None:
        splitter = jt808.FrameSplitter()
        for data in reads:
            splitter.feed(data)

    return len(stream) / best(skip, repeat) / 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=2000, help="frames per timed run")
    p.add_argument("--repeat", type=int, default=7, help="timing runs; the best is kept")
    args = p.parse_args()
    frames = sample_frames(args.frames)
    figures: dict[str, object] = {"frame_bytes": len(frames[0])}
    steps = per_frame_us(frames, args.repeat)
    figures.update({k: round(v, 2) for k, v in steps.items()})
    figures["frames_per_s"] = round(1e6 / steps["receive_us"])
    print(
        f"0x0200 frame of {len(frames[0])} bytes, µs per frame: "
        + ", ".join(f"{k} {v:.2f}" for k, v in steps.items())
    )
    print(f"receive path (split + unescape + check + decode): {figures['frames_per_s']} frames/s on one core")
    junk = {"no_flags": b"GET / HTTP/1.1\r\n", "short_runs": b"\x7eabc", "flags": b"\x7e"}
    skipped = {name: round(junk_mb_per_s(data, args.repeat), 1) for name, data in junk.items()}
    figures.update({f"junk_{name}_mb_per_s": v for name, v in skipped.items()})
    print("junk dropped by the splitter (MB/s): " + ", ".join(f"{k} {v}" for k, v in skipped.items()))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
