"""Incidents, their audit trail, command acks and attachment records in the hub database.

Each incident change is one row update, one audit row and (for a command) one ack row, written in one
transaction by the ``IncidentWriter`` thread; the caller gets a future it can await before it answers.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from console.core.batch_writer import BatchWriter
from console.core.incidents import AuditEntry, Incident, Role
from console.core.protocol import Ack
from console.hub.auth import Session

_log = logging.getLogger(__name__)
# the dialect's INSERT: both have ON CONFLICT
_INSERTS: dict[str, Callable[[sa.Table], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}

metadata = sa.MetaData()
incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
    sa.Column("closed", sa.Float, nullable=True, index=True),
    sa.Column("body", sa.Text, nullable=False),  # the Incident as JSON
)
incident_audit = sa.Table(
    "incident_audit",
    metadata,
    sa.Column("incident", sa.Text, primary_key=True),
    sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the AuditEntry as JSON
)
command_acks = sa.Table(
    "command_acks",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("ts", sa.Float, nullable=False, index=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the Ack as JSON
)
attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("incident", sa.Text, nullable=False, index=True),
    sa.Column("content_type", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("file", sa.Text, nullable=False),  # name under the attachments folder
    sa.Column("uploaded_by", sa.Text, nullable=False),
    sa.Column("ts", sa.Float, nullable=False),
)


sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("digest", sa.Text, primary_key=True),  # SHA-256 of the token, never the token itself
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("expires", sa.Float, nullable=False, index=True),
)


class VersionConflict(Exception):
    """An incident change whose version the database already holds (another hub applied it first)."""


class Attachment(NamedTuple):
    """The record of one uploaded photo."""

    id: str
    incident: str
    content_type: str
    size: int
    sha256: str
    file: str
    uploaded_by: str
    ts: float


class Change(NamedTuple):
    """One incident change to write: the new state, the audit entry and the command's ack (if any)."""

    incident: Incident
    audit: AuditEntry
    ack: tuple[Ack, str, float] | None = None  # ack, actor, time


class IncidentStore:
    """SQLAlchemy Core access to the incident tables (created when missing) on the hub's engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        name = engine.dialect.name
        if name not in _INSERTS:
            raise ValueError(f"unsupported database {name!r}: use sqlite or postgresql")
        self._insert = _INSERTS[name]
        metadata.create_all(engine)

    def write(self, changes: Sequence[Change]) -> None:
        """Write changes as they are in one transaction; a later change of the same incident wins (records
        brought in from elsewhere; the hub's own changes go through ``write_checked``)."""
        rows = {c.incident.id: _incident_row(c.incident) for c in changes}
        with self._engine.begin() as conn:
            stmt = self._insert(incidents)
            keep = {c.name: stmt.excluded[c.name] for c in incidents.c if c.name != "id"}
            conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=keep), list(rows.values()))
            for change in changes:
                self._write_trail(conn, change)

    def write_checked(self, changes: Sequence[Change]) -> list[int]:
        """Write changes in one transaction, in order; the indices of those refused as conflicts.

        A change to version n+1 is stored only while the stored version is n (version 1: while there is
        none), each in a savepoint of its own: two hubs that both apply version n+1 of an incident store
        one of them, and the other's change fails instead of overwriting it."""
        conflicts: list[int] = []
        with self._engine.begin() as conn:
            for index, change in enumerate(changes):
                with conn.begin_nested() as savepoint:
                    if self._write_incident(conn, change.incident):
                        self._write_trail(conn, change)
                    else:
                        savepoint.rollback()
                        conflicts.append(index)
        return conflicts

    def _write_incident(self, conn: sa.Connection, incident: Incident) -> bool:
        """Insert version 1, or update version n-1 to n; False when the stored version is another."""
        row = _incident_row(incident)
        if incident.version <= 1:
            insert = self._insert(incidents).on_conflict_do_nothing(index_elements=["id"])
            return conn.execute(insert.returning(incidents.c.id), row).first() is not None
        c = incidents.c
        values = {k: v for k, v in row.items() if k != "id"}
        update = incidents.update().where(c.id == incident.id, c.version == incident.version - 1)
        return conn.execute(update.values(**values)).rowcount == 1

    def _write_trail(self, conn: sa.Connection, change: Change) -> None:
        conn.execute(incident_audit.insert(), [_audit_row(change.audit)])
        if change.ack is not None:
            ack, actor, ts = change.ack
            row = {"id": ack.id, "ts": ts, "actor": actor, "body": msgspec.json.encode(ack).decode()}
            conn.execute(self._insert(command_acks).on_conflict_do_nothing(index_elements=["id"]), [row])

    def add_attachment(self, record: Attachment) -> None:
        with self._engine.begin() as conn:
            conn.execute(attachments.insert(), [record._asdict()])

    def load_incidents(self, closed_since: float) -> list[Incident]:
        """Open incidents and those closed since a time, oldest first."""
        c = incidents.c
        query = sa.select(c.body).where(sa.or_(c.closed.is_(None), c.closed >= closed_since))
        return self._incidents(query.order_by(c.created))

    def closed_between(self, start: float, end: float) -> list[Incident]:
        """Incidents closed in [start, end)."""
        c = incidents.c
        return self._incidents(sa.select(c.body).where(c.closed >= start, c.closed < end).order_by(c.closed))

    def active_between(self, start: float, end: float) -> list[Incident]:
        """Incidents created before ``end`` and open or closed at or after ``start``: every one a period's
        figures can count."""
        c = incidents.c
        query = sa.select(c.body).where(c.created < end, sa.or_(c.closed.is_(None), c.closed >= start))
        return self._incidents(query.order_by(c.created))

    def incident(self, ident: str) -> Incident | None:
        """One incident by id."""
        found = self._incidents(sa.select(incidents.c.body).where(incidents.c.id == ident))
        return found[0] if found else None

    def _incidents(self, query: sa.Select[Any]) -> list[Incident]:
        with self._engine.connect() as conn:
            return [msgspec.json.decode(body, type=Incident) for body in conn.execute(query).scalars()]

    def audit_counts(self, ids: Sequence[str]) -> dict[str, int]:
        """The last audit number of each of these incidents."""
        c = incident_audit.c
        found: dict[str, int] = {}
        with self._engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = sa.select(c.incident, sa.func.max(c.n)).where(
                    c.incident.in_(ids[start : start + 500])
                )
                found.update((ident, n) for ident, n in conn.execute(query.group_by(c.incident)))
        return found

    def audit(self, incident: str) -> list[AuditEntry]:
        """The audit trail of one incident, in order."""
        query = (
            sa.select(incident_audit.c.body)
            .where(incident_audit.c.incident == incident)
            .order_by(incident_audit.c.n)
        )
        with self._engine.connect() as conn:
            return [msgspec.json.decode(b, type=AuditEntry) for b in conn.execute(query).scalars()]

    def audits(self, ids: Sequence[str]) -> dict[str, list[AuditEntry]]:
        """Audit trails of several incidents."""
        found: dict[str, list[AuditEntry]] = {i: [] for i in ids}
        c = incident_audit.c
        with self._engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = sa.select(c.body).where(c.incident.in_(ids[start : start + 500])).order_by(c.n)
                for body in conn.execute(query).scalars():
                    entry = msgspec.json.decode(body, type=AuditEntry)
                    found[entry.incident].append(entry)
        return found

    def acks(self, since: float) -> list[tuple[str, Ack, float]]:
        """(id, ack, time) of commands since a time, oldest first (older retries are not expected)."""
        c = command_acks.c
        query = sa.select(c.id, c.body, c.ts).where(c.ts >= since).order_by(c.ts)
        with self._engine.connect() as conn:
            return [(i, msgspec.json.decode(body, type=Ack), ts) for i, body, ts in conn.execute(query)]

    def add_session(self, digest: str, session: Session) -> None:
        """Keep a login across hub restarts; expired ones are removed on the way."""
        row = {"digest": digest, "user": session.user, "role": str(session.role), "expires": session.expires}
        with self._engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.expires < time.time()))
            conn.execute(sessions.insert(), [row])

    def session(self, digest: str) -> Session | None:
        """One stored login by token digest (made at another hub node of a cluster), if not expired."""
        c = sessions.c
        with self._engine.connect() as conn:
            query = sa.select(sessions).where(c.digest == digest, c.expires >= time.time())
            row = conn.execute(query).first()
        return None if row is None else Session(row.user, Role(row.role), row.user, row.expires)

    def load_sessions(self) -> dict[str, Session]:
        """Stored logins by token digest (roles and names are refreshed from the users file)."""
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(sessions)).all()
        return {r.digest: Session(r.user, Role(r.role), r.user, r.expires) for r in rows}

    def attachment(self, ident: str) -> Attachment | None:
        """One attachment record by id."""
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(attachments).where(attachments.c.id == ident)).first()
        return None if row is None else Attachment(*row)

    def load_attachments(self) -> dict[str, Attachment]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(attachments)).all()
        return {row.id: Attachment(*row) for row in rows}


def _incident_row(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "version": incident.version,
        "state": str(incident.state),
        "created": incident.created,
        "updated": incident.updated,
        "closed": incident.closed,
        "body": msgspec.json.encode(incident).decode(),
    }


def _audit_row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "incident": entry.incident,
        "n": entry.n,
        "ts": entry.ts,
        "actor": entry.actor,
        "action": entry.action,
        "body": msgspec.json.encode(entry).decode(),
    }


class IncidentWriter(BatchWriter):
    """The thread that writes incident changes; ``submit`` returns a future done when it is stored.

    A storage error that may pass (database locked) is retried for up to ``retry_for`` seconds: an
    operator waits for the answer, and after that is better told that the change failed.
    """

    def __init__(self, store: IncidentStore, max_delay: float = 0.01, retry_for: float = 5.0) -> None:
        self._store = store
        super().__init__("incident-writer", 200, max_delay, retry_for=retry_for)

    def submit(self, change: Change) -> concurrent.futures.Future[None]:
        """Queue a change; the future completes (or fails) when its transaction does."""
        done: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._put((change, done), 1)
        return done

    def _write(self, items: list[Any]) -> None:
        conflicts = set(self._store.write_checked([change for change, _ in items]))
        for index, (change, done) in enumerate(items):
            if index in conflicts:
                stored = f"version {change.incident.version} of {change.incident.id} was already stored"
                done.set_exception(VersionConflict(stored))
            else:
                done.set_result(None)

    def _given_up(self, items: list[Any], exc: Exception) -> None:
        for _, done in items:
            done.set_exception(exc)

    def _failed(self, rows: int) -> None:
        _log.exception("incident write failed (%d changes)", rows)
