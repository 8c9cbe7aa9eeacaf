"""Operator commands through a real outbox on SQLite: pending offline, replayed in order, conflicts shown."""

from __future__ import annotations

import msgspec
import pytest

from console.core import protocol
from console.core.commands import CommandCenter, Stage
from console.core.incident_book import IncidentBook
from console.core.incidents import Incident, IncidentState, Refusal, Severity, Source, check
from console.core.outbox import Outbox

T0 = 1_763_700_000.0


class Hub:
    """Stands in for the hub behind HubLink.send: applies commands with the real rules, echoes events."""

    def __init__(self, book: IncidentBook, center_ref: list) -> None:
        self.live = False
        self.seen: list[protocol.Command] = []
        self.incidents: dict[str, Incident] = {}
        self.book = book
        self.center_ref = center_ref
        self.seq = 0

    async def send(self, command: protocol.Command) -> bool:
        if not self.live:
            return False
        self.seen.append(command)
        incident = self.incidents[command.target]
        center = self.center_ref[0]
        try:
            state = check("duty", command.action, incident, command.expected_version, command.args)
        except Refusal as exc:
            center.on_ack(protocol.Ack(id=command.id, ok=False, error=str(exc), target=command.target))
            return True
        new = msgspec.structs.replace(incident, state=state, version=incident.version + 1)
        self.incidents[new.id] = new
        center.on_ack(protocol.Ack(id=command.id, ok=True, target=new.id, version=new.version))
        return True

    def echo(self) -> None:
        for incident in self.incidents.values():
            self.seq += 1
            self.book.apply(protocol.IncidentEvent(epoch="e", seq=self.seq, incident=incident))
        self.center_ref[0].on_incidents_changed()


def incident(n: int, version: int = 1, state=IncidentState.DISCOVERED) -> Incident:
    return Incident(id=f"INC-{n}", version=version, state=state, source=Source.RULE, category="air",
                    severity=Severity.HIGH, title="t", reason="r", created=T0, updated=T0)  # fmt: skip


@pytest.fixture
def setup(tmp_path):
    book = IncidentBook(lambda: T0)
    ref: list = []
    hub = Hub(book, ref)
    outbox = Outbox(tmp_path / "cache.db")
    changes = []
    center = CommandCenter(outbox, hub.send, book, on_change=lambda: changes.append(1))
    ref.append(center)
    for n in (1, 2):
        hub.incidents[f"INC-{n}"] = incident(n)
        book.put(incident(n))
    yield book, hub, center, changes
    outbox.close()


@pytest.mark.asyncio
async def test_commands_wait_offline_then_go_in_order_and_stay_pending_until_the_echo(setup):
    book, hub, center, changes = setup
    first = center.issue("dispatch", "INC-1", {"assignee": "grid-07"})
    second = center.issue("comment", "INC-2", {"comment": "on my way"})
    await center.drain()
    assert [p.stage for p in center.pending()] == [Stage.QUEUED, Stage.QUEUED]
    assert center.pending_targets() == {"INC-1", "INC-2"} and changes
    hub.live = True
    center.on_link_live()
    await center.drain()
    assert [c.id for c in hub.seen] == [first.id, second.id]
    # accepted, but the console shows it done only when the hub's event comes back
    assert [p.stage for p in center.pending_for("INC-1")] == [Stage.ECHO]
    assert book.get("INC-1").state == IncidentState.DISCOVERED
    hub.echo()
    assert center.pending() == [] and book.get("INC-1").state == IncidentState.DISPATCHED


@pytest.mark.asyncio
async def test_a_conflict_is_shown_until_the_operator_dismisses_it(setup):
    _book, hub, center, _ = setup
    hub.live = True
    hub.incidents["INC-1"] = incident(1, version=2)  # someone else moved it on; this console has v1
    command = center.issue("dispatch", "INC-1", {"assignee": "grid-07"})
    await center.drain()
    problems = center.problems_for("INC-1")
    assert [p.command.id for p in problems] == [command.id]
    assert problems[0].error.startswith("conflict:")
    assert center.pending() == []
    assert center.dismiss(command.id) and center.problems() == []


@pytest.mark.asyncio
async def test_a_command_the_rules_refuse_is_never_queued(setup):
    _book, _hub, center, _ = setup
    with pytest.raises(Refusal, match="assignee"):
        center.issue("dispatch", "INC-1", {"assignee": "  "})
    with pytest.raises(Refusal, match="not known"):
        center.issue("dispatch", "INC-9", {"assignee": "x"})
    assert center.pending() == []


@pytest.mark.asyncio
async def test_queued_commands_survive_a_restart_and_go_out_on_the_next_link(setup, tmp_path):
    book, hub, center, _ = setup
    given = center.issue("dispatch", "INC-2", {"assignee": "grid-01"})
    await center.drain()
    center.outbox.close()
    reopened = CommandCenter(Outbox(tmp_path / "cache.db"), hub.send, book)
    hub.center_ref[0] = reopened
    assert [p.command.id for p in reopened.pending()] == [given.id]
    hub.live = True
    reopened.on_link_live()
    await reopened.drain()
    assert [c.id for c in hub.seen] == [given.id]
    hub.echo()
    assert reopened.pending() == []
    reopened.outbox.close()
