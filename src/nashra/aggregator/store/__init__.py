"""The store: the single source of truth. All SQL lives in this package.

`Store` owns the engine and migrations; the per-table functions in feeds.py and items.py take a
connection, so one transaction can span both (one transaction per feed poll: a crash loses nothing
stored and repeats nothing).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import coordination, feeds, items, locks, stories, topics
from .db import StoreError, create_engine, sqlite_path
from .schema import migrate

__all__ = ["Store", "StoreError", "coordination", "feeds", "items", "locks", "sqlite_path", "stories", "topics"]


class Store:
    def __init__(self, url: str, busy_timeout: float = 30.0) -> None:
        self.url = url
        self.engine = create_engine(url, busy_timeout)
        try:
            with self.engine.begin() as conn:
                self.schema_version = migrate(conn)
        except sa.exc.OperationalError as exc:
            self.engine.dispose()
            raise StoreError(f"cannot open the database {self.display_url}: {exc.orig}") from None

    @property
    def shared(self) -> bool:
        """Several workers may use this database at once (PostgreSQL); SQLite has one, under the daemon lock."""
        return self.engine.dialect.name != "sqlite"

    @property
    def display_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One write transaction (SQLite: BEGIN IMMEDIATE)."""
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()
