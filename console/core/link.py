"""The console's link to the hub: hello/resume, heartbeat watchdog, reconnect with jittered backoff.

Pure asyncio + aiohttp (no Qt). Every decoded message goes to ``on_message`` in order; the link itself
only guards the sequence: a gap makes it reconnect and resume from the last applied event.

Given several hubs (one cluster), the link fails over by itself: a connection that fails or dies is
followed at once by a try on the next hub in the list, round robin; the backoff waits only between full
rounds, so a hub's death costs no delay while another one answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import msgspec

from console.core import protocol
from console.core.clock import LIVE_CLOCK
from console.core.transport import Transport, check_hubs, describe

if TYPE_CHECKING:  # aiohttp itself is imported when the link starts: a console paints its cache without it
    import aiohttp

log = logging.getLogger(__name__)
_generic = msgspec.json.Decoder(dict)


class LinkState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    REFUSED = "refused"  # the hub refused us (wrong token, protocol): retrying will not help soon


@dataclass
class LinkStatus:
    """What the banner shows: state, a human detail, the attempt count and when the next try is.

    ``hub`` is the hub connected to (live) or being tried (connecting) or tried next (after a failure),
    ``hub_number`` its place (from 1) among the ``hub_count`` hubs the console knows; 0 when none is meant.
    """

    state: LinkState
    detail: str = ""
    attempt: int = 0
    next_retry_s: float = 0.0
    since: float = 0.0
    hub: str = ""
    hub_number: int = 0
    hub_count: int = 0


class Backoff:
    """Exponential backoff with full jitter, capped: 0.5 s, 1 s, 2 s ... up to ``cap`` seconds."""

    def __init__(self, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None) -> None:
        self.base, self.cap = base, cap
        self.attempt = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * 2**self.attempt)
        self.attempt += 1
        return float(ceiling / 2 + self._rng.uniform(0, ceiling / 2))

    def reset(self) -> None:
        self.attempt = 0


class SequenceGap(Exception):
    """An event arrived whose seq is not the last applied + 1."""


class HubLink:
    """Keeps one websocket to a hub alive, failing over between the hubs it is given.

    ``url`` is one hub's address or a list of a cluster's hubs; the link connects to the first and, when
    a connection fails or dies, tries the next at once (round robin), waiting the backoff only after a
    full round. ``position`` is ``(epoch, seq)`` of the last event the store applied; it is sent as
    ``resume`` on every reconnect, to whichever hub: one of the same epoch resumes, another answers with a
    snapshot. ``on_message`` is called for every message (welcome, snapshot, events, heartbeat, ack,
    error); ``on_status`` when the link state changes, stamped by ``clock``.
    """

    def __init__(
        self,
        url: str | Sequence[str],
        token: str,
        on_message: Callable[[protocol.HubMessage], None],
        on_status: Callable[[LinkStatus], None] | None = None,
        *,
        client_name: str = "console",
        position: tuple[str, int] | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = LIVE_CLOCK.now,
        transport: Transport | None = None,
    ) -> None:
        transport = transport or Transport()
        # before any connection: a plain address off this machine is refused, whichever hub it is
        self.urls = check_hubs([url] if isinstance(url, str) else list(url), transport)
        self._ssl = [transport.ssl_for(u) for u in self.urls]
        self.hub_index = 0  # the hub connected to, or tried now
        self._round_start = 0  # where this round of tries began: the hub live last (at first the first)
        self._failures: dict[int, str] = {}  # this round's failures by hub, for the status naming every hub
        self.token = token
        self.on_message = on_message
        self.on_status = on_status or (lambda status: None)
        self.client_name = client_name
        self.position = position
        self.backoff = backoff or Backoff()
        self.clock = clock  # when a state began (the banner's "offline since")
        self.status = LinkStatus(LinkState.CONNECTING, since=clock())
        self.heartbeat_s = 5.0
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self.connects = 0
        self._tls_said = ""  # the TLS failure last logged (retries do not repeat it)
        self.unknown_types: dict[str, int] = {}  # message types skipped, with how many of each

    @property
    def url(self) -> str:
        """The websocket address of the hub connected to, or tried now."""
        return self.urls[self.hub_index]

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    async def send(self, message: protocol._Msg) -> bool:
        """Send a command now; False when not connected (the outbox keeps it)."""
        ws = self._ws
        if ws is None or ws.closed or self.status.state != LinkState.LIVE:
            return False
        await ws.send_bytes(protocol.encode(message))
        return True

    def _set_status(self, state: LinkState, detail: str = "", next_retry_s: float = 0.0) -> None:
        since = self.status.since if state == self.status.state else self.clock()
        hub = self.url.removesuffix("/ws")
        self.status = LinkStatus(
            state, detail, self.backoff.attempt, next_retry_s, since, hub, self.hub_index + 1, len(self.urls)
        )
        self.on_status(self.status)

    def status_hub(self) -> str:
        """The hub connected to or tried, as the status says it: 'hub 2 of 2: ws://…' (the address alone
        with a single hub)."""
        if len(self.urls) == 1:
            return self.url
        return f"hub {self.hub_index + 1} of {len(self.urls)}: {self.url.removesuffix('/ws')}"

    def _hub_name(self, index: int) -> str:
        return f"hub {index + 1} of {len(self.urls)} ({self.urls[index].removesuffix('/ws')})"

    def _fail_over(self, reason: str) -> tuple[str, float]:
        """After a failure on the current hub: move to the next and say why; the delay before trying it.

        Zero while the round has hubs left to try; the backoff once every hub failed in turn. With a single
        hub, the reason and the backoff as ever."""
        if len(self.urls) == 1:
            return reason, self.backoff.next_delay()
        failed = self.hub_index
        self._failures[failed] = reason
        self.hub_index = (failed + 1) % len(self.urls)
        if self.hub_index != self._round_start:
            log.warning("link: %s: %s; trying %s at once", self._hub_name(failed), reason,
                        self._hub_name(self.hub_index))  # fmt: skip
            return f"{self._hub_name(failed)}: {reason}", 0.0
        every = "; ".join(f"{self._hub_name(i)}: {self._failures[i]}" for i in sorted(self._failures))
        self._failures.clear()
        return f"no hub answers: {every}", self.backoff.next_delay()

    async def _run(self) -> None:
        import aiohttp

        self._session = aiohttp.ClientSession()
        while True:
            try:
                await self._session_once()
                detail = "connection closed by the hub"
            except SequenceGap as exc:
                detail = str(exc)
                log.warning("link: %s; resuming", exc)
            except aiohttp.ClientSSLError as exc:  # retried (the hub's certificate may be fixed), said once
                detail = _describe(exc)
                if detail != self._tls_said:
                    self._tls_said = detail
                    log.error("link: %s", detail)
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                detail = _describe(exc)
            except protocol.ProtocolError as exc:
                detail = f"bad message from the hub: {exc}"
                log.warning("link: %s", detail)
            state = LinkState.REFUSED if detail.startswith("refused") else LinkState.RECONNECTING
            detail, delay = self._fail_over(detail)
            self._set_status(state, detail, delay)
            if delay:
                await asyncio.sleep(delay)

    async def _session_once(self) -> None:
        import aiohttp

        self._set_status(LinkState.CONNECTING, self.status_hub())
        assert self._session is not None
        async with self._session.ws_connect(
            self.url,
            heartbeat=None,
            max_msg_size=protocol.MAX_MESSAGE_BYTES,
            # a hub that ignores our close must not hold up the reconnect
            timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=2.0),
            ssl=self._ssl[self.hub_index],
        ) as ws:
            self._ws = ws
            resume = protocol.Resume(*self.position) if self.position else None
            hello = protocol.Hello(
                protocol=protocol.PROTOCOL_VERSION, token=self.token, client=self.client_name, resume=resume
            )
            await ws.send_bytes(protocol.encode(hello))
            try:
                await self._receive_loop(ws)
            finally:
                self._ws = None

    async def _receive_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        import aiohttp

        expected_epoch: str | None = None
        while True:
            timeout = self.heartbeat_s * 3 if expected_epoch else 15.0
            try:
                msg = await ws.receive(timeout=timeout)
            except TimeoutError:
                raise TimeoutError(f"no heartbeat for {timeout:.0f} s: the link is dead") from None
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                return
            if msg.type == aiohttp.WSMsgType.ERROR:
                raise aiohttp.ClientError(str(ws.exception()))
            if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                continue
            try:
                message = protocol.decode_hub(msg.data)
            except protocol.ProtocolError:
                if self._skip_unknown(msg.data):
                    continue
                raise  # malformed: drop the connection and resume from the last applied event
            expected_epoch = self._check(message, expected_epoch)
            self.on_message(message)
            self._advance(message)

    def _skip_unknown(self, data: bytes | str) -> bool:
        """A well-formed message of a type this console does not know (from a newer hub): log it and go on.

        If it is an event (epoch and the next seq), its seq counts as applied so the next known event
        follows on without a gap. Anything else that fails to decode is malformed: False.
        """
        try:
            body = _generic.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return False
        kind = body.get("type")
        if not isinstance(kind, str) or kind in protocol.HUB_MESSAGE_TYPES:
            return False
        if kind not in self.unknown_types:
            log.warning("link: ignoring %r messages, which this console does not know", kind)
        self.unknown_types[kind] = self.unknown_types.get(kind, 0) + 1
        epoch, seq, position = body.get("epoch"), body.get("seq"), self.position
        if isinstance(seq, int) and position and epoch == position[0] and seq == position[1] + 1:
            self.position = (epoch, seq)
        return True

    def _check(self, message: protocol.HubMessage, epoch: str | None) -> str | None:
        if isinstance(message, protocol.Error):
            if message.code in ("unauthorized", "protocol"):
                import aiohttp

                raise aiohttp.ClientError(f"refused by the hub: {message.message}")
            return epoch
        if isinstance(message, protocol.Welcome):
            self.heartbeat_s = message.heartbeat_s
            self.connects += 1
            self.backoff.reset()
            self._round_start = self.hub_index  # a later failure here tries the others before any wait
            self._failures.clear()
            how = "resumed" if message.resumed else "snapshot"
            self._set_status(LinkState.LIVE, f"{how} · {self.status_hub()}" if len(self.urls) > 1 else how)
            return message.epoch
        if isinstance(message, protocol.EVENT_TYPES):
            last = self.position[1] if self.position and self.position[0] == message.epoch else None
            if last is not None and message.seq != last + 1:
                raise SequenceGap(f"event {message.seq} arrived after {last}")
        return epoch

    def _advance(self, message: protocol.HubMessage) -> None:
        if isinstance(message, (protocol.Snapshot, *protocol.EVENT_TYPES)):
            self.position = (message.epoch, message.seq)


def _describe(exc: BaseException) -> str:
    text = describe(exc)
    if text.startswith("refused"):
        return text
    return f"cannot reach the hub: {text}"
