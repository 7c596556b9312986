"""Lists in and out of the database on the per-poll path, one statement each on both engines.

`column IN (a list)` is a single parameter: SQLite reads a JSON array with json_each, PostgreSQL takes an array
with `= ANY`. The statement's text stays the same whatever the list's length, so it is compiled (and prepared
by the driver) once; an expanding IN list is re-rendered for every length, which cost more than the lookups.
Many rows go straight to the driver: SQLite as executemany, PostgreSQL as one array per column."""

from __future__ import annotations

import json
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection


def one_of(column: sa.ColumnElement, name: str, element: sa.types.TypeEngine) -> dict[str, sa.ColumnElement]:
    """The condition per engine name; build statements with each and pick by `conn.dialect.name`."""
    return {"sqlite": column.in_(sa.text(f"SELECT value FROM json_each(:{name})").columns(sa.column("value"))),
            "postgresql": column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(element)))}


def insert_returning_ids(conn: Connection, table: sa.Table, rows: list[dict]) -> list[int]:
    """Insert rows; their new ids, in order. PostgreSQL batches `INSERT ... RETURNING` in order; SQLite would
    run one statement per row to keep that order, so there the ids are given: the next ones after the
    largest, safe because the write transaction (BEGIN IMMEDIATE) is the only writer."""
    if not rows:
        return []
    if conn.dialect.name == "sqlite":
        first = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one() + 1
        ids = list(range(first, first + len(rows)))
        conn.execute(table.insert(), [{**row, "id": new_id} for row, new_id in zip(rows, ids)])
        return ids
    return list(conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), rows).scalars())


def insert_many(conn: Connection, table: str, columns: dict[str, str], rows: list[tuple]) -> None:
    """Insert rows of plain values (`columns`: name -> PostgreSQL type), bypassing Core's per-row parameter
    processing, which costs more than these inserts themselves."""
    if not rows:
        return
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":  # one round trip, not one per row
        arrays = ", ".join(f"%s::{kind}[]" for kind in columns.values())
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})",
                             tuple(list(column) for column in zip(*rows)))
    else:
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)


def list_param(conn: Connection, values: Sequence[Any]) -> Any:
    """The list as that engine's parameter."""
    return json.dumps(list(values)) if conn.dialect.name == "sqlite" else list(values)


def driver_rows(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple]:
    """The rows of a statement in the driver's own syntax, as plain tuples, in the connection's transaction:
    for lookups returning tens of thousands of rows a minute, where building result rows costs more than the
    query."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()
