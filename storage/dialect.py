"""Statements and execution helpers the repositories share, alike on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, Insert, Table, inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel


def dialect(session: AsyncSession) -> str:
    bind = session.get_bind()
    return bind.dialect.name


@functools.cache
def _ignoring(table: Any, key: tuple[str, ...], name: str) -> Insert:
    # Built once per table: compiling a fresh statement per write cost the webhook path
    # more than the write itself (bench/, ingest).
    insert = pg_insert if name == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=list(key))


def ignoring_conflicts(session: AsyncSession, table: Any, key: tuple[str, ...]) -> Insert:
    """``INSERT ... ON CONFLICT (key) DO NOTHING`` for SQLite and PostgreSQL alike.

    Run it with a list of row dicts for an executemany, or add ``.values(...)``.
    """
    return _ignoring(table, key, dialect(session))


def insert_ignoring_conflicts(
    session: AsyncSession, table: Any, values: Any, key: list[str]
) -> Any:
    """One conflict-tolerant insert of ``values``."""
    return ignoring_conflicts(session, table, tuple(key)).values(values)


def table_of(model: type[SQLModel]) -> Table:
    """The ``Table`` behind a table model, for Core statements built once."""
    table = inspect(model).local_table
    assert isinstance(table, Table)
    return table


async def count_changed(session: AsyncSession, statement: Executable) -> int:
    """Run an INSERT, UPDATE or DELETE and return how many rows it changed."""
    result = await session.execute(statement)
    # A statement that returns no rows always yields a CursorResult; execute() is typed for
    # the general case, so the narrowing is stated here once rather than at every caller.
    return cast(CursorResult[Any], result).rowcount
