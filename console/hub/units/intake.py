"""What the unit listeners (JT/T 808, OsmAnd) need from whoever takes their reports: the hub's
``UnitService``, which stores them, or an ingest node's ``NodeUnits`` (console/hub/cluster/ingest_units.py),
which publishes them to the cluster's input stream. Either answers a device only once its reports are kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from console.core.models import Upload

if TYPE_CHECKING:
    from console.hub.units.service import UnitConfig
    from console.hub.units.tracker import Tracker


class PartsWriter(Protocol):
    """Where sub-packages go as they are answered, and go away once their message is kept."""

    def submit_part(self, row: tuple[Any, ...]) -> None: ...

    def submit_uploads(
        self, uploads: Sequence[Upload], parts_done: Sequence[tuple[Any, ...]] = ()
    ) -> None: ...


class PartsSource(Protocol):
    """The sub-packages kept before a restart."""

    def load_parts(self, protocol: str = "hj212") -> list[tuple[Any, ...]]: ...


class UnitIntake(Protocol):
    """Units by device, reports in, and answer cycles (``hold``: the cycle an answer given now waits for)."""

    @property
    def config(self) -> UnitConfig: ...

    @property
    def tracker(self) -> Tracker: ...

    @property
    def writer(self) -> PartsWriter: ...

    @property
    def storage(self) -> PartsSource: ...

    @property
    def clock(self) -> Callable[[], float]: ...

    @property
    def over_budget(self) -> bool: ...

    def reject(self, reason: str) -> None: ...

    def hold(self) -> int: ...

    def stored_later(self) -> asyncio.Future[bool]: ...
