"""An ingest node's own SQLite file (``--data``): the answered parts of split uploads, its batch numbers, and
the JT/T 808 auth codes it gave.

A part of a split HJ 212 upload (or a JT/T 808 sub-package) is answered once it is here, as a hub answers
it once it is in its database (console/hub/ingest_parts.py): a node killed before the rest came takes the
parts up again when it starts, and the rest may come after the restart. The parts of an upload are deleted
once the batch carrying the whole upload is in the input stream.

Batch numbers make the JetStream message ids of a node (``<node>:<batch>``), which the input stream
de-duplicates within its window: a number used before a restart must never be used again after it, or the
new batch would be dropped as a re-send while its loggers were answered. Numbers start at the wall clock in
microseconds and never below what the file has reserved, so a clock set back cannot repeat one either.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from console.hub.ingest_parts import JT808_CN, PartKey, PartRow

RESERVE = 10**9  # batch numbers reserved at a time (about 230 days of batches every 20 ms)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_parts (
    station TEXT NOT NULL, cn TEXT NOT NULL, data_time TEXT NOT NULL, pnum INTEGER NOT NULL,
    pno INTEGER NOT NULL, arrived REAL NOT NULL, frame BLOB NOT NULL,
    PRIMARY KEY (station, cn, data_time, pnum, pno)
);
CREATE TABLE IF NOT EXISTS node (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS auth_codes (unit TEXT PRIMARY KEY, code TEXT NOT NULL);
"""


class NodeFile:
    """The file; writes go on one thread of their own (``commit``), reads happen at start."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an answered part survives the machine, not only us
        self._db.executescript(_SCHEMA)
        self._keep: dict[tuple[str, str, str, int, int], PartRow] = {}
        self._done: list[PartKey] = []
        self._codes: dict[str, str] = {}
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="ingest-file")
        self._next_batch = 0
        self._reserved = 0

    def rows(self, protocol: str = "hj212") -> list[PartRow]:
        """The stored parts of one protocol (``hj212`` or ``jt808``), as ``PartsStore`` takes them up."""
        where = "NOT LIKE" if protocol == "hj212" else "LIKE"
        cursor = self._db.execute(
            "SELECT station, cn, data_time, pnum, pno, arrived, frame FROM pending_parts "
            f"WHERE cn {where} ? ORDER BY station, cn, data_time, pnum, pno",
            (JT808_CN + "%",),
        )
        return [
            (s, cn, t, pnum, pno, arrived, bytes(frame)) for s, cn, t, pnum, pno, arrived, frame in cursor
        ]

    def keep(self, row: PartRow) -> None:
        """A part to store with the next ``commit`` (its answer waits for that)."""
        self._keep[row[:5]] = row

    def forget(self, keys: list[PartKey]) -> None:
        """Uploads whose parts go with the next ``commit`` (completed and published, or dropped)."""
        self._done += keys

    def auth_codes(self) -> dict[str, str]:
        """The JT/T 808 auth codes given to units' terminals, by unit id."""
        return dict(self._db.execute("SELECT unit, code FROM auth_codes").fetchall())

    def keep_code(self, unit: str, code: str) -> None:
        """An auth code to store with the next ``commit`` (the registration's answer waits for that)."""
        self._codes[unit] = code

    @property
    def dirty(self) -> bool:
        return bool(self._keep or self._done or self._codes)

    async def commit(self) -> None:
        """Write what was kept and forgotten since the last call (deletions first: a part kept after its
        upload was forgotten starts the upload again), on the file's own thread."""
        if not self.dirty:
            return
        keep, self._keep = list(self._keep.values()), {}
        done, self._done = self._done, []
        codes, self._codes = list(self._codes.items()), {}
        await asyncio.get_running_loop().run_in_executor(self._thread, self._write, keep, done, codes)

    def _write(self, keep: list[PartRow], done: list[PartKey], codes: list[tuple[str, str]]) -> None:
        db = self._db
        db.execute("BEGIN")
        try:
            db.executemany(
                "DELETE FROM pending_parts WHERE station = ? AND cn = ? AND data_time = ? AND pnum = ?", done
            )
            db.executemany("INSERT OR REPLACE INTO pending_parts VALUES (?, ?, ?, ?, ?, ?, ?)", keep)
            db.executemany("INSERT OR REPLACE INTO auth_codes VALUES (?, ?)", codes)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def next_batch(self) -> int:
        """A batch number never given before by this file (see the module docstring)."""
        if self._next_batch >= self._reserved:
            row = self._db.execute("SELECT value FROM node WHERE key = 'reserved'").fetchone()
            start = max(int(time.time() * 1e6), self._next_batch, row[0] if row else 0)
            self._db.execute("INSERT OR REPLACE INTO node VALUES ('reserved', ?)", (start + RESERVE,))
            self._next_batch, self._reserved = start, start + RESERVE
        self._next_batch += 1
        return self._next_batch

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self._db.close()
