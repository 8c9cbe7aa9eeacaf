"""Saved serving states of a cluster in its database: where a starting hub node begins to follow the stream.

The leader saves the encoded snapshot of its serving state at seq N when it takes the lead and every half
minute; a node that starts loads the newest of the stream's epoch and follows the event stream from N+1.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

KEEP = 3  # snapshots kept per stream (the newest; older ones are deleted as new ones come)

metadata = sa.MetaData()
cluster_snapshot = sa.Table(
    "cluster_snapshot",
    metadata,
    sa.Column("stream", sa.Text, primary_key=True),
    sa.Column("epoch", sa.Text, primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("saved", sa.Float, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),  # the encoded Snapshot message
)


class SnapshotStore:
    """The ``cluster_snapshot`` table (created when missing) of one cluster's stream name."""

    def __init__(self, engine: sa.Engine, stream: str) -> None:
        self._engine, self._stream = engine, stream
        metadata.create_all(engine)

    def save(self, epoch: str, seq: int, body: bytes) -> None:
        """Keep this snapshot and the newest few before it (blocking: call it off the loop)."""
        c = cluster_snapshot.c
        row = {"stream": self._stream, "epoch": epoch, "seq": seq, "saved": time.time(), "body": body}
        with self._engine.begin() as conn:
            mine = (c.stream == self._stream) & (c.epoch == epoch) & (c.seq == seq)
            conn.execute(cluster_snapshot.delete().where(mine))
            conn.execute(cluster_snapshot.insert(), [row])
            kept = sa.select(c.saved).where(c.stream == self._stream).order_by(c.saved.desc()).limit(KEEP)
            oldest = conn.execute(kept).scalars().all()
            if len(oldest) == KEEP:
                older = (c.stream == self._stream) & (c.saved < oldest[-1])
                conn.execute(cluster_snapshot.delete().where(older))

    def newest(self, epoch: str) -> tuple[int, bytes] | None:
        """(seq, body) of the newest snapshot of ``epoch``, or None."""
        c = cluster_snapshot.c
        query = (
            sa.select(c.seq, c.body)
            .where(c.stream == self._stream, c.epoch == epoch)
            .order_by(c.seq.desc())
            .limit(1)
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else (int(row.seq), bytes(row.body))
