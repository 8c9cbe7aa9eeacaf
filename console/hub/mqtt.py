"""MQTT ingest: low-cost sensors publish JSON readings to a broker; the hub takes them like HJ 212 uploads.

Topic: ``<prefix>/<site>/<station>/up`` (prefix ``eco`` by default), ``<station>`` a station id the hub
knows (stations.csv), ``<site>`` free (a deployment's name: brokers' ACLs can be written per site). The
payload is one UTF-8 JSON object, one moment of one station:

    {"ts": 1704038400, "values": {"a34004-Avg": 35.2, "a21026-Avg": 8.0}, "flags": {"a21026-Avg": "C"}}

- ``ts``: data time, Unix seconds (a number) or ISO 8601 with an offset ("2024-01-01T00:00:00+08:00").
- ``values``: ``<factor code>-<field>`` as in HJ 212 data areas, field ``Avg`` (minute data) or ``Rtd``
  (real-time data); a number, or a string holding one. The factor codes, units and ranges are the HJ 212
  catalogue's (console/core/factors.py); codes the hub does not know are dropped and counted.
- ``flags``: optional, keyed like ``values`` (or by the bare code); HJ 212 data flags (N, F, M, S, D, C,
  T, B); ``N`` when absent. Values that are not finite numbers are left out; values with a flag outside
  the standard are shown but not stored, as for HJ 212.

Readings go into the hub's accept path (``Hub.accept``) with the same checks as an HJ 212 upload, so they
are stored, published to consoles, derived (AQI) and watched by the rules alike. A message that cannot be
read is counted in /metrics (``hub_mqtt_messages_rejected_total``) and logged, a few lines a minute; the
hub never stops on one.

Nothing acknowledged is lost: the subscription is QoS 1 in a persistent session (clean session off, a
client id stable for the hub and site, ``client_id``), and a message's PUBACK goes only once what it
carried is committed (the hub's answer cycle, as for loggers), in the order the messages came; a refused
message is acknowledged in its turn, since sending it again changes nothing. A hub that stops or dies
before the commit leaves the message unacknowledged: the broker keeps it in the session and sends it
again when the hub connects; a message stored twice replaces itself (one value per station, factor and
moment). aiomqtt 2.5 has no option for this (empicano/aiomqtt#345): the acknowledgements are paho-mqtt's
own (``manual_ack``, ``ack``) on the client under it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiomqtt
import msgspec

from console.core.models import Reading, Upload, Values
from console.core.uploads import upload_values
from console.hub.ingest import KNOWN_FACTORS
from console.hub.registry import Registry

log = logging.getLogger(__name__)
FIELDS = ("Avg", "Rtd")  # value fields a sensor may send; both are stored under the bare factor code
MAX_PAYLOAD = 64 * 1024  # bytes: a moment of a station is far smaller
RECONNECT_S = (0.5, 30.0)  # first and longest wait before reconnecting to the broker


class PayloadError(ValueError):
    """A message that cannot be taken; its text says why."""


class _Payload(msgspec.Struct, forbid_unknown_fields=True):
    ts: float | str
    values: dict[str, float | str]
    flags: dict[str, str] = {}


_decode = msgspec.json.Decoder(_Payload).decode


@dataclass(frozen=True)
class Broker:
    """Where to subscribe: ``mqtt://[user[:password]@]host[:port]`` and the topic prefix."""

    host: str
    port: int = 1883
    username: str | None = None
    password: str | None = None
    prefix: str = "eco"

    @classmethod
    def from_url(cls, url: str, prefix: str = "eco") -> Broker:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
            raise ValueError(f"not an MQTT broker URL: {url!r} (expected mqtt://host[:port])")
        return cls(parts.hostname, parts.port or 1883, parts.username, parts.password, prefix.strip("/"))


def read_message(topic: str, payload: bytes, prefix: str = "eco") -> tuple[str, float, dict[str, Any]]:
    """(station id, data time, HJ 212 data area: code -> field -> text) of a message; PayloadError if bad."""
    parts = topic.split("/")
    head = prefix.split("/") if prefix else []
    if len(parts) != len(head) + 3 or parts[: len(head)] != head or parts[-1] != "up" or not all(parts):
        raise PayloadError(f"topic {topic!r} is not {prefix}/<site>/<station>/up")
    station = parts[-2]
    if len(payload) > MAX_PAYLOAD:
        raise PayloadError(f"payload of {len(payload)} bytes (at most {MAX_PAYLOAD})")
    try:
        message = _decode(payload)
    except msgspec.DecodeError as exc:
        raise PayloadError(f"payload: {exc}") from None
    ts = _data_time(message.ts)
    area: dict[str, dict[str, str]] = {}
    for key, value in message.values.items():
        code, _, field = key.rpartition("-")
        if not code or field not in FIELDS:
            raise PayloadError(f"value key {key!r} is not <factor code>-Avg or <factor code>-Rtd")
        flag = message.flags.get(key, message.flags.get(code, "N"))
        area.setdefault(code, {})[field] = str(value)
        area[code]["Flag"] = flag
    if not area:
        raise PayloadError("no values")
    return station, ts, area


def _data_time(ts: float | str) -> float:
    if isinstance(ts, str):
        try:
            moment = datetime.fromisoformat(ts)
        except ValueError:
            raise PayloadError(f"ts {ts!r} is not ISO 8601") from None
        if moment.tzinfo is None:
            raise PayloadError(f"ts {ts!r} has no UTC offset")
        return moment.timestamp()
    if not math.isfinite(ts) or ts <= 0:
        raise PayloadError(f"ts {ts!r} is not a Unix time")
    return float(ts)


def readings_of(station: str, ts: float, area: dict[str, Any]) -> tuple[list[Reading], Values]:
    """The readings of a data area and the values to store, as an HJ 212 upload's (console/core/uploads.py),
    without factor codes the hub does not know."""
    readings: list[Reading] = []
    stored: Values = {}
    for field in FIELDS:
        part = {code: fields for code, fields in area.items() if field in fields}
        if part:
            found, values = upload_values(part, field, "", station, ts)
            readings += found
            stored |= values
    known = [r for r in readings if r.factor in KNOWN_FACTORS]
    return known, {factor: value for factor, value in stored.items() if factor in KNOWN_FACTORS}


def client_id(site: str, where: str, prefix: str) -> str:
    """The hub's MQTT client id: the same every time this hub (its host and database ``where``) takes this
    site's topics, so that its persistent session, and the messages the broker keeps in it, are its own;
    at most 23 characters (the MQTT 3.1.1 limit every broker accepts)."""
    digest = hashlib.sha256("\n".join((socket.gethostname(), where, site, prefix)).encode()).hexdigest()
    return f"eco-hub-{digest[:15]}"


# A message to acknowledge once stored: the connection it came on, its packet id, its QoS.
Ack = tuple[aiomqtt.Client, int, int]


class MqttIngest:
    """Subscribes to ``<prefix>/+/+/up`` and hands each message's readings to ``accept`` (the loop thread);
    each message is acknowledged once its cycle is stored (``end_cycle``, then ``stored``)."""

    def __init__(
        self,
        broker: Broker,
        registry: Registry,
        accept: Callable[[list[Reading], list[Upload]], bool],
        identifier: str = "",
        share: str = "",
    ) -> None:
        self.broker, self.registry, self.accept = broker, registry, accept
        self.identifier = identifier or client_id("", "", broker.prefix)
        self.share = share  # a shared subscription's group: each message goes to one of its members
        self.messages = 0  # taken
        self.rejected = 0  # refused (bad topic, payload, unknown station)
        self.unknown_factors = 0  # readings of factor codes the hub does not know, dropped
        self.connected = False
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._logged: dict[str, float] = {}
        self._client: aiomqtt.Client | None = None  # the connection messages are acknowledged on
        self._cycle: list[Ack] = []  # messages taken since the last ``end_cycle``, in their order
        self._paused = False

    async def start(self, timeout: float = 10.0) -> None:
        """Connect and subscribe (waits up to ``timeout`` for the subscription); reconnects by itself."""
        self._task = asyncio.create_task(self._run())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)
        if not self.connected:
            log.warning("MQTT broker %s:%d not reachable yet; retrying", self.broker.host, self.broker.port)

    def pause(self) -> None:
        """Take no more messages (the hub is stopping): the broker sends those that come again later."""
        self._paused = True

    def end_cycle(self) -> list[Ack]:
        """The messages taken since the last call: their readings are with the hub's pending items."""
        taken, self._cycle = self._cycle, []
        return taken

    def stored(self, taken: list[Ack], ok: bool) -> None:
        """``taken`` (from ``end_cycle``) is committed (``ok``) or was given up: acknowledge them, or leave
        them to the broker to send again. On the loop thread."""
        if not ok:
            return
        for client, mid, qos in taken:
            if client is self._client and self.connected:  # else the broker sends it again, new mid
                client._client.ack(mid, qos)  # paho-mqtt, under aiomqtt (module docstring)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        wait = RECONNECT_S[0]
        topic = f"{self.broker.prefix}/+/+/up" if self.broker.prefix else "+/+/up"
        if self.share:  # MQTT 5 shared subscription (Mosquitto takes it from 3.1.1 clients too)
            topic = f"$share/{self.share}/{topic}"
        while True:
            client = aiomqtt.Client(
                self.broker.host, self.broker.port, username=self.broker.username,
                password=self.broker.password, keepalive=30, identifier=self.identifier,
                clean_session=False,
            )  # fmt: skip
            # Before connecting: the session's kept messages come right after the connection is made.
            client._client.manual_ack_set(True)  # paho-mqtt, under aiomqtt (module docstring)
            try:
                async with client:
                    self._client = client
                    await client.subscribe(topic, qos=1)
                    self.connected, wait = True, RECONNECT_S[0]
                    self._ready.set()
                    log.info(
                        "MQTT: subscribed to %s on %s:%d as %s",
                        topic, self.broker.host, self.broker.port, self.identifier,
                    )  # fmt: skip
                    async for message in client.messages:
                        if self._paused:  # not acknowledged: the broker sends it again
                            continue
                        payload = message.payload if isinstance(message.payload, bytes) else b""
                        self.take(str(message.topic), payload)
                        if message.qos:
                            self._cycle.append((client, message.mid, message.qos))
            except aiomqtt.MqttError as exc:
                if self.connected:
                    log.warning("MQTT: connection to the broker lost (%s); reconnecting", exc)
                self.connected = False
                self._client = None
                await asyncio.sleep(wait)
                wait = min(wait * 2, RECONNECT_S[1])

    def take(self, topic: str, payload: bytes) -> bool:
        """One message: its readings to ``accept``; False (counted, logged) when it cannot be taken."""
        try:
            station, ts, area = read_message(topic, payload, self.broker.prefix)
            if self.registry.get(station) is None:
                raise PayloadError(f"unknown station {station!r}")
        except PayloadError as exc:
            self.rejected += 1
            self._warn(topic, str(exc))
            return False
        readings, stored = readings_of(station, ts, area)
        self.unknown_factors += len(area) - len({r.factor for r in readings})
        if not readings:
            self.rejected += 1
            self._warn(topic, "no value of a known factor")
            return False
        self.messages += 1
        self.accept(readings, [(station, ts, stored)] if stored else [])
        return True

    def metric_lines(self) -> list[str]:
        """Its lines of /metrics."""
        lines = []
        for name, text, value in (
            ("hub_mqtt_messages_total", "MQTT messages taken", self.messages),
            (
                "hub_mqtt_messages_rejected_total",
                "MQTT messages refused (topic, payload, station)",
                self.rejected,
            ),
        ):
            lines += [f"# HELP {name} {text}", f"# TYPE {name} counter", f"{name} {value}"]
        return [*lines, "# TYPE hub_mqtt_connected gauge", f"hub_mqtt_connected {int(self.connected)}"]

    def _warn(self, topic: str, why: str) -> None:
        now = time.monotonic()
        if now - self._logged.get(topic, -math.inf) >= 60.0:
            self._logged[topic] = now
            if len(self._logged) > 10_000:
                self._logged.clear()
            log.warning("MQTT message on %s refused: %s", topic[:200], why[:200])
