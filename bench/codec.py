"""HJ 212 codec micro-benchmark: µs per frame for decode, crc16 and parse_segment, with and without the
optional C speedups (console/core/_hj212_speedups, built by tools/build_speedups.py), and the hub's whole
step from frame to readings: decode + upload_values (the packet path), and, with the speedups, the
packet-free path of an ordinary upload (uploads.quick_upload + uploads.area_values), and how fast the
frame splitter skips junk (MB/s of ``#`` bytes, then of other garbage, fed in the hub's 32 KB reads).

The frame is the ingest benchmark's: CN 2011, ten factors with Rtd and Flag (about 420 bytes).
Usage: python bench/codec.py [--factors 10] [--repeat 7]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.core import hj212, uploads

CODES = ["a34004", "a34002", "a21026", "a21004", "a21005", "a05024", "a01001", "a01002", "a01006", "a01007",
         "a01008", "a34001", "a21002", "a21003", "a99001", "a00000"]  # fmt: skip


def sample_frame(factors: int) -> bytes:
    stamp = "20231115063320"
    cp = {code: {"Rtd": f"{(i * 7) % 500}.{i}", "Flag": "N"} for i, code in enumerate(CODES[:factors])}
    packet = hj212.Packet.create(qn=stamp + "000", st="22", cn="2011", pw="123456", mn=f"{42:024X}", flag=4,
                                 params={"DataTime": stamp}, cp=cp)  # fmt: skip
    return hj212.encode(packet)


def per_call_us(fn, arg, repeat: int) -> float:
    timer = timeit.Timer(lambda: fn(arg))
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e6


def packet_path(raw: bytes) -> list:
    return uploads.upload_values(hj212.decode(raw).cp, "Rtd", "", "S1", 1.0)[0]


def packet_free_path(raw: bytes) -> list:
    text, _fields, _stamp = uploads.quick_upload(raw, hj212.MAX_SEGMENT)
    return uploads.area_values(text, "Rtd", "", "S1", 1.0)[0]


def measure(raw: bytes, repeat: int) -> dict[str, float]:
    segment = hj212.check_frame(raw)
    text = segment.decode()
    return {
        "decode_us": per_call_us(hj212.decode, raw, repeat),
        "crc16_us": per_call_us(hj212.crc16, segment, repeat),
        "parse_segment_us": per_call_us(hj212.parse_segment, text, repeat),
        "frame_to_readings_us": per_call_us(packet_path, raw, repeat),
    }


def junk_mb_per_s(junk: bytes, repeat: int, size: int = 4_000_000) -> float:
    """MB/s at which a splitter drops ``junk`` repeated over ``size`` bytes, fed in 32 KB reads."""
    stream = junk * (size // len(junk))
    reads = [stream[at : at + 32 * 1024] for at in range(0, len(stream), 32 * 1024)]

    def skip() -> None:
        splitter = hj212.FrameSplitter()
        for data in reads:
            splitter.feed(data)

    return len(stream) / min(timeit.repeat(skip, repeat=repeat, number=1)) / 1e6


# Where the codec and the hub's upload reading look for the C functions.
_SWITCHES = [(hj212, "_c"), (hj212, "_c_frame_segment"), (uploads, "_c_upload_values")]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--factors", type=int, default=10, help="factors per frame")
    p.add_argument("--repeat", type=int, default=7, help="timing runs; the best is kept")
    args = p.parse_args()
    raw = sample_frame(args.factors)
    speedups = hj212._c
    figures: dict[str, object] = {"frame_bytes": len(raw), "speedups_built": speedups is not None}
    saved = [getattr(module, name) for module, name in _SWITCHES]
    for module, name in _SWITCHES:
        setattr(module, name, None)
    try:
        pure = measure(raw, args.repeat)
    finally:
        for (module, name), value in zip(_SWITCHES, saved, strict=True):
            setattr(module, name, value)
    figures.update({f"py_{k}": round(v, 2) for k, v in pure.items()})
    print(f"pure Python   ({len(raw)}-byte frame): " + ", ".join(f"{k} {v:.2f}" for k, v in pure.items()))
    if speedups is not None:
        fast = measure(raw, args.repeat)
        if uploads.quick_upload(raw, hj212.MAX_SEGMENT) is not None:
            fast["packet_free_frame_to_readings_us"] = per_call_us(packet_free_path, raw, args.repeat)
        figures.update({f"c_{k}": round(v, 2) for k, v in fast.items()})
        figures["decode_speedup"] = round(pure["decode_us"] / fast["decode_us"], 2)
        print(f"C speedups    ({len(raw)}-byte frame): " + ", ".join(f"{k} {v:.2f}" for k, v in fast.items()))
    else:
        print("C speedups not built (tools/build_speedups.py): only the pure-Python figures")
    junk = {
        "hashes": b"#",
        "hash_pairs": b"##x",
        "runs_of_64": b"x" + b"#" * 64,
        "garbage": b"GET / HTTP/1.1 ##x\r\n",
    }
    skipped = {name: round(junk_mb_per_s(data, args.repeat), 1) for name, data in junk.items()}
    figures.update({f"junk_{name}_mb_per_s": v for name, v in skipped.items()})
    print("junk skipped by the splitter (MB/s): " + ", ".join(f"{k} {v}" for k, v in skipped.items()))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
