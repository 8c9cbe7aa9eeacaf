"""The outbox on real SQLite files: durable order, replay over a flaky link, acks, conflicts kept."""

from __future__ import annotations

import sqlite3

import pytest

from console.core import protocol
from console.core.cache import Cache, CacheWriter
from console.core.models import Reading
from console.core.outbox import Outbox, OutboxState


class Link:
    """Stands in for HubLink.send: accepts `capacity` commands, then reports the link down (or raises)."""

    def __init__(self, capacity: int = 1000, error: Exception | None = None) -> None:
        self.capacity, self.error = capacity, error
        self.sent: list[protocol.Command] = []

    async def send(self, command: protocol.Command) -> bool:
        if len(self.sent) >= self.capacity:
            if self.error is not None:
                raise self.error
            return False
        self.sent.append(command)
        return True


@pytest.fixture
def path(tmp_path):
    return tmp_path / "console" / "cache.db"


@pytest.fixture
def outbox(path):
    opened = Outbox(path)
    yield opened
    opened.close()


def _give(outbox: Outbox, n: int) -> list[protocol.Command]:
    return [outbox.add("dispatch", f"INC-{i}", expected_version=i, args={"unit": f"U{i}"}) for i in range(n)]


def test_commands_come_back_in_the_order_given_after_a_restart(path, outbox):
    given = _give(outbox, 5)
    assert given[2] == protocol.Command(
        id=given[2].id, action="dispatch", target="INC-2", expected_version=2, args={"unit": "U2"}
    )
    assert len({c.id for c in given}) == 5
    outbox.close()
    reopened = Outbox(path)
    assert reopened.pending() == given
    reopened.close()


def test_a_command_is_committed_when_add_returns(path, outbox):
    command = outbox.add("close", "INC-9")
    with sqlite3.connect(path) as conn:  # another connection, as after a crash
        rows = conn.execute("SELECT id, state, attempts FROM outbox").fetchall()
    assert rows == [(command.id, "pending", 0)]


@pytest.mark.asyncio
async def test_replay_stops_at_the_first_refusal_and_keeps_the_rest_pending(outbox):
    given = _give(outbox, 5)
    flaky = Link(capacity=2)
    assert await outbox.replay(flaky.send) == 2
    assert flaky.sent == given[:2]
    assert [outbox.get(c.id).state for c in given] == ["sent", "sent", "pending", "pending", "pending"]
    assert outbox.pending() == given  # all still await an ack: the view shows them as pending
    back = Link()
    assert await outbox.replay(back.send) == 3
    assert back.sent == given[2:]  # in order, nothing twice


@pytest.mark.asyncio
async def test_a_send_that_raises_counts_as_the_link_going_down(outbox):
    given = _give(outbox, 3)
    assert await outbox.replay(Link(capacity=1, error=ConnectionResetError("gone")).send) == 1
    assert [outbox.get(c.id).state for c in given] == ["sent", "pending", "pending"]


@pytest.mark.asyncio
async def test_after_a_reconnect_every_unacknowledged_command_goes_out_again(outbox):
    given = _give(outbox, 3)
    await outbox.replay(Link().send)
    outbox.apply_ack(protocol.Ack(id=given[0].id, ok=True))
    relink = Link()
    assert await outbox.replay(relink.send, resend=True) == 2
    assert relink.sent == given[1:]  # the acked one is not repeated; the others may be (idempotent ids)
    assert outbox.get(given[1].id).attempts == 2


def test_an_ok_ack_settles_the_command(outbox):
    command = outbox.add("close", "INC-1")
    outbox.mark_sent(command.id)
    assert outbox.apply_ack(protocol.Ack(id=command.id, ok=True))
    assert outbox.pending() == [] and outbox.get(command.id).state == OutboxState.ACKED
    assert not outbox.mark_sent(command.id)  # a late mark does not reopen it


def test_a_conflict_is_kept_for_the_operator_until_resolved(path, outbox):
    command, other = outbox.add("close", "INC-1", expected_version=3), outbox.add("close", "INC-2")
    error = "conflict: incident INC-1 is at version 4"
    assert outbox.apply_ack(protocol.Ack(id=command.id, ok=False, error=error))
    assert outbox.apply_ack(protocol.Ack(id=other.id, ok=False, error="forbidden: role"))
    outbox.close()
    reopened = Outbox(path)  # survives a restart too
    [conflict] = reopened.conflicts()
    assert (conflict.command, conflict.state, conflict.error) == (command, OutboxState.CONFLICT, error)
    assert [entry.command for entry in reopened.failures()] == [other]
    assert reopened.pending() == []
    assert reopened.resolve(command.id) and not reopened.resolve(command.id)
    assert reopened.conflicts() == [] and reopened.get(command.id).state == OutboxState.RESOLVED
    reopened.close()


def test_an_ack_for_an_unknown_or_settled_command_is_ignored(outbox):
    command = outbox.add("close", "INC-1")
    assert not outbox.apply_ack(protocol.Ack(id="not-ours", ok=False, error="conflict"))
    assert outbox.apply_ack(protocol.Ack(id=command.id, ok=True))
    assert not outbox.apply_ack(protocol.Ack(id=command.id, ok=False, error="conflict: late duplicate"))
    assert outbox.get(command.id).state == OutboxState.ACKED and outbox.conflicts() == []


def test_the_outbox_shares_the_cache_file_with_the_writer(tmp_path):
    cache = Cache(tmp_path / "cache.db")
    writer = CacheWriter(cache, max_delay=0.01, clock=lambda: 1_700_000_000.0)
    outbox = Outbox(cache)
    for n in range(20):
        event = protocol.Readings(epoch="e", seq=n + 1, items=[Reading("A", "a34004", 1e9 + n, n)])
        writer.submit_event(event)
        outbox.add("acknowledge", "A", args={"n": n})
    assert writer.close()
    assert cache.position() == ("e", 20) and len(outbox.pending()) == 20
    acked = outbox.pending()[0]
    outbox.apply_ack(protocol.Ack(id=acked.id, ok=True))
    assert outbox.purge(before=outbox.get(acked.id).created + 1) == 1 and len(outbox.pending()) == 19
    outbox.close()
    cache.close()
