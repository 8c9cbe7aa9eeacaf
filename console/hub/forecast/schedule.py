"""Re-training on a schedule in the running hub: once a model exists (the first is trained by command),
the hub trains the next version when its history has a finished day the model has not seen and the last
training is 20 hours old, in a worker thread, off the event loop.

A re-trained model keeps the figures of the last verification, marked with the version they were measured
on (``figures.model_version``): same features and method, a few more days of history. Run ``forecast
verify`` on held-back days to measure a version itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from console.hub.forecast import model as fm
from console.hub.forecast import official, service
from console.hub.forecast import series as fs
from console.hub.storage import Storage

if TYPE_CHECKING:
    from console.hub.server import Hub

log = logging.getLogger("console.hub.forecast")
CHECK_S = 3600.0  # how often the hub looks whether a re-training is due
INBOX_S = 30.0  # how often the hub looks into the official forecasts' inbox
MIN_AGE_S = 20 * 3600.0  # at most one training a day


def due(storage: Storage, directory: Path, tz_hours: float, now: float | None = None) -> bool:
    """Whether a re-training is due: a model exists, the history has a finished day after the one it was
    trained until, and it was trained at least MIN_AGE_S ago."""
    try:
        manifest = fm.read_manifest(directory)
    except fm.ModelError:
        return False
    now = time.time() if now is None else now
    span = fs.data_span(storage, tz_hours)
    if span is None:
        return False
    today = fs.EPOCH + timedelta(seconds=now + tz_hours * 3600)
    last_finished = min(span[1], today - timedelta(days=1))
    trained_until = date.fromisoformat(str(manifest.get("trained_until")))
    return last_finished > trained_until and now - float(manifest.get("trained_at", 0)) >= MIN_AGE_S


def retrain(storage: Storage, directory: Path, tz_hours: float, now: float | None = None) -> dict[str, Any]:
    """Train the next version on every finished day; carry the last verified figures over."""
    old = fm.read_manifest(directory)
    now = time.time() if now is None else now
    yesterday = fs.EPOCH + timedelta(seconds=now + tz_hours * 3600) - timedelta(days=1)
    manifest = service.train(storage, directory, yesterday, tz_hours)
    figures = old.get("figures")
    if figures:
        manifest["figures"] = {"model_version": old.get("version"), **figures}
        fm.write_manifest(directory, manifest)
    return manifest


async def retrain_loop(hub: Hub, directory: Path) -> None:
    """Look every CHECK_S seconds: end or propose warnings and announce them; train in a worker thread
    when due."""
    tz_hours = hub.config.tz_hours
    while True:
        await asyncio.sleep(CHECK_S)
        try:
            if await asyncio.to_thread(due, hub.storage, directory, tz_hours):
                manifest = await asyncio.to_thread(retrain, hub.storage, directory, tz_hours)
                log.info("forecast model version %s trained until %s in %s s", manifest["version"],
                         manifest["trained_until"], manifest["train_seconds"])  # fmt: skip
        except Exception:  # a failed training must not end the loop: the current model stays
            log.exception("forecast re-training failed; the current model stays")
        await announce(hub, directory)  # after a training: its forecast is announced at once


async def announce(hub: Hub, directory: Path | None) -> None:
    """Store the forecast of now as issued when it changed (console/hub/forecast/issued.py), end or
    propose warnings (console/hub/forecast/warning.py), then tell the consoles what moved: a
    ``warning`` event per step, a ``forecast`` event when the forecast changed."""
    from console.hub.forecast import live, rest  # the answer of /api/forecast is what warnings are judged on

    tz_hours = hub.config.tz_hours
    try:  # the forecast of now, stored as issued when it differs from the last one (a replay shows it)
        await asyncio.to_thread(rest.issue, hub.storage, directory, tz_hours)
    except Exception:
        log.exception("forecast: storing the issued forecast failed")
    try:
        proposal = await asyncio.to_thread(rest.check_warnings, hub.storage, directory, tz_hours)
        if proposal is not None:
            log.warning("forecast: a %s warning proposed for %s … %s", proposal["level"],
                        proposal["start"], proposal["end"])  # fmt: skip
    except Exception:
        log.exception("forecast: checking for warnings failed")
    try:
        hub.warnings.sync(await asyncio.to_thread(hub.warnings.rows))
        today = fs.EPOCH + timedelta(seconds=time.time() + tz_hours * 3600)
        hub.warnings.forecast_changed(
            await asyncio.to_thread(live.forecast_stamp, hub.storage.engine, directory, today)
        )
    except Exception:
        log.exception("forecast: announcing the changes failed")


async def inbox_loop(hub: Hub, directory: Path) -> None:
    """Every INBOX_S seconds, import the official forecast files dropped into DATA/forecast/inbox (and
    announce what they change at once: a warning they call for, the new forecast)."""
    inbox = directory / official.INBOX
    while True:
        await asyncio.sleep(INBOX_S)
        try:
            lines = await asyncio.to_thread(official.import_inbox, hub.storage.engine, inbox)
            for line in lines:
                log.info("forecast inbox: %s", line)
        except Exception:
            log.exception("forecast inbox: import failed")
            continue
        if lines:
            await announce(hub, directory)


def add_retraining(app: web.Application, hub: Hub) -> None:
    """Run ``retrain_loop`` and ``inbox_loop`` while the hub's web application runs (when it has a
    forecast directory; the inbox is created)."""
    directory = hub.config.forecast_dir
    if directory is None:
        return

    async def context(_app: web.Application) -> AsyncIterator[None]:
        (directory / official.INBOX).mkdir(parents=True, exist_ok=True, mode=0o700)
        from console.hub.forecast import live, rest

        today = fs.EPOCH + timedelta(seconds=time.time() + hub.config.tz_hours * 3600)
        try:  # the forecast of the start, stored as issued (a replay of this moment shows it)
            await asyncio.to_thread(rest.issue, hub.storage, directory, hub.config.tz_hours)
        except Exception:
            log.exception("forecast: storing the issued forecast failed")
        try:  # the forecast of the start: consoles fetch it when they connect, later changes are events
            hub.warnings.forecast_changed(
                await asyncio.to_thread(live.forecast_stamp, hub.storage.engine, directory, today)
            )
        except Exception:
            log.exception("forecast: reading the forecast's stamp failed")
        tasks = [
            asyncio.ensure_future(retrain_loop(hub, directory)),
            asyncio.ensure_future(inbox_loop(hub, directory)),
        ]
        yield
        for task in tasks:
            task.cancel()

    app.cleanup_ctx.append(context)
