"""Split HJ 212 uploads (PNUM/PNO) being put together, each part stored before it is answered.

A logger forgets a part once it is answered, so a part kept only in memory would be lost with the hub
(kill -9, a crash) before the last part came. Each part that does not complete its upload is handed to
the storage writer as it comes (``keep``), in the answer cycle its answer waits for: the answer goes only
once the part is committed. The part that completes an upload gives the whole upload, which goes the way
of every upload; its key goes into ``take_done``, and the hub deletes the stored parts in the same
transaction that stores the upload. A hub that starts takes the stored parts up again (``rows``), so the
rest of an upload may come after a restart, on any connection of the same station.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable

from console.core import hj212
from console.core.hj212 import FrameError, Packet

log = logging.getLogger(__name__)

SPLIT_TIMEOUT_S = 120.0  # an upload still missing parts this long after its first part came is dropped
KEEP_DONE_S = SPLIT_TIMEOUT_S  # a completed upload is remembered this long: a re-sent part completes it again
MAX_PARTS_PER_STATION = 256  # parts of one station waiting for the rest; beyond, parts are refused
MAX_PARTS_KEPT_DONE = 4096  # parts of completed uploads remembered (the oldest are forgotten first)

# (station, CN, DataTime as written, PNUM): the parts of one upload
PartKey = tuple[str, str, str, int]
# a stored part: (station, CN, DataTime, PNUM, PNO, arrived (Unix s), frame as received)
PartRow = tuple[str, str, str, int, int, float, bytes]


class _Upload:
    __slots__ = ("born", "complete", "parts")

    def __init__(self, born: float) -> None:
        self.born = born  # monotonic time its first part came (or the hub took it up again)
        self.parts: dict[int, Packet] = {}  # PNO -> part
        self.complete = False


class SplitParts:
    """The split uploads of every station that are waiting for parts (see the module docstring).

    ``keep`` stores a part (the storage writer's ``submit_part``); None keeps parts in memory only.
    """

    def __init__(
        self,
        keep: Callable[[PartRow], None] | None = None,
        rows: Iterable[PartRow] = (),
        *,
        max_segment: int = hj212.MAX_SEGMENT,
        timeout_s: float = SPLIT_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keep = keep
        self.timeout_s = timeout_s
        self._clock = clock
        self._uploads: dict[PartKey, _Upload] = {}
        self._waiting: Counter[str] = Counter()  # parts waiting per station
        self._done: list[PartKey] = []
        self._completed: deque[PartKey] = deque()  # completed uploads remembered, oldest first
        self._completed_parts = 0  # their parts
        self.taken_up = self._take_up(rows, max_segment)

    def _take_up(self, rows: Iterable[PartRow], max_segment: int) -> int:
        """The parts stored before the hub stopped; each gets the whole timeout again from now."""
        count = 0
        for station, cn, data_time, pnum, pno, _, raw in rows:
            key = (station, cn, data_time, pnum)
            try:
                packet = hj212.decode(raw, max_segment=max(max_segment, len(raw)))
            except FrameError as exc:  # stored by this hub, so not expected: the part is dropped
                log.warning("station %s: a stored part of a split upload cannot be read (%s)", station, exc)
                self._done.append(key)
                continue
            upload = self._uploads.get(key)
            if upload is None:
                upload = self._uploads[key] = _Upload(self._clock())
            if pno not in upload.parts:
                self._waiting[station] += 1
                count += 1
            upload.parts[pno] = packet
        return count

    def refusal(self, station: str, packet: Packet) -> str | None:
        """Why a part cannot be taken (a reject reason), None when it can: numbers out of range, or too
        many parts of the station waiting already. A refused part is neither stored nor answered."""
        pnum, pno = packet.pnum or 0, packet.pno or 0
        if not 1 <= pno <= pnum or pnum > MAX_PARTS_PER_STATION:
            return "split_numbers"
        upload = self._uploads.get(_key(station, packet))
        waits = upload is None or pno not in upload.parts
        if waits and self._waiting[station] >= MAX_PARTS_PER_STATION:
            return "split_overflow"
        return None

    def add(self, station: str, packet: Packet, raw: bytes) -> Packet | None:
        """Take a part (see ``refusal`` first): the whole upload when this part completes it (or a part of
        an upload completed already comes again), else None once the part is handed to ``keep``."""
        key = _key(station, packet)
        upload = self._uploads.get(key)
        if upload is None:
            upload = self._uploads[key] = _Upload(self._clock())
        pno = packet.pno or 0
        new = pno not in upload.parts
        upload.parts[pno] = packet
        if not upload.complete and len(upload.parts) >= key[3]:  # PNO is within 1..PNUM: every part
            self._waiting[station] -= len(upload.parts) - new  # the parts before this one waited
            upload.complete, upload.born = True, self._clock()
            self._remember(key, upload)
        if upload.complete:
            self._done.append(key)
            return assemble(upload.parts)
        self._waiting[station] += new
        if self._keep is not None:
            self._keep((*key, pno, time.time(), raw))
        return None

    def _remember(self, key: PartKey, upload: _Upload) -> None:
        """Keep a completed upload for a while (a part sent again completes it again), within a bound."""
        self._completed.append(key)
        self._completed_parts += len(upload.parts)
        while self._completed_parts > MAX_PARTS_KEPT_DONE:
            old = self._completed.popleft()
            forgotten = self._uploads.get(old)
            if forgotten is not None and forgotten.complete:
                del self._uploads[old]
                self._completed_parts -= len(forgotten.parts)

    def take_done(self) -> list[PartKey]:
        """The uploads completed or dropped since the last call: their stored parts are to be deleted, in
        the transaction that stores the completed ones."""
        done, self._done = self._done, []
        return done

    def expire(self) -> list[tuple[PartKey, int]]:
        """Drop the uploads still missing parts after the timeout (their parts are deleted with the next
        ``take_done``) and forget completed ones; returns the dropped (key, parts it had)."""
        now, dropped = self._clock(), []
        for key in [k for k, u in self._uploads.items() if now - u.born > self.timeout_s]:
            upload = self._uploads.pop(key)
            if upload.complete:
                self._completed_parts -= len(upload.parts)
            else:
                self._waiting[key[0]] -= len(upload.parts)
                if self._waiting[key[0]] <= 0:
                    del self._waiting[key[0]]
                self._done.append(key)
                dropped.append((key, len(upload.parts)))
        while self._completed and self._completed[0] not in self._uploads:  # forgotten already
            self._completed.popleft()
        return dropped


def _key(station: str, packet: Packet) -> PartKey:
    return (station, packet.cn, packet.params.get("DataTime") or "", packet.pnum or 0)


def assemble(parts: dict[int, Packet]) -> Packet:
    """One packet of the parts of a split upload in PNO order: the first part's header without PNUM and
    PNO, the data areas of all parts after one another (DataTime once)."""
    ordered = [parts[n] for n in sorted(parts)]
    header = tuple((k, v) for k, v in ordered[0].header if k not in ("PNUM", "PNO"))
    seen_time, groups = False, []
    for part in ordered:
        for group in part.groups:
            if group[0][0] == "DataTime":
                if seen_time:
                    continue
                seen_time = True
            groups.append(group)
    return Packet(header=header, groups=tuple(groups))
