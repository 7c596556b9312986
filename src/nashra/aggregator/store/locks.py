"""Advisory locks: which worker sharing a PostgreSQL database does a job, and turns for start-up work.

One worker on SQLite (the daemon lock sees to that) goes through the same calls: its leader lock is always
granted, and BEGIN IMMEDIATE already serialises its transactions.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a job name."""
    return int.from_bytes(hashlib.blake2b(f"nashra:{name}".encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def leader(engine: Engine, job: str) -> Iterator[bool]:
    """Yields True to the one worker that may run `job` now, False to the others (who skip it)."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        key = lock_key(job)
        held = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        try:
            yield held
        finally:
            if held:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})


def serialise(conn: Connection, job: str) -> None:
    """Hold `job`'s lock until this transaction ends: workers starting together take turns (PostgreSQL;
    SQLite's BEGIN IMMEDIATE already serialises writers)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(job)})
