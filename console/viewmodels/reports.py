"""Reports from the console: a period's report or an incident's special report, fetched over the session's
REST client on the asyncio loop and written (PDF painting, xlsx, csv) on a worker thread, so the wall
never waits for a document."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.core.incidents import AuditEntry, Incident
from console.core.report_figures import Report, parse_period
from console.reports.cli import write
from console.reports.special import write_special

log = logging.getLogger(__name__)
ReportFetcher = Callable[[str, str], Awaitable[Report]]
TrailFetcher = Callable[[str], Awaitable[tuple[Incident, list[AuditEntry]]]]
AttachmentFetcher = Callable[[str], Awaitable[bytes]]


class ReportsViewModel(QObject):
    """Writes documents on request; one at a time.

    Signals:
        busy_changed(bool): a document is being fetched or written.
        written(str, str): the path written and what it holds ("5 pages", "workbook" ...).
        failed(str): why the document could not be written, for the operator.
    """

    busy_changed = Signal(bool)
    written = Signal(str, str)
    failed = Signal(str)

    def __init__(self, bureau: str = "") -> None:
        super().__init__()
        self.bureau = bureau
        self.fetch_report: ReportFetcher | None = None
        self.fetch_trail: TrailFetcher | None = None
        self.fetch_attachment: AttachmentFetcher | None = None
        self.township_names: dict[str, str] = {}
        self.station_names: dict[str, str] = {}
        self.busy = False
        self._tasks: set[asyncio.Task[Any]] = set()

    def write_report(self, kind: str, period: str, fmt: str, path: str) -> None:
        """Fetch the period's figures from the hub and write them as ``fmt`` (pdf, xlsx, csv) at ``path``."""
        try:
            parse_period(kind, period)
        except ValueError as exc:
            self.failed.emit(str(exc))
            return
        if self.fetch_report is None:
            self.failed.emit(self.tr("Reports are not available: no connection to the hub"))
            return
        self._start(self._report(kind, period, fmt, Path(path)))

    def write_special(self, incident_id: str, path: str) -> None:
        """Fetch an incident, its trail and photos and write its special report (PDF) at ``path``."""
        if self.fetch_trail is None:
            self.failed.emit(self.tr("Reports are not available: no connection to the hub"))
            return
        self._start(self._special(incident_id, Path(path)))

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        if self.busy:
            work.close()
            self.failed.emit(self.tr("A report is being written: wait for it to finish"))
            return
        try:
            task = asyncio.get_running_loop().create_task(work)
        except RuntimeError:  # no loop running: nothing can be fetched
            work.close()
            return
        self._set_busy(True)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_changed.emit(busy)

    async def _report(self, kind: str, period: str, fmt: str, path: Path) -> None:
        assert self.fetch_report is not None
        try:
            found = await self.fetch_report(kind, period)
            written, what = await asyncio.get_running_loop().run_in_executor(
                None, write, found, path, fmt, self.bureau
            )
        except Exception as exc:  # the hub's error or the file's: said to the operator, never raised
            log.warning("report %s %s not written: %s", kind, period, exc)
            self.failed.emit(str(exc))
        else:
            self.written.emit(str(written), what)
        finally:
            self._set_busy(False)

    async def _special(self, incident_id: str, path: Path) -> None:
        assert self.fetch_trail is not None
        try:
            incident, trail = await self.fetch_trail(incident_id)
            photos: dict[str, bytes] = {}
            for ident in [i for entry in trail for i in entry.attachments]:
                if self.fetch_attachment is None:
                    break
                try:
                    photos[ident] = await self.fetch_attachment(ident)
                except Exception as exc:  # a missing photo leaves a placeholder, not a failed report
                    log.warning("photo %s of %s not fetched: %s", ident, incident_id, exc)

            def render() -> int:
                return write_special(
                    incident, trail, photos, path, bureau=self.bureau or "生态环境局",
                    township=self.township_names.get(incident.township, ""),
                    station=self.station_names.get(incident.station, ""), issued=date.today(),
                )  # fmt: skip

            pages = await asyncio.get_running_loop().run_in_executor(None, render)
        except Exception as exc:
            log.warning("special report of %s not written: %s", incident_id, exc)
            self.failed.emit(str(exc))
        else:
            self.written.emit(str(path), self.tr("{0} pages").format(pages))
        finally:
            self._set_busy(False)
