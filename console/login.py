"""Logging in with --user: a REST login whose token the link uses, and logging in again when refused."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from console.core import hubapi
from console.core.hubapi import HubApi, HubApiError
from console.core.link import LinkState, LinkStatus
from console.settings import Settings

if TYPE_CHECKING:
    from console.core.session import ConsoleSession

log = logging.getLogger(__name__)


class Login:
    """The operator's account on the hub: its role rules what the console offers.

    A refused login is reported through ``on_failed(message)``, in the operator's language, and the console
    goes on with the shared token, if there is one. A login ends with the hub's run: when the hub refuses
    the link, the account logs in again and the link reconnects with the new token.
    """

    def __init__(self, settings: Settings, on_failed: Callable[[str], None]) -> None:
        self.settings = settings
        self.on_failed = on_failed
        self.account: hubapi.Session | None = None
        self.fallback_password = ""  # the embedded hub's demo user's password (from its data directory)
        self._relogging: asyncio.Task[None] | None = None

    async def login(self) -> None:
        """Log in as ``--user`` (nothing to do without one); on success the settings carry its token.

        With a cluster's hubs, a hub that does not answer passes the login to the next; one that answers
        (with a token or a refusal) ends it."""
        settings = self.settings
        if not settings.user:
            return
        account = None
        try:
            for url in settings.hubs():
                try:
                    account = await self._login_at(url)
                    break
                except HubApiError as exc:
                    if not exc.unreachable or url == settings.hubs()[-1]:
                        raise
                    log.warning("login as %s at %s: %s; trying the next hub", settings.user, url, exc)
        except HubApiError as exc:
            from PySide6.QtCore import QCoreApplication

            log.error("login as %s failed: %s", settings.user, exc)
            self.on_failed(
                QCoreApplication.translate("Console", "Login as {0} failed: {1}").format(settings.user, exc)
            )
            return
        if account is None:
            return
        self.account, settings.token = account, account.token
        log.info("logged in as %s (%s)", account.user, account.role)

    async def _login_at(self, url: str) -> hubapi.Session:
        settings = self.settings
        api = HubApi(url, settings.token, transport=settings.transport())
        try:
            return await api.login(settings.user, settings.password or self.fallback_password)
        finally:
            await api.close()

    def watch(self, session: ConsoleSession) -> None:
        """Log in again whenever the hub refuses the session's link."""
        session.link_changed.subscribe(lambda status: self._on_link_status(session, status))

    def _on_link_status(self, session: ConsoleSession, status: LinkStatus) -> None:
        busy = self._relogging is not None and not self._relogging.done()
        if status.state == LinkState.REFUSED and self.settings.user and not busy:
            self._relogging = asyncio.ensure_future(self._relogin(session))

    async def _relogin(self, session: ConsoleSession) -> None:
        await self.login()
        if self.account is not None:
            session.set_token(self.settings.token)

    def cancel(self) -> None:
        """Stop a login in progress (shutdown)."""
        if self._relogging is not None:
            self._relogging.cancel()
