"""The cluster's two JetStream streams, made when missing.

``<name>_IN`` holds what ingest nodes accepted until the leading hub node has stored it (work-queue
retention: a message goes once the leader acknowledges it); its duplicate window lets an ingest node send a
batch again after a lost acknowledgement without it being stored twice. ``<name>_EV`` is the event log the
consoles follow: every event the leader publishes, kept for ``max_age_s`` (or until ``max_bytes``), which is
how far back a console can resume on any hub node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.hub.cluster.wire import event_subject, input_subject

if TYPE_CHECKING:
    from nats.js import JetStreamContext
    from nats.js.api import StreamConfig, StreamInfo

INPUT_DUPLICATE_WINDOW_S = 120.0
EVENT_MAX_AGE_S = 24 * 3600.0
EVENT_MAX_BYTES = 8 * 2**30


def input_stream(name: str) -> str:
    return f"{name}_IN"


def event_stream(name: str) -> str:
    return f"{name}_EV"


async def ensure_input_stream(js: JetStreamContext, name: str) -> StreamInfo:
    """The input stream of cluster ``name``, made when missing (an existing one is kept as it is)."""
    from nats.js.api import RetentionPolicy, StorageType, StreamConfig

    return await _ensure(
        js,
        StreamConfig(
            name=input_stream(name), subjects=[input_subject(name)], retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE, duplicate_window=INPUT_DUPLICATE_WINDOW_S,
        ),
    )  # fmt: skip


async def ensure_event_stream(
    js: JetStreamContext, name: str, max_age_s: float = EVENT_MAX_AGE_S, max_bytes: int = EVENT_MAX_BYTES
) -> StreamInfo:
    """The event stream of cluster ``name``, made when missing (an existing one is kept as it is)."""
    from nats.js.api import RetentionPolicy, StorageType, StreamConfig

    return await _ensure(
        js,
        StreamConfig(
            name=event_stream(name), subjects=[event_subject(name)], retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE, max_age=max_age_s, max_bytes=max_bytes,
        ),
    )  # fmt: skip


async def _ensure(js: JetStreamContext, config: StreamConfig) -> StreamInfo:
    """The stream ``config`` names as it is, or made with ``config`` when missing."""
    from nats.js.errors import NotFoundError

    assert config.name is not None
    try:
        return await js.stream_info(config.name)
    except NotFoundError:
        return await js.add_stream(config)


async def delete_streams(js: JetStreamContext, name: str) -> None:
    """Both streams of cluster ``name`` gone (tests and benchmarks clean up with this)."""
    from nats.js.errors import NotFoundError

    for stream in (input_stream(name), event_stream(name)):
        try:
            await js.delete_stream(stream)
        except NotFoundError:
            pass
