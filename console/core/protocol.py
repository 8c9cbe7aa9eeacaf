"""Wire messages between hub and consoles: typed, versioned, validated JSON; no I/O.

Every hub event carries ``epoch`` (one hub run) and ``seq`` (strictly increasing within the epoch).
``Heartbeat.seq`` repeats the last event's seq so a client can tell it missed nothing. See docs/protocol.md.
"""

from __future__ import annotations

from typing import Any

import msgspec

from console.core.incidents import AuditEntry, Incident
from console.core.models import Reading, Station, StationStatus
from console.core.units import Fix, UnitState

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # a larger frame from either side is refused unread


class ProtocolError(ValueError):
    """A message that is not valid for this protocol; the text says why."""


class _Msg(msgspec.Struct, tag_field="type", forbid_unknown_fields=False, omit_defaults=True):
    """Base of every message; the ``type`` field names the message."""


# --- client -> hub ---------------------------------------------------------------------------------------


class Resume(msgspec.Struct, frozen=True):
    """Where a client left off: the last event it applied."""

    epoch: str
    seq: int


class Hello(_Msg, tag="hello"):
    protocol: int
    token: str
    client: str = ""
    resume: Resume | None = None


class Command(_Msg, tag="command"):
    """An operator command; ``id`` (uuid) makes retries idempotent."""

    id: str
    action: str
    target: str
    expected_version: int | None = None
    args: dict[str, Any] = {}


ClientMessage = Hello | Command


# --- hub -> client ---------------------------------------------------------------------------------------


class Welcome(_Msg, tag="welcome"):
    epoch: str
    seq: int
    role: str
    heartbeat_s: float
    resumed: bool = False  # True when the missed events follow; False when a snapshot follows


class StatusEntry(msgspec.Struct, array_like=True, frozen=True):
    """Link state of a station: ``[station, status, since, reason]``."""

    station: str
    status: StationStatus
    since: float
    reason: str = ""


class Snapshot(_Msg, tag="snapshot"):
    """The whole live state as of ``seq``; events after ``seq`` follow."""

    epoch: str
    seq: int
    stations: list[Station]
    latest: list[Reading]
    status: list[StatusEntry]
    incidents: list[Incident] = []  # every open incident and those closed in the last 24 h
    units: list[UnitState] = []  # every registered unit with its duty and newest fix
    warnings: list[WarningState] = []  # every open heavy-pollution warning (proposed or issued)


class Readings(_Msg, tag="readings"):
    epoch: str
    seq: int
    items: list[Reading]
    sent: float = 0.0  # hub wall clock when the event was published (Unix seconds): lag monitoring


class StationEvent(_Msg, tag="station"):
    epoch: str
    seq: int
    entry: StatusEntry


class IncidentEvent(_Msg, tag="incident"):
    """The full new state of an incident, with the audit entry that made this version."""

    epoch: str
    seq: int
    incident: Incident
    audit: AuditEntry | None = None


class UnitEvent(_Msg, tag="unit"):
    """Units moved or changed duty: the new states of the units that changed and the fixes received since
    the last event, in device-time order per unit (late and back-filled fixes included)."""

    epoch: str
    seq: int
    units: list[UnitState] = []
    fixes: list[Fix] = []


class WarningState(msgspec.Struct, frozen=True):
    """A heavy-pollution warning as the screens show it (console/hub/forecast/warning.py): ``level`` yellow,
    orange or red; ``state`` proposed, issued, rejected or ended; ``start`` and ``end`` the first and last
    local day (ISO dates); ``ends_at`` the Unix time its last day ends (it ends by time then); ``version``
    the number of steps in its audit trail; ``changed``, ``by`` and ``comment`` those of the last step."""

    id: int
    level: str
    state: str
    start: str
    end: str
    ends_at: float
    measures: str = ""
    issued_at: float | None = None
    version: int = 0
    changed: float = 0.0
    by: str = ""
    comment: str = ""


class WarningEvent(_Msg, tag="warning"):
    """A warning was proposed, issued, rejected, ended or expired: its full new state."""

    epoch: str
    seq: int
    warning: WarningState


class ForecastEvent(_Msg, tag="forecast"):
    """The forecast changed (official forecasts imported, a model trained, a new day issued): consoles
    fetch ``/api/forecast`` again. ``stamp`` names the new forecast (equal stamps, equal forecasts)."""

    epoch: str
    seq: int
    stamp: str = ""


class Heartbeat(_Msg, tag="heartbeat"):
    epoch: str
    seq: int  # the last event's seq (a heartbeat is not an event itself)
    ts: float  # hub wall clock, Unix seconds


class Ack(_Msg, tag="ack"):
    """Answer to a command. A refusal's ``error`` starts with its code: ``forbidden:``, ``illegal:``,
    ``conflict:`` (expected_version did not match) or ``invalid:``."""

    id: str
    ok: bool
    error: str = ""
    target: str = ""  # the incident the command applied to (a new id for ``report``)
    version: int | None = None  # the incident's version after the command


class Error(_Msg, tag="error"):
    code: str
    message: str


HubMessage = (
    Welcome
    | Snapshot
    | Readings
    | StationEvent
    | IncidentEvent
    | UnitEvent
    | WarningEvent
    | ForecastEvent
    | Heartbeat
    | Ack
    | Error
)
EVENT_TYPES = (Readings, StationEvent, IncidentEvent, UnitEvent, WarningEvent, ForecastEvent)
HUB_MESSAGE_TYPES = frozenset(t.__struct_config__.tag for t in HubMessage.__args__)

_encoder = msgspec.json.Encoder()
_client_decoder: msgspec.json.Decoder[ClientMessage] = msgspec.json.Decoder(ClientMessage)
_hub_decoder: msgspec.json.Decoder[HubMessage] = msgspec.json.Decoder(HubMessage)


def encode(message: _Msg) -> bytes:
    """Encode any message to JSON bytes."""
    return _encoder.encode(message)


def decode_client(data: bytes | str) -> ClientMessage:
    """Decode and validate a client -> hub message."""
    return _decode(_client_decoder, data)


def decode_hub(data: bytes | str) -> HubMessage:
    """Decode and validate a hub -> client message."""
    return _decode(_hub_decoder, data)


def _decode[T](decoder: msgspec.json.Decoder[T], data: bytes | str) -> T:
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {len(data)} bytes exceeds the limit of {MAX_MESSAGE_BYTES}")
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise ProtocolError(f"invalid message: {exc}") from None
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"malformed JSON: {exc}") from None
    except UnicodeError as exc:  # invalid UTF-8 in bytes, or lone surrogates in str, inside a JSON string
        reason = getattr(exc, "reason", exc)  # UnicodeDecodeError and UnicodeEncodeError carry one
        raise ProtocolError(f"malformed JSON: text is not UTF-8 ({reason})") from None
    except RecursionError:  # msgspec gives up on deep nesting with Python's own error
        raise ProtocolError("malformed JSON: nested too deeply") from None
