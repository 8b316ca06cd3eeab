"""Dialect-specific statements shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def dialect(session: AsyncSession) -> str:
    bind = session.get_bind()
    return bind.dialect.name


def insert_ignoring_conflicts(
    session: AsyncSession, table: Any, values: Any, key: list[str]
) -> Any:
    """``INSERT ... ON CONFLICT (key) DO NOTHING`` on SQLite and PostgreSQL alike."""
    insert = pg_insert if dialect(session) == "postgresql" else sqlite_insert
    return insert(table).values(values).on_conflict_do_nothing(index_elements=key)
