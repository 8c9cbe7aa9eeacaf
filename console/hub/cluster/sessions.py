"""Logins shared by a cluster's hub nodes: a token made at one node resolves at every other.

Sessions are stored by token digest in the database (console/hub/incident_store.py); a node that does not
know a digest looks it up there before it refuses the token.
"""

from __future__ import annotations

from collections.abc import Callable

from console.hub.auth import Session, Sessions, token_digest


class SharedSessions(Sessions):
    """``Sessions`` that ask ``lookup`` (digest -> stored session) for a token they do not hold."""

    lookup: Callable[[str], Session | None] | None = None

    def resolve(self, token: str | None) -> Session | None:
        found = super().resolve(token)
        if found is not None or not token or self.lookup is None:
            return found
        digest = token_digest(token)
        stored = self.lookup(digest)
        if stored is None:
            return None
        self.restore({digest: stored})  # the users file still decides who may, and with which role
        return super().resolve(token)
