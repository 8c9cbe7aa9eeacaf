"""A headless console in its own process, for kill -9 tests: python -m tests.net.console_child URL TOKEN CACHE

Prints ``WELCOME <resumed>`` for every welcome and ``POS <epoch> <seq>`` five times a second; SIGTERM
stops it cleanly (cache written and closed)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from console.core import protocol
from tests.net.soak import HeadlessConsole


async def main(url: str, token: str, cache: Path) -> None:
    console = HeadlessConsole(url, token, cache)
    applied = console._on_message

    def on_message(message: protocol.HubMessage) -> None:
        applied(message)
        if isinstance(message, protocol.Welcome):
            print(f"WELCOME {message.resumed}", flush=True)

    console.link.on_message = on_message
    console.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    while not stop.is_set():
        if console.link.position and not console.resync.running:
            print("POS {} {}".format(*console.link.position), flush=True)
        await asyncio.sleep(0.2)
    await console.close()
    print("CLOSED", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
