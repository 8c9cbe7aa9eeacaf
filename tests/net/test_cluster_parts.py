"""The parts of a cluster's hub node that need no NATS: serving state, resume window, event cuts, and the
database's guard on incident versions (on SQLite and PostgreSQL)."""

from __future__ import annotations

import msgspec
import pytest

from console.core import protocol
from console.core.incidents import AuditEntry, Incident, IncidentState, Severity, Source
from console.core.models import Reading
from console.core.units import Fix, UnitInfo, UnitKind, UnitState
from console.hub.cluster.node import RecentIds
from console.hub.cluster.serving import ServingState, Window
from console.hub.cluster.wire import valid_stream_name
from console.hub.incident_store import Change, IncidentStore
from console.hub.server import MAX_EVENT_ITEMS, _cut_at_inputs
from console.hub.storage import Storage
from tests.net.hubkit import STATIONS

T0 = 1_760_000_000.0


def _incident(version: int, assignee: str = "") -> Incident:
    return Incident(
        id="INC-1", version=version, state=IncidentState.DISCOVERED, source=Source.DUTY, category="air",
        severity=Severity.MEDIUM, title="smoke", reason="seen", created=T0, updated=T0 + version,
        assignee=assignee,
    )  # fmt: skip


def _entry(version: int, actor: str) -> AuditEntry:
    return AuditEntry(
        incident="INC-1", n=version, ts=T0 + version, actor=actor, role="coordinator", action="comment",
        from_state="discovered", to_state="discovered", version=version,
    )  # fmt: skip


def test_two_writers_of_the_same_version_store_one_and_the_other_is_refused(db_url) -> None:
    storage = Storage(db_url)
    try:
        store = IncidentStore(storage.engine)
        assert store.write_checked([Change(_incident(1), _entry(1, "rules"))]) == []
        first = store.write_checked([Change(_incident(2, "A"), _entry(2, "a"))])
        second = store.write_checked([Change(_incident(2, "B"), _entry(2, "b"))])
        assert (first, second) == ([], [0])
        stored = store.incident("INC-1")
        assert stored is not None and (stored.version, stored.assignee) == (2, "A")
        assert [e.actor for e in store.audit("INC-1")] == ["rules", "a"]  # the refused change left no trace
        again = store.write_checked([Change(_incident(1), _entry(1, "x"))])  # a second version 1, too
        both = store.write_checked(
            [Change(_incident(3), _entry(3, "c")), Change(_incident(5), _entry(5, "d"))]
        )
        assert (again, both) == ([0], [1])  # in one batch, only the change that does not follow is refused
    finally:
        storage.close()


def _readings(seq: int, *values: tuple[str, str, float, float]) -> protocol.Readings:
    return protocol.Readings(epoch="E", seq=seq, items=[Reading(*v) for v in values])


def test_the_serving_state_follows_the_events_and_snapshots_them() -> None:
    state = ServingState(STATIONS, "E", 0)
    state.apply(_readings(1, ("T-001", "a34004", T0, 30.0), ("T-001", "a34004", T0 - 60, 99.0)))
    state.apply(_readings(2, ("T-001", "a34004", T0 - 120, 77.0)))  # older: the latest stays
    state.apply(protocol.IncidentEvent(epoch="E", seq=3, incident=_incident(1)))
    state.apply(protocol.IncidentEvent(epoch="E", seq=4, incident=_incident(2, "A")))
    snapshot = protocol.decode_hub(state.snapshot())
    assert isinstance(snapshot, protocol.Snapshot) and (snapshot.epoch, snapshot.seq) == ("E", 4)
    assert [(r.station, r.value) for r in snapshot.latest] == [("T-001", 30.0)]
    assert [(i.version, i.assignee) for i in snapshot.incidents] == [(2, "A")]
    copy = ServingState(STATIONS)
    copy.load(snapshot)  # a starting node begins where the saved snapshot is
    assert copy.snapshot() == state.snapshot()


def test_the_serving_state_moves_units_with_their_reports() -> None:
    """What a node that does not lead answers on /api/units: the newest position and whether the newest
    report had one, as the events brought them."""
    unit = UnitState(info=UnitInfo(id="U1", name="巡查一号", kind=UnitKind.INSPECTOR))
    state = ServingState(STATIONS, "E", 0)
    state.apply(protocol.UnitEvent(epoch="E", seq=1, units=[unit], fixes=[]))
    assert state.units["U1"].last is None and not state.positioned("U1")
    there = Fix("U1", T0, 40.45, 115.97)
    state.apply(protocol.UnitEvent(epoch="E", seq=2, units=[], fixes=[there]))
    assert state.units["U1"].last == there and state.positioned("U1")
    blind = Fix("U1", T0 + 10, 0.0, 0.0, fix=False)
    state.apply(protocol.UnitEvent(epoch="E", seq=3, units=[], fixes=[blind]))
    assert state.units["U1"].last == there and not state.positioned("U1")  # no position: the marker stays
    state.apply(protocol.UnitEvent(epoch="E", seq=4, units=[], fixes=[Fix("U1", T0 - 30, 40.0, 116.0)]))
    assert state.units["U1"].last == there and not state.positioned("U1")  # a late report moves nothing
    copy = ServingState(STATIONS)
    snapshot = protocol.decode_hub(state.snapshot())
    assert isinstance(snapshot, protocol.Snapshot)
    copy.load(snapshot)
    assert copy.units["U1"].last == there and copy.positioned("U1")  # a snapshot keeps the position only


def test_the_window_replays_what_it_holds_and_no_more() -> None:
    window = Window(limit=3)
    for seq in range(1, 6):
        window.add(seq, f"e{seq}".encode())
    assert window.first == 3
    assert window.after(2) == [b"e3", b"e4", b"e5"] and window.after(4) == [b"e5"] and window.after(5) == []
    assert window.after(1) is None  # e2 is gone: from the stream, then
    window.add(9, b"e9")  # a jump in the stream: what was held does not run into it
    assert window.first == 9 and window.after(4) is None


def test_events_are_cut_between_input_batches_only() -> None:
    big = MAX_EVENT_ITEMS
    assert _cut_at_inputs(10, [("a", 4), ("b", 8)]) == [(0, 10, ("a", "b"))]  # derived readings go last
    assert _cut_at_inputs(2 * big + 5, [("a", big - 1), ("b", 2 * big), ("c", 2 * big + 5)]) == [
        (0, big - 1, ("a",)),
        (big - 1, 2 * big, ("b",)),
        (2 * big, 2 * big + 5, ("c",)),
    ]
    assert _cut_at_inputs(3 * big, [("huge", 3 * big)]) == [(0, 3 * big, ("huge",))]  # a batch is never cut
    assert _cut_at_inputs(0, [("fixes-only", 0)]) == [(0, 0, ("fixes-only",))]
    assert _cut_at_inputs(3, []) == [(0, 3, ())]


def test_recent_input_ids_are_bounded() -> None:
    recent = RecentIds(3)
    for ident in ("n:1", "n:2", "n:3", "n:2", "n:4"):
        recent.add(ident)
    assert "n:1" not in recent and all(i in recent for i in ("n:2", "n:3", "n:4"))


@pytest.mark.parametrize("name", ["ECO", "city-2", "T_01"])
def test_stream_names_that_can_name_everything(name: str) -> None:
    assert valid_stream_name(name)


@pytest.mark.parametrize("name", ["", "a.b", "a b", "a*", "a>", "城市"])
def test_stream_names_that_cannot(name: str) -> None:
    assert not valid_stream_name(name)


def test_a_forwarded_command_survives_the_wire() -> None:
    from console.hub.cluster.wire import ForwardedCommand, decode_forwarded, encode_forwarded

    command = protocol.Command(id="c1", action="dispatch", target="INC-1", expected_version=2, args={"x": 1})
    sent = ForwardedCommand(user="coord", role="coordinator", command=protocol.encode(command))
    got = decode_forwarded(encode_forwarded(sent))
    assert got == sent and protocol.decode_client(got.command) == command
    with pytest.raises(msgspec.DecodeError):
        decode_forwarded(b"\xc1 not msgpack")
