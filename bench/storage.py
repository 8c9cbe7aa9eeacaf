"""Hub storage benchmark: µs per upload written through Storage.write (SQLite file, WAL), by batch size.

Each upload is a new row: 500 stations, 10 factors, every station one upload per round, stamped 20 ms
apart; a batch holds some rounds, as the writer thread collects them (half a second of ingest at about
25,000 uploads/s is some 13,000 uploads). The database starts empty in a temporary folder.

Usage: python bench/storage.py [--stations 500] [--factors 10] [--uploads 200000]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.hub.storage import Storage

T0 = 1_700_000_000.0


def run(stations: int, factors: int, uploads: int, per_batch: int) -> float:
    """µs per upload for batches of ``per_batch`` uploads (whole rounds)."""
    codes = [f"a{i:05d}" for i in range(factors)]
    rounds = max(1, per_batch // stations)
    with tempfile.TemporaryDirectory() as tmp:
        storage = Storage(f"sqlite:///{Path(tmp) / 'hub.db'}")
        batches = []
        for b in range(max(1, uploads // (rounds * stations))):
            batches.append(
                [
                    (
                        f"S{s:05d}",
                        T0 + (b * rounds + k) * 0.02,
                        {c: (12.5 + i, "N") for i, c in enumerate(codes)},
                    )
                    for k in range(rounds)
                    for s in range(stations)
                ]
            )
        start = time.perf_counter()
        for batch in batches:
            storage.write([], batch)
        elapsed = time.perf_counter() - start
        storage.close()
    return elapsed / sum(map(len, batches)) * 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stations", type=int, default=500)
    p.add_argument("--factors", type=int, default=10)
    p.add_argument("--uploads", type=int, default=200_000)
    args = p.parse_args()
    figures: dict[str, float] = {}
    for per_batch in (2_000, 5_000, 13_000):
        us = run(args.stations, args.factors, args.uploads, per_batch)
        figures[f"us_per_upload_batch_{per_batch}"] = round(us, 2)
        print(f"batches of {per_batch:>6} uploads: {us:.2f} µs an upload")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
