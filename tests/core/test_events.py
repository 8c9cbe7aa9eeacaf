"""The hub's event log: strictly increasing seq, exact replay inside the window, nothing outside it."""

from __future__ import annotations

from console.core import protocol
from console.core.models import Reading, StationStatus
from console.hub.events import EventLog


def reading(n: int) -> Reading:
    return Reading("S", "a34004", float(n), float(n), "N")


def test_seq_increases_by_one_per_event_and_heartbeats_do_not_count() -> None:
    log = EventLog(window=100)
    log.readings([reading(1)])
    log.heartbeat()
    log.station(protocol.StatusEntry("S", StationStatus.OFFLINE, 1.0, "no data"))
    beat = protocol.decode_hub(log.heartbeat())
    assert log.seq == 2 and beat.seq == 2


def test_replay_returns_exactly_the_missed_events() -> None:
    log = EventLog(window=100)
    sent = [log.readings([reading(n)]) for n in range(10)]
    assert log.since(log.epoch, 4) == sent[4:]
    assert log.since(log.epoch, 10) == []
    assert [protocol.decode_hub(d).seq for d in log.since(log.epoch, 0)] == list(range(1, 11))


def test_outside_the_window_or_another_epoch_there_is_no_replay() -> None:
    log = EventLog(window=5)
    for n in range(10):
        log.readings([reading(n)])
    assert log.since(log.epoch, 4) is None  # events 5..10 needed, only 6..10 kept
    assert log.since(log.epoch, 5) is not None
    assert log.since("other-run", 9) is None
    assert log.since(log.epoch, 11) is None  # a seq from the future is not ours


def test_window_is_bounded_in_bytes_too() -> None:
    log = EventLog(window=1000, max_bytes=2000)
    for n in range(100):
        log.readings([reading(n)] * 10)
    assert log.first_seq > 1
    assert log.since(log.epoch, log.first_seq - 1) is not None
    assert log.since(log.epoch, log.first_seq - 2) is None
