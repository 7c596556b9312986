"""`column IN (a list)` as a single parameter on both engines: SQLite reads a JSON array with json_each,
PostgreSQL takes an array with `= ANY`. The statement's text stays the same whatever the list's length, so it
is compiled (and prepared by the driver) once; an expanding IN list is re-rendered for every length, which
cost more than the lookups themselves on the per-poll path."""

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


def list_param(conn: Connection, values: Sequence[Any]) -> Any:
    """The list as that engine's parameter."""
    return json.dumps(list(values)) if conn.dialect.name == "sqlite" else list(values)
