"""Scale-out mode: ingest nodes and hub nodes around a NATS JetStream event log, history in PostgreSQL.

See docs/deployment.md. The embedded default (one process, SQLite) uses none of this.
"""
