"""What travels between the cluster's processes on NATS: the subjects and the ingest batches.

Ingest nodes publish what they accepted to ``<stream>.in`` (one :class:`IngestBatch` a message) and answer
a logger, a terminal or a broker only after JetStream has acknowledged the message: what a device was
answered for is in the stream. The leading hub node consumes the input, stores it in PostgreSQL, and
publishes the events consoles see to the event stream ``<stream>_EV`` (subject ``<stream>.ev``), each an
encoded hub message whose ``seq`` is its sequence in that stream.
"""

from __future__ import annotations

import msgspec

from console.core.models import Reading, Values
from console.core.units import Fix, UnitInfo

WIRE_VERSION = 1


class IngestBatch(msgspec.Struct, kw_only=True):
    """What one ingest node accepted in one cycle.

    ``uploads`` are logger uploads as the hub stores them (station, data time, factor -> (value, flag));
    ``readings`` are the same values one by one, plus readings that are stored one by one (MQTT without an
    upload form); ``fixes`` are location reports of units (JT/T 808, OsmAnd); ``units`` describes the units
    of those fixes that the node took on the fly (``--accept-unknown-units``), which a hub node started with
    the same flag makes from it (absent in batches of older nodes: an empty list). ``node`` names the ingest
    node and ``batch`` counts its batches (with ``node``, the message id JetStream de-duplicates re-sends on).
    """

    node: str
    batch: int
    readings: list[Reading] = msgspec.field(default_factory=list)
    uploads: list[tuple[str, float, Values]] = msgspec.field(default_factory=list)
    fixes: list[Fix] = msgspec.field(default_factory=list)
    version: int = WIRE_VERSION
    units: list[UnitInfo] = msgspec.field(default_factory=list)


class ForwardedCommand(msgspec.Struct, kw_only=True):
    """A console's command at a hub node that does not lead, sent to the leader on ``<stream>.cmd``: the
    user and role the node resolved from the console's session, and the command as the console sent it
    (encoded). The leader answers with the encoded Ack."""

    user: str
    role: str
    command: bytes


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(IngestBatch)
_forwarded = msgspec.msgpack.Decoder(ForwardedCommand)


def encode_batch(batch: IngestBatch) -> bytes:
    return _encoder.encode(batch)


def decode_batch(data: bytes) -> IngestBatch:
    """The batch in a message; msgspec.DecodeError or ValidationError when it is not one."""
    return _decoder.decode(data)


def encode_forwarded(command: ForwardedCommand) -> bytes:
    return _encoder.encode(command)


def decode_forwarded(data: bytes) -> ForwardedCommand:
    """The forwarded command in a request; msgspec.DecodeError or ValidationError when it is not one."""
    return _forwarded.decode(data)


def input_subject(stream: str) -> str:
    """Where ingest nodes publish their batches (the input stream ``<stream>_IN`` holds it)."""
    return f"{stream}.in"


def event_subject(stream: str) -> str:
    """Where the leading hub node publishes console events (the event stream ``<stream>_EV`` holds it)."""
    return f"{stream}.ev"


def command_subject(stream: str) -> str:
    """Where hub nodes send their consoles' commands for the leader to apply (a NATS request)."""
    return f"{stream}.cmd"


def valid_stream_name(name: str) -> bool:
    """Whether a name can name the cluster's streams, subjects and bucket (no dots, spaces, wildcards)."""
    return bool(name) and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in name)


def message_id(batch: IngestBatch) -> str:
    """JetStream's de-duplication id of a batch: a re-send after a lost acknowledgement is stored once."""
    return f"{batch.node}:{batch.batch}"
