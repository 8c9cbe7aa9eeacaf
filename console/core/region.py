"""The hub's region (townships and boundary), asked for until the hub answers."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from console.core.hubapi import HubApi, HubApiError

log = logging.getLogger(__name__)


async def fetch_region(api: HubApi, first_delay_s: float = 0.5, cap_s: float = 30.0) -> dict[str, Any]:
    """The region from the hub, retried with doubling pauses (up to ``cap_s``) while it is not available."""
    delay = first_delay_s
    while True:
        try:
            return await api.region()
        except HubApiError as exc:
            log.warning("region not available yet (%s); retrying in %.0f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, cap_s)


def township_names(region: dict[str, Any]) -> dict[str, str]:
    """Township codes -> names."""
    return {t["code"]: t["name"] for t in region["townships"]}
