"""``tokobot backup PATH``: a consistent copy of the SQLite database, taken while tokobot runs.

SQLite's online backup API copies page by page under a read transaction, so writes of the
running bot (WAL mode) neither block it nor tear the copy. It runs in a worker thread: the
copy of a large file must not hold up anything else on the event loop. PostgreSQL has
``pg_dump`` for this; the command prints the line to run.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """Why no copy was written, in words for the operator."""


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for other databases."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("DATABASE_URL is an in-memory SQLite database: there is nothing to copy")
    return Path(url.database)


def pg_dump_command(database_url: str, target: Path) -> str:
    """The pg_dump line for a PostgreSQL URL, without its password (use PGPASSWORD)."""
    given = make_url(database_url)
    plain = URL.create(
        "postgresql",
        username=given.username,
        host=given.host,
        port=given.port,
        database=given.database,
    ).render_as_string(hide_password=False)
    return shlex.join(["pg_dump", "--format=custom", f"--file={target}", plain])


def _copy(source: Path, target: Path) -> int:
    if not source.is_file():
        raise BackupError(f"no database file at {source}")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new name")
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    read_only = f"{source.resolve().as_uri()}?mode=ro"
    with (
        contextlib.closing(sqlite3.connect(read_only, uri=True)) as src,
        contextlib.closing(sqlite3.connect(partial)) as dst,
    ):
        src.backup(dst)
    partial.replace(target)  # a half-written copy never carries the final name
    return target.stat().st_size


async def backup_sqlite(source: Path, target: Path) -> int:
    """Copy ``source`` to ``target`` (which must not exist); returns the copy's size."""
    return await asyncio.to_thread(_copy, source, target)
