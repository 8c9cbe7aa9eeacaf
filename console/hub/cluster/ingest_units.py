"""Units on an ingest node: the hub's JT/T 808 and OsmAnd listeners, their reports passed on as they came.

The node does not judge reports (future times, jumps, arrivals): the leading hub node does, with every
unit's trail, from the fixes of the batches (``IngestBatch.fixes``). A terminal's 0x8001 and a phone's 200
wait for the cycle that publishes their reports, as a logger's answer does. The auth codes the node gives
terminals at registration are in its file and in the cluster's bucket (console/hub/cluster/ingest_codes.py)
before the registration is answered, so a terminal that reaches another node (a load balancer without
source affinity) is admitted there with the code it has; that node keeps the code in its file.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from console.core.models import Upload
from console.core.units import Fix, UnitInfo, UnitSource
from console.hub.cluster.ingest_codes import SharedCodes
from console.hub.cluster.ingest_file import NodeFile
from console.hub.site import device_key
from console.hub.units.jt808_listener import JT808Listener
from console.hub.units.osmand import OsmAndServer
from console.hub.units.service import AnswerCycles, UnitConfig
from console.hub.units.tracker import Tracker, UnitSlot

MAX_PENDING = 50_000  # fixes not yet published before the terminals' connections stop being read


class NodeTracker(Tracker):
    """Units by device as the hub finds them; reports are kept as they came, for the next batch."""

    def __init__(self, units: Iterable[UnitInfo], file: NodeFile) -> None:
        super().__init__(units, time.time)
        self.file = file
        for unit, code in file.auth_codes().items():
            slot = self.units.get(unit)
            if slot is not None:
                slot.auth_code = code
        self.taken: list[Fix] = []
        self.shared: dict[str, str] = {}  # terminal -> the code the cluster's bucket is known to hold
        self.to_share: dict[str, str] = {}  # terminal -> a code given here, for the bucket

    def changed(self, slot: UnitSlot, *, store: bool = True) -> None:
        """A unit's record changed: on a node, only an auth code is kept (in the file, and in the cluster's
        bucket unless it came from there)."""
        if store and slot.auth_code:
            self.file.keep_code(slot.info.id, slot.auth_code)
            terminal = device_key(UnitSource.JT808, slot.info.device)
            if slot.info.source == UnitSource.JT808 and self.shared.get(terminal) != slot.auth_code:
                self.to_share[terminal] = slot.auth_code

    def known_codes(self) -> dict[str, str]:
        """The codes of the node's file, by terminal."""
        return {
            device_key(UnitSource.JT808, slot.info.device): slot.auth_code
            for slot in self.units.values()
            if slot.auth_code and slot.info.source == UnitSource.JT808 and slot.info.device
        }

    def report(self, slot: UnitSlot, fixes: Iterable[Fix]) -> None:
        for fix in fixes:
            self.reports += 1
            self.taken.append(fix)

    @property
    def pending(self) -> int:
        return len(self.taken)


class _FileParts:
    """The node file as the JT/T 808 listener's writer and storage of sub-packages."""

    def __init__(self, file: NodeFile) -> None:
        self.file = file

    def submit_part(self, row: tuple[Any, ...]) -> None:
        self.file.keep(row)  # a PartRow, as JT808Parts makes it

    def submit_uploads(self, uploads: Sequence[Upload], parts_done: Sequence[tuple[Any, ...]] = ()) -> None:
        self.file.forget(list(parts_done))

    def load_parts(self, protocol: str = "hj212") -> list[tuple[Any, ...]]:
        return list(self.file.rows(protocol))


class NodeUnits(AnswerCycles):
    """The unit listeners of an ingest node, and the answer cycles their answers wait on."""

    def __init__(
        self,
        units: Iterable[UnitInfo],
        file: NodeFile,
        accept_unknown: bool = False,
        backlogged: Callable[[], bool] = lambda: False,
        codes: SharedCodes | None = None,
    ) -> None:
        self.config = UnitConfig(accept_unknown=accept_unknown)
        self.tracker = NodeTracker(units, file)
        self.writer = self.storage = _FileParts(file)
        self.clock: Callable[[], float] = time.time
        self._backlogged = backlogged
        self.codes = codes
        self.jt808: JT808Listener | None = None
        self.osmand: OsmAndServer | None = None
        super().__init__()
        self.frames_rejected: Counter[str] = Counter()

    async def start(self, host: str, jt808_port: int | None, osmand_port: int | None) -> tuple[int, int]:
        """Open the listeners asked for; their bound ports (0: not listening)."""
        bound = [0, 0]
        if jt808_port is not None:
            self.jt808 = JT808Listener(self, self.config.idle_s, codes=self if self.codes else None)
            bound[0] = await self.jt808.start(host, jt808_port)
        if osmand_port is not None:
            self.osmand = OsmAndServer(self)
            bound[1] = await self.osmand.start(host, osmand_port)
        return bound[0], bound[1]

    async def code_of(self, terminal: str) -> str | None:
        """The code the cluster's bucket has for a terminal (see ``JT808Listener``'s ``codes``)."""
        assert self.codes is not None
        code = await self.codes.code_of(terminal)
        if code is not None:
            self.tracker.shared[device_key(UnitSource.JT808, terminal)] = code
        return code

    def learnt(self, fixes: list[Fix]) -> list[UnitInfo]:
        """The units of ``fixes`` taken on the fly here, for the leader to make them too."""
        units = self.tracker.units
        idents = {fix.unit for fix in fixes if (slot := units.get(fix.unit)) is not None and slot.learned}
        return [units[ident].info for ident in sorted(idents)]

    def take_codes(self) -> dict[str, str]:
        """The codes given since the last call, for the bucket (before their registrations are answered)."""
        codes, self.tracker.to_share = self.tracker.to_share, {}
        return codes

    def shared(self, codes: dict[str, str]) -> None:
        """``codes`` are in the bucket."""
        self.tracker.shared.update(codes)

    def pause(self) -> None:
        if self.jt808 is not None:
            self.jt808.pause_all()

    def resume_all(self) -> None:
        if self.jt808 is not None and not self.over_budget:
            self.jt808.resume_all()

    async def close(self) -> None:
        if self.jt808 is not None:
            await self.jt808.close()
        if self.osmand is not None:
            await self.osmand.close()

    @property
    def over_budget(self) -> bool:
        return self.tracker.pending > MAX_PENDING or self._backlogged()

    @property
    def pending(self) -> int:
        return self.tracker.pending

    def reject(self, reason: str) -> None:
        self.frames_rejected[reason] += 1

    def end_cycle(self) -> tuple[list[Fix], int | None]:
        """The fixes taken since the last call, and the answer cycle that waits on them (None: none)."""
        fixes, self.tracker.taken = self.tracker.taken, []
        return fixes, self.next_cycle()

    def stored(self, cycle: int, ok: bool) -> None:
        """The fixes of answer cycles up to ``cycle`` are published (``ok``) or were given up."""
        if self.jt808 is not None:
            self.jt808.stored(cycle, ok)
        self.release(cycle, ok)
