"""Child of the crash test: writes readings through a CacheWriter and adds outbox commands until killed.

Usage: python -m tests.core.cache_crash_child CACHE_FILE. Prints "start SEQ" (the position it resumes from),
then the id of every outbox command once ``add()`` has returned. Event seq N carries the readings at
T0 + 60 N, one value per station and factor.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from console.core import protocol
from console.core.cache import Cache, CacheWriter
from console.core.models import Reading
from console.core.outbox import Outbox

T0 = 1_700_000_000.0
STATIONS = [f"S{n:02d}" for n in range(20)]
FACTORS = ("a34004", "a34002", "a21026", "a21004", "a21005")
PER_EVENT = len(STATIONS) * len(FACTORS)


def event(epoch: str, seq: int) -> protocol.Readings:
    """The readings event number seq."""
    items = [Reading(s, f, T0 + 60.0 * seq, float(seq), "N") for s in STATIONS for f in FACTORS]
    return protocol.Readings(epoch=epoch, seq=seq, items=items)


def main(path: Path) -> None:
    """Write until killed; never returns."""
    cache = Cache(path)
    writer = CacheWriter(cache, max_batch=2000, max_delay=0.02, clock=lambda: T0)
    outbox = Outbox(cache)
    epoch, seq = cache.position() or ("crash-test", 0)
    print(f"start {seq}", flush=True)
    while True:
        seq += 1
        writer.submit_event(event(epoch, seq))
        if seq % 10 == 0:
            command = outbox.add("acknowledge", STATIONS[seq % len(STATIONS)], expected_version=seq)
            print(command.id, flush=True)
            if seq % 20 == 0:
                outbox.mark_sent(command.id)
        while writer.queue_depth > 20_000:
            time.sleep(0.002)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
