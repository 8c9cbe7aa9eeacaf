"""One worker thread that takes submissions from any thread and writes them in batched transactions."""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

_log = logging.getLogger(__name__)
_STOP = object()
RETRY_FIRST_S = 0.05  # the first wait after a failed write; it doubles up to RETRY_MAX_S
RETRY_MAX_S = 2.0

# Called on the writer thread once what was submitted before it is committed (True) or given up (False).
Notice = Callable[[bool], None]


class _Notice:
    __slots__ = ("callback",)

    def __init__(self, callback: Notice) -> None:
        self.callback = callback


class BatchWriter:
    """The shared mechanism of the hub's storage writer and the console's cache writer.

    ``_put(item, rows)`` queues an item without blocking; the thread collects items into a batch until
    ``max_batch`` rows or ``max_delay`` seconds, then calls ``_write(items)`` once for the whole batch.
    ``flush`` waits until everything submitted before it is written; ``close`` writes what is queued and
    stops. ``notify`` asks to be told when what was submitted before it is committed: a batch holding such
    a notice is cut at once, or ``notice_delay`` seconds after the previous commit if that is later (a
    commit at most that often while someone waits: enough uploads share one to keep them cheap).

    A failed ``_write`` is counted in ``errors``. A storage error that may pass (database locked or busy,
    file cannot be opened, disk full, I/O error, connection lost) is retried with back-off, the same batch,
    for ``retry_for`` seconds (None: until it is written); meanwhile nothing else is written, the queue
    grows and ``retry_pending`` says how many rows wait on the retry. Any other error (the data or the
    code is at fault: retrying cannot help), or a storage error that outlasts ``retry_for``, gives the
    batch up: ``_failed`` logs it, ``rows_dropped`` counts it and its notices are told False.
    """

    def __init__(
        self,
        name: str,
        max_batch: int,
        max_delay: float,
        *,
        notice_delay: float | None = None,
        retry_for: float | None = None,
    ) -> None:
        self._max_batch = max_batch
        self._max_delay = max_delay
        self._notice_delay = max_delay if notice_delay is None else min(notice_delay, max_delay)
        self._retry_for = retry_for
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending = 0
        self._closed = False
        self._last_commit = 0.0  # monotonic time the last batch ended
        self.batches = 0
        self.errors = 0  # failed write attempts (a retried batch counts once per attempt)
        self.rows_dropped = 0  # rows of batches given up
        self.retry_pending = 0  # rows of the batch being retried; 0 while writes succeed
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def queue_depth(self) -> int:
        """Rows submitted but not yet written (or given up)."""
        return self._pending

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted so far is written (or failed); False when the timeout expired."""
        done = threading.Event()
        self._put(done, 0)
        return done.wait(timeout)

    def notify(self, callback: Notice) -> None:
        """Call ``callback(stored)`` on the writer thread once everything submitted before this call is
        committed (True) or given up (False); it must be quick and must not raise."""
        self._put(_Notice(callback), 0)

    def close(self, timeout: float | None = 10.0) -> bool:
        """Write what is queued, then stop the thread; True when it stopped within the timeout."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _put(self, item: Any, rows: int) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the {self._thread.name} is closed")
            self._pending += rows
            self._queue.put((item, rows))

    def _write(self, items: list[Any]) -> None:
        """Write one batch of submitted items (in submission order); runs on the writer thread. It may be
        called again with the same items after it raised: it must write them all or none."""
        raise NotImplementedError

    def _after_write(self, items: list[Any]) -> None:
        """Hook run on the writer thread after each batch (retention, for instance)."""

    def _retryable(self, exc: BaseException) -> bool:
        """True for a storage error that may pass: worth writing the same batch again after a while."""
        if isinstance(exc, sa.exc.DBAPIError):
            return isinstance(exc, sa.exc.OperationalError) or exc.connection_invalidated
        return isinstance(exc, sqlite3.OperationalError | OSError)

    def _run(self) -> None:
        stop = False
        while not stop:
            items, rows, notices, flushed, stop = self._collect(self._queue.get())
            stored = True
            if items:
                stored = self._write_until_done(items, rows)
                self._last_commit = time.monotonic()
                self._after_write(items)
            for notice in notices:
                self._tell(notice, stored)
            for event in flushed:
                event.set()

    def _collect(self, entry: Any) -> tuple[list[Any], int, list[Notice], list[threading.Event], bool]:
        items: list[Any] = []
        notices: list[Notice] = []
        flushed: list[threading.Event] = []
        rows, stop = 0, False
        deadline = time.monotonic() + self._max_delay
        while True:
            if entry is _STOP:
                stop = True
            elif isinstance(entry[0], threading.Event):
                flushed.append(entry[0])
            elif isinstance(entry[0], _Notice):
                if not notices:  # someone waits for this batch: it is cut sooner
                    cut = max(time.monotonic(), self._last_commit + self._notice_delay)
                    deadline = min(deadline, cut)
                notices.append(entry[0].callback)
            else:
                items.append(entry[0])
                rows += entry[1]
            remaining = deadline - time.monotonic()
            if stop or flushed or rows >= self._max_batch or remaining <= 0:
                return items, rows, notices, flushed, stop
            try:
                entry = self._queue.get(timeout=remaining)
            except queue.Empty:
                return items, rows, notices, flushed, stop

    def _write_until_done(self, items: list[Any], rows: int) -> bool:
        """Write a batch, retrying storage errors with back-off; True once written, False if given up."""
        delay, started = RETRY_FIRST_S, time.monotonic()
        try:
            while True:
                try:
                    self._write(items)
                    self.batches += 1
                    if self.retry_pending:
                        _log.warning(
                            "%s: writing again after %.1f s", self._thread.name, self._since(started)
                        )
                    return True
                except Exception as exc:
                    self.errors += 1
                    if not self._retryable(exc) or self._retry_over(started):
                        self.rows_dropped += rows
                        self._failed(rows)
                        self._given_up(items, exc)
                        return False
                    if not self.retry_pending:
                        _log.warning(
                            "%s: a batch of %d rows failed (%s); retrying", self._thread.name, rows, exc
                        )
                    self.retry_pending = rows
                time.sleep(delay)
                delay = min(2 * delay, RETRY_MAX_S)
        finally:
            self.retry_pending = 0
            with self._lock:
                self._pending -= rows

    def _retry_over(self, started: float) -> bool:
        return self._retry_for is not None and self._since(started) >= self._retry_for

    @staticmethod
    def _since(started: float) -> float:
        return time.monotonic() - started

    def _tell(self, notice: Notice, stored: bool) -> None:
        try:
            notice(stored)
        except Exception:  # the one waiting has gone (its loop closed): nothing to tell
            _log.debug("%s: a commit notice failed", self._thread.name, exc_info=True)

    def _given_up(self, items: list[Any], exc: Exception) -> None:
        """Hook run on the writer thread with the items of a batch given up (after ``_failed``)."""

    def _failed(self, rows: int) -> None:
        """Called with the exception active when a batch is given up."""
        _log.exception("%s: a batch of %d rows failed and is dropped", self._thread.name, rows)
