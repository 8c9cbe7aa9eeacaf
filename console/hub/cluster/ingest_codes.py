"""The JT/T 808 auth codes of the cluster's terminals, shared by its ingest nodes in a JetStream key-value
bucket ``<stream>_AUTH``.

A terminal registers once and authenticates with its code after every reconnect, at whichever node a TCP
load balancer sends it to. The node that registers it puts the code in the bucket before the registration
is answered (its own file has it too); a node that does not know the code a terminal presents, or knows
another one, asks the bucket and keeps what it learns in its file, and a terminal registering again at
another node gets the code the bucket has. The file stays the first place looked:
with NATS away a node still admits the terminals it knows, and refuses a code it cannot confirm.

Keys are the terminals' phone numbers without padding zeros (``console.hub.site.device_key``), values the
codes in UTF-8; the bucket keeps one value a key, on file storage.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from console.core.units import UnitSource
from console.hub.site import device_key

if TYPE_CHECKING:
    from nats.js import JetStreamContext
    from nats.js.kv import KeyValue

LOOKUP_TIMEOUT_S = 2.0  # an authentication waits this long for the bucket before it is refused
_KEY = re.compile(r"[-/_=.a-zA-Z0-9]+")


class CodesUnavailable(Exception):
    """The bucket could not be asked (NATS away, no answer in time): a code cannot be confirmed."""


def auth_bucket(stream: str) -> str:
    return f"{stream}_AUTH"


def code_key(terminal: str) -> str:
    """The bucket's key of a terminal (its phone number; anything else hex-encoded, never a bad key)."""
    key = device_key(UnitSource.JT808, terminal)
    return f"t{key}" if _KEY.fullmatch(key) else "x" + key.encode().hex()


async def ensure_auth_bucket(js: JetStreamContext, stream: str) -> KeyValue:
    """The bucket of cluster ``stream``, made when missing (file storage, one value a key)."""
    from nats.js.api import KeyValueConfig, StorageType
    from nats.js.errors import BucketNotFoundError

    try:
        return await js.key_value(auth_bucket(stream))
    except BucketNotFoundError:
        config = KeyValueConfig(bucket=auth_bucket(stream), history=1, storage=StorageType.FILE)
        return await js.create_key_value(config)


async def delete_auth_bucket(js: JetStreamContext, stream: str) -> None:
    """The bucket gone (tests clean up with this)."""
    from nats.js.errors import BucketNotFoundError, NotFoundError

    try:
        await js.delete_key_value(auth_bucket(stream))
    except (BucketNotFoundError, NotFoundError):
        pass


class SharedCodes:
    """The bucket as the node's JT/T 808 listener asks it, and as the node's cycle writes to it."""

    def __init__(self, timeout_s: float = LOOKUP_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self.kv: KeyValue | None = None
        self.lookups = self.learnt = self.unconfirmed = 0  # figures

    async def open(self, js: JetStreamContext, stream: str, known: dict[str, str]) -> None:
        """Open (or make) the bucket and add the codes of the node's file it is missing (a node that gave
        codes before the bucket existed), leaving the codes it has alone."""
        import nats.js.errors

        self.kv = await ensure_auth_bucket(js, stream)
        for terminal, code in known.items():
            try:
                await self.kv.create(code_key(terminal), code.encode())
            except nats.js.errors.KeyWrongLastSequenceError:
                pass  # the bucket has a code for it already: the newer registration's

    async def code_of(self, terminal: str) -> str | None:
        """The code the cluster gave ``terminal``, None when it gave none; ``CodesUnavailable`` when the
        bucket does not answer within the timeout."""
        import nats.errors
        import nats.js.errors

        if self.kv is None:
            raise CodesUnavailable("the bucket is not open yet")
        self.lookups += 1
        try:
            entry = await asyncio.wait_for(self.kv.get(code_key(terminal)), self.timeout_s)
        except nats.js.errors.KeyNotFoundError:
            return None
        except (nats.errors.Error, TimeoutError, OSError) as exc:
            self.unconfirmed += 1
            raise CodesUnavailable(str(exc) or type(exc).__name__) from None
        return (entry.value or b"").decode(errors="replace") or None

    async def put(self, codes: dict[str, str]) -> None:
        """Store codes given at registration (terminal -> code); raises what NATS raises when it fails."""
        if self.kv is None:
            raise CodesUnavailable("the bucket is not open yet")
        for terminal, code in codes.items():
            await asyncio.wait_for(self.kv.put(code_key(terminal), code.encode()), self.timeout_s)
