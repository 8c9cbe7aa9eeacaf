"""Shared test fixtures: the reference data beside the repository (skipped cleanly when absent)."""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings

# Timings are never asserted in tests: hypothesis's per-example deadline (200 ms) would fail a property test
# on a busy machine for its speed alone.
hypothesis_settings.register_profile("console", deadline=None)
hypothesis_settings.load_profile("console")

SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_file(relative: str) -> Path:
    """Path of a file in ../shared; skips the calling test when it is not there."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"reference file {relative} is not available")
    return path


# --- Storage parity: the history, storage and incident suites run on SQLite and on PostgreSQL -------------
# PostgreSQL is the server on 127.0.0.1:5432 (trust auth, user postgres), or ECO_TEST_POSTGRES's URL. Each
# test gets a database of its own (test_<random>), dropped after. Without a server those tests skip with one
# reason; ECO_REQUIRE_SERVICES=1 (set by .ci/run) turns the skip into a failure.
POSTGRES_URL = os.environ.get("ECO_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_SERVICES = os.environ.get("ECO_REQUIRE_SERVICES", "") not in ("", "0")
BACKENDS = ("sqlite", "postgresql")


@functools.cache
def postgres_problem() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when the server answers."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(_libpq_url(POSTGRES_URL), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"no PostgreSQL server at {sa.make_url(POSTGRES_URL).render_as_string()}: {first}"
    return None


def pytest_report_header(config: pytest.Config) -> list[str]:
    """One line per service at session start: whether its tests run, skip or (required by CI) fail."""
    lines = []
    for name, problem, there in (
        ("postgresql", postgres_problem(), sa.make_url(POSTGRES_URL).render_as_string()),
        ("mqtt", mqtt_problem(), MQTT_ADDRESS),
        ("nats", nats_problem(), NATS_URL),
    ):
        if problem is None:
            lines.append(f"{name}: {there} (its tests run)")
        elif REQUIRE_SERVICES:
            lines.append(f"{name}: {problem}; ECO_REQUIRE_SERVICES is set, its tests fail")
        else:
            lines.append(f"{name}: {problem}; its tests skip")
    return lines


def _libpq_url(url: str) -> str:
    """A SQLAlchemy URL as the connection string psycopg itself takes."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The SQLAlchemy URL of an empty database of this backend, removed afterwards."""
    if backend == "sqlite":
        (tmp_path / "db").mkdir(exist_ok=True)
        yield f"sqlite:///{tmp_path / 'db' / 'hub.db'}"
        return
    problem = postgres_problem()
    if problem is not None:
        if REQUIRE_SERVICES:
            pytest.fail(f"{problem} (ECO_REQUIRE_SERVICES is set)", pytrace=False)
        pytest.skip(problem)
    import psycopg

    name = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(_libpq_url(POSTGRES_URL), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq_url(POSTGRES_URL), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend in turn: SQLite in tmp_path, then PostgreSQL."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def db_url_of_hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """``db_url`` under another name, for tests that also use a module's own ``db_url``."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


# --- MQTT: the Mosquitto broker on 127.0.0.1:1883 (or ECO_TEST_MQTT host:port), a topic prefix per test ----
MQTT_ADDRESS = os.environ.get("ECO_TEST_MQTT", "127.0.0.1:1883")


@functools.cache
def mqtt_problem() -> str | None:
    """Why the MQTT tests cannot run here, or None when the broker accepts connections."""
    host, _, port = MQTT_ADDRESS.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
    except OSError as exc:
        return f"no MQTT broker at {MQTT_ADDRESS}: {exc}"
    return None


@pytest.fixture
def mqtt_broker() -> tuple[str, str]:
    """(broker URL, a topic prefix of this test's own): skips, or fails under ECO_REQUIRE_SERVICES, without
    a broker."""
    problem = mqtt_problem()
    if problem is not None:
        if REQUIRE_SERVICES:
            pytest.fail(f"{problem} (ECO_REQUIRE_SERVICES is set)", pytrace=False)
        pytest.skip(problem)
    return f"mqtt://{MQTT_ADDRESS}", f"test-{secrets.token_hex(6)}/eco"


# --- NATS JetStream: the server on 127.0.0.1:4222 (or ECO_TEST_NATS's URL), a stream name per test ---------
NATS_URL = os.environ.get("ECO_TEST_NATS", "nats://127.0.0.1:4222")


@functools.cache
def nats_problem() -> str | None:
    """Why the cluster tests cannot run here, or None when a NATS server with JetStream answers."""
    try:
        import nats
    except ImportError:
        return "nats-py is not installed"
    import asyncio

    async def probe() -> None:
        nc = await nats.connect(NATS_URL, connect_timeout=3, max_reconnect_attempts=0, allow_reconnect=False)
        try:
            await nc.jetstream().account_info()
        finally:
            await nc.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # refused, no JetStream, a timeout: each says why in its text
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"no NATS JetStream server at {NATS_URL}: {first or type(exc).__name__}"
    return None


@pytest.fixture
def cluster_stream() -> Iterator[tuple[str, str]]:
    """(NATS URL, a cluster stream name of this test's own); its streams and buckets are deleted
    after. Skips, or fails under ECO_REQUIRE_SERVICES, without a server."""
    problem = nats_problem()
    if problem is not None:
        if REQUIRE_SERVICES:
            pytest.fail(f"{problem} (ECO_REQUIRE_SERVICES is set)", pytrace=False)
        pytest.skip(problem)
    name = f"T{secrets.token_hex(5).upper()}"
    yield NATS_URL, name
    import asyncio

    import nats

    from console.hub.cluster.streams import delete_streams

    async def clean() -> None:
        nc = await nats.connect(NATS_URL, connect_timeout=3, max_reconnect_attempts=0, allow_reconnect=False)
        try:
            js = nc.jetstream()
            await delete_streams(js, name)
            for bucket in (f"{name}_LEADER", f"{name}_AUTH"):
                with contextlib.suppress(Exception):
                    await js.delete_key_value(bucket)
        finally:
            await nc.close()

    asyncio.run(clean())
