"""One worker thread that takes submissions from any thread and writes them in batched transactions."""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

_log = logging.getLogger(__name__)
_STOP = object()


class BatchWriter:
    """The shared mechanism of the hub's storage writer and the console's cache writer.

    ``_put(item, rows)`` queues an item without blocking; the thread collects items into a batch until
    ``max_batch`` rows or ``max_delay`` seconds, then calls ``_write(items)`` once for the whole batch.
    ``flush`` waits until everything submitted before it is written; ``close`` writes what is queued and
    stops. A failing ``_write`` is logged and counted in ``errors``; the thread carries on.
    """

    def __init__(self, name: str, max_batch: int, max_delay: float) -> None:
        self._max_batch = max_batch
        self._max_delay = max_delay
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending = 0
        self._closed = False
        self.batches = 0
        self.errors = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def queue_depth(self) -> int:
        """Rows submitted but not yet written (or dropped)."""
        return self._pending

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted so far is written (or failed); False when the timeout expired."""
        done = threading.Event()
        self._put(done, 0)
        return done.wait(timeout)

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
        """Write one batch of submitted items (in submission order); runs on the writer thread."""
        raise NotImplementedError

    def _after_write(self, items: list[Any]) -> None:
        """Hook run on the writer thread after each batch (retention, for instance)."""

    def _run(self) -> None:
        stop = False
        while not stop:
            items, rows, flushed, stop = self._collect(self._queue.get())
            if items:
                self._write_logged(items, rows)
                self._after_write(items)
            for event in flushed:
                event.set()

    def _collect(self, entry: Any) -> tuple[list[Any], int, list[threading.Event], bool]:
        items: list[Any] = []
        flushed: list[threading.Event] = []
        rows, stop = 0, False
        deadline = time.monotonic() + self._max_delay
        while True:
            if entry is _STOP:
                stop = True
            elif isinstance(entry[0], threading.Event):
                flushed.append(entry[0])
            else:
                items.append(entry[0])
                rows += entry[1]
            remaining = deadline - time.monotonic()
            if stop or flushed or rows >= self._max_batch or remaining <= 0:
                return items, rows, flushed, stop
            try:
                entry = self._queue.get(timeout=remaining)
            except queue.Empty:
                return items, rows, flushed, stop

    def _write_logged(self, items: list[Any], rows: int) -> None:
        try:
            self._write(items)
            self.batches += 1
        except Exception:
            self.errors += 1
            self._failed(rows)
        finally:
            with self._lock:
                self._pending -= rows

    def _failed(self, rows: int) -> None:
        """Called with the exception active when a batch could not be written."""
        _log.exception("%s: a batch of %d rows failed", self._thread.name, rows)
