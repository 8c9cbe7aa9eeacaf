"""Counters and gauges of the hub, rendered in the Prometheus text exposition format."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Protocol

import psutil


class RateMeter:
    """Events per second over a sliding window of whole seconds."""

    def __init__(self, seconds: int = 10) -> None:
        self._seconds = seconds
        self._buckets: deque[list[float]] = deque()

    def add(self, count: int, now: float | None = None) -> None:
        second = int(now if now is not None else time.monotonic())
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += count
        else:
            self._buckets.append([second, count])
        while self._buckets and self._buckets[0][0] <= second - self._seconds:
            self._buckets.popleft()

    def rate(self, now: float | None = None) -> float:
        second = int(now if now is not None else time.monotonic())
        total = sum(c for s, c in self._buckets if second - self._seconds < s < second)
        return total / max(1, self._seconds - 1)


class StorageFigures(Protocol):
    """What /metrics reads from the hub's storage writer."""

    @property
    def rows_written(self) -> int: ...
    @property
    def errors(self) -> int: ...
    @property
    def queue_depth(self) -> int: ...
    @property
    def rows_dropped(self) -> int: ...
    @property
    def retry_pending(self) -> int: ...


class Metrics:
    """Everything /metrics reports. Plain attributes, updated by the hub's loop."""

    def __init__(self) -> None:
        self.frames_accepted = 0
        self.frames_rejected: Counter[str] = Counter()
        self.frames_oversize = 0
        self.readings_total = 0
        self.readings_rate = RateMeter()
        self.loggers_connected = 0
        self.consoles_connected = 0
        self.consoles_refused = 0  # /ws connections over the console caps
        self.clients_dropped_slow = 0
        self.lag_seconds = 0.0  # age of the newest data time at the moment it was published
        self.answers_pending = 0  # loggers' answers held until their uploads are stored
        self.answers_withheld = 0  # answers never sent: their uploads could not be stored
        self.logger_lockouts: Counter[str] = Counter()  # by what was locked out: "mn", "address"
        self.loggers_refused: Counter[str] = Counter()  # connections over a cap, by cap: "total", "address"
        self.loggers_idle_closed = 0
        self.readings_unknown_factor = 0  # readings of factor codes the hub does not know: dropped
        self.started = time.time()
        self.storage: StorageFigures | None = None  # set by the hub
        self.seq = 0
        self.snapshots_encoded = 0  # one per sequence number that a console said hello at
        self.sections: list[Callable[[], list[str]]] = []  # more lines from other parts (units)

    def reject(self, reason: str) -> None:
        self.frames_rejected[reason] += 1

    def render(self) -> str:
        """Prometheus text format 0.0.4."""
        lines = [
            *_metric("hub_frames_accepted_total", "counter", "HJ 212 frames accepted", self.frames_accepted),
            "# HELP hub_frames_rejected_total HJ 212 frames rejected, by reason",
            "# TYPE hub_frames_rejected_total counter",
        ]
        for reason in sorted(self.frames_rejected) or ["crc"]:
            lines.append(f'hub_frames_rejected_total{{reason="{reason}"}} {self.frames_rejected[reason]}')
        storage = self.storage
        lines += _metric(
            "hub_frames_oversize_total", "counter", "Frames over 1024 bytes", self.frames_oversize
        )
        lines += _metric("hub_readings_total", "counter", "Readings published", self.readings_total)
        lines += _metric("hub_readings_per_second", "gauge", "Readings/s (10 s)", self.readings_rate.rate())
        lines += _metric("hub_loggers_connected", "gauge", "Data loggers connected", self.loggers_connected)
        lines += _metric("hub_consoles_connected", "gauge", "Consoles connected", self.consoles_connected)
        lines += _metric(
            "hub_consoles_refused_total",
            "counter",
            "Console connections over the caps",
            self.consoles_refused,
        )
        lines += _metric(
            "hub_consoles_dropped_slow_total", "counter", "Slow consoles cut", self.clients_dropped_slow
        )
        lines += _metric("hub_lag_seconds", "gauge", "Data time to publish lag", self.lag_seconds)
        lines += _metric("hub_event_seq", "gauge", "Last event sequence number", self.seq)
        lines += _metric(
            "hub_snapshots_encoded_total", "counter", "Snapshots encoded for hellos", self.snapshots_encoded
        )
        lines += _metric(
            "hub_answers_pending",
            "gauge",
            "Logger answers waiting for their data to be stored",
            self.answers_pending,
        )
        lines += _metric(
            "hub_answers_withheld_total",
            "counter",
            "Answers not sent: data not stored",
            self.answers_withheld,
        )
        lines += self._logger_lines()
        for section in self.sections:
            lines += section()
        if storage is not None:
            lines += self._storage_lines(storage)
        lines += _metric("process_resident_memory_bytes", "gauge", "RSS", psutil.Process().memory_info().rss)
        lines += _metric("process_start_time_seconds", "gauge", "Start time", self.started)
        return "\n".join(lines) + "\n"

    def _logger_lines(self) -> list[str]:
        """The defences of the HJ 212 port: lockouts, connection caps, idle connections, unknown factors."""
        lines = _labelled(
            "hub_logger_lockouts_total", "Logger lockouts after refused logins", "kind", self.logger_lockouts
        )
        lines += _labelled(
            "hub_logger_connections_refused_total",
            "Logger connections over a cap",
            "cap",
            self.loggers_refused,
        )
        lines += _metric(
            "hub_logger_idle_closed_total",
            "counter",
            "Idle logger connections closed",
            self.loggers_idle_closed,
        )
        lines += _metric(
            "hub_readings_unknown_factor_total",
            "counter",
            "Readings of unknown factor codes dropped",
            self.readings_unknown_factor,
        )
        return lines

    @staticmethod
    def _storage_lines(storage: StorageFigures) -> list[str]:
        return [
            *_metric("hub_storage_rows_total", "counter", "Rows written", storage.rows_written),
            *_metric("hub_storage_errors_total", "counter", "Failed write attempts", storage.errors),
            *_metric(
                "hub_storage_retry_pending",
                "gauge",
                "Rows of a failed batch being retried",
                storage.retry_pending,
            ),
            *_metric(
                "hub_storage_rows_dropped_total",
                "counter",
                "Rows given up (not storage errors)",
                storage.rows_dropped,
            ),
            *_metric("hub_storage_queue_depth", "gauge", "Rows waiting", storage.queue_depth),
        ]


def _metric(name: str, kind: str, help_text: str, value: float) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", f"{name} {value}"]


def _labelled(name: str, help_text: str, label: str, counts: Counter[str]) -> list[str]:
    """A counter with one label, one line per value seen (none yet: no sample lines)."""
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
    return lines + [f'{name}{{{label}="{value}"}} {counts[value]}' for value in sorted(counts)]
