"""Engine set-up: SQLite in WAL mode with a busy timeout, or PostgreSQL, behind one interface."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine


class StoreError(Exception):
    """The database cannot be opened or used; the message says which and why."""


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and url not in ("sqlite:///:memory:", "sqlite://"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def create_engine(url: str, busy_timeout: float = 30.0) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the database folder {path.parent}: {exc.strerror}") from None
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(f"database file {path} is not readable and writable by this user")
        engine = sa.create_engine(url, connect_args={"timeout": busy_timeout})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            # Autocommit at the driver level; we issue BEGIN IMMEDIATE ourselves so that a write
            # transaction takes the lock at its start and never fails half-way with "database is locked".
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # checkpoint every ~40 MB of WAL rather than 4 MB: a first cycle writes hundreds of thousands of
            # index rows, and each checkpoint is an fsync
            cur.execute("PRAGMA wal_autocheckpoint=10000")
            cur.execute("PRAGMA foreign_keys=ON")
            # 64 MiB of page cache (the default is 2 MiB): the band index of a 72 h window is a few tens of MB
            # and every new item reads and writes 32 random places in it
            cur.execute("PRAGMA cache_size=-65536")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith(("postgresql://", "postgres://")):
        # psycopg 3 rather than SQLAlchemy's default psycopg2: maintained, and one binary wheel
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                                connect_args={"connect_timeout": max(1, int(busy_timeout))}
                                if url.startswith("postgresql+psycopg") else {})
    except (ImportError, sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise StoreError(f"cannot use the database URL: {exc}") from None
