"""The importers' common path into the hub's Storage: stations and uploads of a file in one transaction."""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TextIO

import msgspec

from console.core.factors import AQI_POLLUTANTS, FACTORS
from console.core.models import Reading, Station, Upload, Values
from console.hub.derive import AqiDeriver
from console.hub.importers.progress import ProgressBar
from console.hub.importers.report import BadRow, Report
from console.hub.storage import Storage

BATCH = 20_000  # uploads per write: large, since an import has no one waiting for an answer
Row = tuple[int, Upload] | BadRow  # what a format's reader yields: (line, upload) or a skipped row
Known = Mapping[str, tuple[Station, str]]  # station id -> registration and logger password
_ORDER = {code: n for n, code in enumerate(FACTORS)}
DERIVED = frozenset({"AQI_H", "AQI_D"})  # series the hub derives: stored, not among a station's factors


def derived_mn(name: str) -> str:
    """A stable 24-character HJ 212 MN for a station known only by name (the same name, the same MN)."""
    return hashlib.sha256(name.encode()).hexdigest()[:24].upper()


def new_password() -> str:
    """A logger password for a station registered by an import (loggers of it get it from the operator)."""
    return secrets.token_hex(3)


def lines(handle: TextIO, progress: ProgressBar) -> Iterator[str]:
    """The lines of an open file, counting their characters (close to bytes) as progress."""
    count = 0
    for line in handle:
        count += len(line)
        if count > 65_536:
            progress.advance(count)
            count = 0
        yield line
    progress.advance(count)


class Loader:
    """Writes what readers yield: each file in one transaction, so a file (and every station in it) is
    stored whole or not at all; bad rows are reported and skipped, a refused header leaves nothing."""

    def __init__(self, storage: Storage, report: Report) -> None:
        self._storage = storage
        self._report = report

    def load(self, path: Path, rows: Iterable[Row], known: Known, derive: bool = False) -> None:
        """Store the uploads of one file and register the stations they belong to; with ``derive`` (rows in
        time order), the hourly and daily AQI of air stations too, as the hub derives them from live data.

        Raises what the reader raises (``HeaderError`` before any row); the transaction is then rolled back.
        """
        report, seen = self._report, dict[str, set[str]]()
        deriver = AqiDeriver({station.id: station for station, _ in known.values()}) if derive else None
        with self._storage.bulk() as tx:
            batch: list[Upload] = []
            for row in rows:
                if isinstance(row, BadRow):
                    report.bad_rows.append(row)
                    continue
                line, (station, ts, values) = row
                if station not in known:
                    report.bad_rows.append(BadRow(path, line, f"unknown station {station!r}"))
                    continue
                seen.setdefault(station, set()).update(values)
                batch.append((station, ts, values))
                if deriver is not None and (derived := deriver.feed(_pollutants(station, ts, values))):
                    batch += _uploads(derived)
                    report.derived += len(derived)
                if len(batch) >= BATCH:
                    report.readings += tx.uploads(batch)
                    batch = []
            if deriver is not None:
                derived = deriver.tick(math.inf)  # the file's last hour and day are complete
                batch += _uploads(derived)
                report.derived += len(derived)
            report.readings += tx.uploads(batch)
            tx.stations([_with_factors(known[station], factors) for station, factors in sorted(seen.items())])
            report.new_uploads += tx.new_moments
        report.stations.update(seen)


def _pollutants(station: str, ts: float, values: Values) -> list[Reading]:
    """The values the AQI is derived from, as readings."""
    return [Reading(station, code, ts, *values[code]) for code in AQI_POLLUTANTS.keys() & values.keys()]


def _uploads(derived: list[Reading]) -> list[Upload]:
    return [(r.station, r.ts, {r.factor: (r.value, r.flag)}) for r in derived]


def _with_factors(registration: tuple[Station, str], factors: set[str]) -> tuple[Station, str]:
    """The registration with the factors an import brought added to those the station reports."""
    station, pw = registration
    merged = sorted(
        (set(station.factors) | factors) - DERIVED, key=lambda code: (_ORDER.get(code, len(_ORDER)), code)
    )
    return msgspec.structs.replace(station, factors=tuple(merged)), pw
