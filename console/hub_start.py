"""The hub the console talks to: the one ``--hub`` names, else an embedded hub started as a child process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from console.settings import Settings

if TYPE_CHECKING:
    from console.core.link import LinkStatus
    from console.embedded import EmbeddedHub
    from console.login import Login

log = logging.getLogger(__name__)
# The embedded hub's first start writes the simulated city's site and its first hours of history: seconds on
# an idle machine, a minute or more on a busy one. After this the wall stays up offline and says why.
EMBEDDED_START_S = 180.0


async def start_embedded_hub(
    settings: Settings, login: Login, refuse: Callable[[str], None]
) -> EmbeddedHub | None:
    """Start the embedded hub (only when ``--hub`` names none); on success the settings carry its address and
    token and the login its demo password. None when it could not start: ``refuse`` gets the reason, for the
    wall to say OFFLINE and why on its cached picture instead of closing."""
    from PySide6.QtCore import QCoreApplication

    from console.embedded import EmbeddedHub, EmbeddedHubError

    hub = EmbeddedHub(settings.data_dir / "hub", region=settings.region, accel=settings.accel)
    try:
        await hub.start(timeout=EMBEDDED_START_S)
    except (EmbeddedHubError, OSError) as exc:
        log.error("the local hub could not start: %s", exc)
        refuse(QCoreApplication.translate("Console", "The local hub could not start: {0}").format(exc))
        await hub.stop()
        return None
    settings.hub_url, settings.token = hub.url, hub.token
    login.fallback_password = hub.demo_password(settings.user) if settings.user else ""
    return hub


async def start_hub(
    settings: Settings, login: Login, say: Callable[[LinkStatus], None], now: Callable[[], float]
) -> tuple[bool, EmbeddedHub | None]:
    """The hub ready to talk to, and the operator logged in (with --user): (True, the embedded hub or None
    for the one --hub names); (False, None) when the embedded hub could not start, and ``say`` has why."""
    from console.core.link import LinkState, LinkStatus

    hub = None
    if not settings.hub_url:
        hub = await start_embedded_hub(
            settings, login, lambda text: say(LinkStatus(LinkState.REFUSED, text, since=now()))
        )
        if hub is None:
            return False, None
    await login.login()
    return True, hub
