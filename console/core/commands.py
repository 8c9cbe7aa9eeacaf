"""Operator commands from the console to the hub, through the durable outbox (no Qt, asyncio only).

Every command is written to the :class:`~console.core.outbox.Outbox` first (durable, shown as pending),
then sent on the live link; on every (re)connect the outbox is replayed in order. Acks settle commands;
conflicts and failures stay listed until the operator dismisses them. A command the hub accepted stays
"pending" on its incident until the hub's echo (the incident event with that version) arrives: the console
shows an operator's action as done only when the hub says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from console.core import protocol
from console.core.incident_book import IncidentBook
from console.core.incidents import Action, Refusal, next_state
from console.core.outbox import Outbox, OutboxEntry, OutboxState

log = logging.getLogger(__name__)
UNIT_ACTIONS = frozenset({"assign_unit", "unit_status"})  # commands on emergency units (core/units.py)


class Stage(StrEnum):
    """Where an operator's command is, as the queue and the detail pane show it."""

    QUEUED = "queued"  # in the outbox, not sent on this link (offline, or waiting its turn)
    SENT = "sent"  # on the wire, no ack yet
    ECHO = "echo"  # accepted by the hub, its incident event not here yet


@dataclass(frozen=True)
class PendingCommand:
    """A command not yet visible as done: what it does, on which incident, and how far it got."""

    command: protocol.Command
    stage: Stage


class CommandCenter:
    """Issues commands through the outbox, replays it on reconnect, applies acks, tracks hub echoes.

    ``send`` is ``HubLink.send`` (False when the link is down); ``on_change`` is called whenever the
    pending list or the problems change (the view-model redraws).
    """

    def __init__(
        self,
        outbox: Outbox,
        send: Callable[[protocol.Command], Awaitable[bool]],
        book: IncidentBook,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.outbox = outbox
        self.book = book
        self._send = send
        self.on_change = on_change or (lambda: None)
        self._echo: dict[str, tuple[protocol.Command, str, int]] = {}  # id -> (command, target, version)
        self._tasks: set[asyncio.Task[int]] = set()

    # --- giving commands ------------------------------------------------------------------------------

    def issue(
        self, action: Action | str, target: str = "", args: dict[str, Any] | None = None
    ) -> protocol.Command:
        """Queue a command for an incident (``target`` "" for a report) and send it when the link allows.

        The expected version is the incident's version as this console shows it, so a change made
        meanwhile by someone else comes back as a conflict instead of being overwritten. Raises
        :class:`Refusal` (illegal/invalid, with a clear message) for a command the rules refuse anyway.
        """
        action = Action(action)
        args = {k: v for k, v in (args or {}).items() if v not in (None, "", [], ())}
        expected = None
        if action != Action.REPORT:
            incident = self.book.get(target)
            if incident is None:
                raise Refusal("invalid", f"incident {target} is not known here (reload the queue)")
            next_state(incident, action, args)
            expected = incident.version
        command = self.outbox.add(action.value, target, expected, args)
        self.on_change()
        self.flush()
        return command

    def issue_unit(self, action: str, target: str, args: dict[str, Any] | None = None) -> protocol.Command:
        """Queue a unit command (``assign_unit`` on an incident, ``unit_status`` on a unit) and send it.

        The hub checks the role and the unit; its echo is the unit event that shows the new duty, so an
        accepted unit command is settled by its ack (refusals stay listed like any other).
        """
        if action not in UNIT_ACTIONS:
            raise Refusal("invalid", f"{action!r} is not a unit command")
        if not target:
            raise Refusal("invalid", f"{action} needs a target")
        command = self.outbox.add(action, target, None, dict(args or {}))
        self.on_change()
        self.flush()
        return command

    def flush(self) -> None:
        """Send whatever is queued, in order, now (a no-op on a dead link: replay picks it up)."""
        self._spawn(self.outbox.replay(self._send))

    def on_link_live(self) -> None:
        """A (re)connect: send everything not acknowledged, in the order given (ids make it idempotent)."""
        self._spawn(self.outbox.replay(self._send, resend=True))

    def _spawn(self, coro: Coroutine[Any, Any, int]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:  # no loop running (a tool, a test): the next replay sends it
            coro.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._on_sent)

    def _on_sent(self, task: asyncio.Task[int]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        if task.exception() is not None:
            log.warning("sending commands failed: %s", task.exception())
        elif task.result():
            self.on_change()

    async def drain(self) -> None:
        """Wait for the sends in progress (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- answers --------------------------------------------------------------------------------------

    def on_ack(self, ack: protocol.Ack) -> bool:
        """Settle a command with the hub's answer; True when it was one of ours."""
        entry = self.outbox.get(ack.id)
        if not self.outbox.apply_ack(ack):
            return False
        unit_command = entry is not None and entry.command.action in UNIT_ACTIONS
        if ack.ok and entry is not None and ack.version is not None and not unit_command:
            target = ack.target or entry.command.target
            self._echo[ack.id] = (entry.command, target, ack.version)
            self._settle_echoes()
        if not ack.ok:
            log.warning(
                "command %s %s refused: %s", ack.id, entry.command.action if entry else "?", ack.error
            )
        self.on_change()
        return True

    def on_incidents_changed(self) -> None:
        """The book took new incident versions: commands whose echo arrived are no longer pending."""
        if self._settle_echoes():
            self.on_change()

    def _settle_echoes(self) -> bool:
        done = []
        for command_id, (_command, target, version) in self._echo.items():
            incident = self.book.get(target)
            if incident is not None and incident.version >= version:
                done.append(command_id)
        for command_id in done:
            del self._echo[command_id]
        return bool(done)

    # --- what the operator sees -----------------------------------------------------------------------

    def pending(self) -> list[PendingCommand]:
        """Every command not yet visible as done, in the order given."""
        rows = []
        for command in self.outbox.pending():
            entry = self.outbox.get(command.id)
            stage = Stage.SENT if entry is not None and entry.state == OutboxState.SENT else Stage.QUEUED
            rows.append(PendingCommand(command, stage))
        rows += [PendingCommand(command, Stage.ECHO) for command, _t, _v in self._echo.values()]
        return rows

    def pending_for(self, target: str) -> list[PendingCommand]:
        """Commands not yet visible as done on one incident."""
        echo_targets = {cid: t for cid, (_c, t, _v) in self._echo.items()}
        return [p for p in self.pending() if echo_targets.get(p.command.id, p.command.target) == target]

    def pending_targets(self) -> set[str]:
        """Incidents with a pending command (the queue's "pending" badge)."""
        return {p.command.target for p in self.pending() if p.command.target}

    def problems(self) -> list[OutboxEntry]:
        """Conflicts and failures the operator has not dismissed, in the order given."""
        return sorted(self.outbox.conflicts() + self.outbox.failures(), key=lambda e: e.created)

    def problems_for(self, target: str) -> list[OutboxEntry]:
        return [e for e in self.problems() if e.command.target == target]

    def dismiss(self, command_id: str) -> bool:
        """The operator has read a conflict or failure: it leaves the list."""
        done = self.outbox.resolve(command_id)
        if done:
            self.on_change()
        return done
