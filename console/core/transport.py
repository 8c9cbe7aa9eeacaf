"""How the console reaches the hub: TLS verification against a CA file, and no plain text off this machine.

Checked before any connection is made: a plain ``ws://`` or ``http://`` address that is not loopback is
refused unless the operator said ``--insecure``, because the token and every reading would cross the
network readable by anyone on the path.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

_PLAIN = frozenset({"ws", "http"})
_SECURE = frozenset({"wss", "https"})


class TransportError(ValueError):
    """The hub address or the TLS settings cannot be used; the message tells the operator what to do."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1): traffic staying on this machine."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Transport:
    """The console's TLS settings: a CA file to trust (else the system's CAs), and ``insecure``."""

    ca_file: Path | None = None
    insecure: bool = False

    def check(self, url: str) -> None:
        """Refuse an address the console must not use (raises TransportError); no connection is made."""
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname or ""
        if scheme not in _PLAIN | _SECURE:
            raise TransportError(
                f"hub address {url!r}: use wss:// or https:// (ws:// or http:// on loopback)"
            )
        if scheme in _PLAIN and not is_loopback(host):
            if not self.insecure:
                raise TransportError(
                    f"refusing plain {scheme}:// to {host}: the token and data would cross the network "
                    "unencrypted. Use wss:// or https:// (hub started with --tls-cert/--tls-key), "
                    "or accept the risk with --insecure"
                )
            log.warning("INSECURE: talking to the hub at %s without TLS (--insecure)", host)

    def ssl_for(self, url: str) -> ssl.SSLContext | bool:
        """What aiohttp's ``ssl=`` takes for this address: a verifying context for TLS, True for plain."""
        if urlsplit(url).scheme.lower() not in _SECURE:
            return True  # aiohttp's default; no TLS is used on ws:// and http://
        return client_context(self.ca_file)


def ws_url(url: str) -> str:
    """A hub's address as the link dials it: its ``/ws`` path added when not given."""
    url = url.rstrip("/")
    return url if url.endswith("/ws") else url + "/ws"


def check_hubs(urls: Sequence[str], transport: Transport) -> list[str]:
    """The hubs' websocket addresses, each checked by ``transport`` before any connection is made.

    Raises TransportError naming the bad address (and its place when there are several) for an address
    the transport refuses, an empty list or address, or a hub given twice (``http://h:1`` is ``ws://h:1``).
    """
    if not urls:
        raise TransportError("no hub address given")
    dialled: list[str] = []
    seen: dict[tuple[str, str], int] = {}  # (TLS or not, host:port/path) -> its place
    for number, given in enumerate(urls, 1):
        url = given.strip()
        several = len(urls) > 1
        place = f"hub {number} of {len(urls)}" if several else "hub"
        if not url:
            raise TransportError(f"{place}: the address is empty")
        wsurl = ws_url(url)
        try:
            transport.check(wsurl)
        except TransportError as exc:
            raise TransportError(f"{place} ({url}): {exc}" if several else str(exc)) from None
        parts = urlsplit(wsurl)
        key = (str(parts.scheme.lower() in _SECURE), f"{parts.netloc.lower()}{parts.path}")
        if key in seen:
            raise TransportError(f"{place} ({url}) is hub {seen[key]} again: give each hub once")
        seen[key] = number
        dialled.append(wsurl)
    return dialled


def client_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """A context that verifies the hub's certificate and name against ``ca_file`` (else the system's CAs)."""
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None)
    except (OSError, ssl.SSLError) as exc:
        raise TransportError(f"cannot use the CA file {ca_file}: {exc}") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def describe(exc: BaseException) -> str:
    """A connection error as the operator should read it; certificate problems say what to do."""
    import aiohttp  # here, not at the top: the settings import this module before any connection

    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        reason = getattr(exc.certificate_error, "verify_message", "") or str(exc.certificate_error)
        return f"the hub's certificate is not trusted ({reason}): give the CA that signed it with --ca-file"
    if isinstance(exc, aiohttp.ClientSSLError):
        return f"TLS with the hub failed: {exc}"
    return str(exc) or exc.__class__.__name__
