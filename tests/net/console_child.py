"""A headless console in its own process, for kill -9 tests: python -m tests.net.console_child URL TOKEN CACHE

The console's real session without Qt. Prints ``WELCOME <resumed>`` for every welcome and
``POS <epoch> <seq>`` five times a second; SIGTERM stops it cleanly (cache written and closed)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from console.core import protocol
from console.core.session import ConsoleSession, SessionChange


def print_welcome(change: SessionChange) -> None:
    if isinstance(change.message, protocol.Welcome):
        print(f"WELCOME {change.message.resumed}", flush=True)


async def main(url: str, token: str, cache: Path) -> None:
    console = ConsoleSession(cache)
    console.changed.subscribe(print_welcome)
    console.restore()
    console.connect(url, token)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    while not stop.is_set():
        link, resync = console.link, console.resync
        if link is not None and link.position and resync is not None and not resync.running:
            print("POS {} {}".format(*link.position), flush=True)
        await asyncio.sleep(0.2)
    await console.close()
    print("CLOSED", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
