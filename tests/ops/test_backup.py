"""`tokobot backup PATH`: a consistent SQLite copy while tokobot writes; pg_dump for PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing

import pytest

from bot.cli import main
from bot.ops.backup import BackupError, backup_sqlite, pg_dump_command, sqlite_file
from tests.harness import SHOP_ID, harness


def _rows(path) -> tuple[str, int]:
    with closing(sqlite3.connect(path)) as db:
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
        count = db.execute("SELECT count(*) FROM inbox_event").fetchone()[0]
    return check, count


async def test_a_copy_taken_while_webhooks_arrive_is_whole(sqlite_url, tmp_path):
    """Every event acknowledged before the copy is in it, and the file checks out."""
    async with harness(sqlite_url) as h:
        for _ in range(20):
            order = h.sandbox.add_order(SHOP_ID)
            await h.webhook("order_notification", order["order_id"])

        async def more() -> None:
            for _ in range(20):
                order = h.sandbox.add_order(SHOP_ID)
                await h.webhook("order_notification", order["order_id"])

        writer = asyncio.create_task(more())
        target = tmp_path / "copy.db"
        size = await backup_sqlite(sqlite_file(sqlite_url), target)
        await writer
    check, count = _rows(target)
    assert check == "ok"
    assert 20 <= count <= 40
    assert size == target.stat().st_size
    assert not (tmp_path / "copy.db.partial").exists()


async def test_an_existing_file_is_never_overwritten(sqlite_url, tmp_path):
    async with harness(sqlite_url):
        target = tmp_path / "keep.db"
        target.write_bytes(b"precious")
        with pytest.raises(BackupError, match="exists already"):
            await backup_sqlite(sqlite_file(sqlite_url), target)
    assert target.read_bytes() == b"precious"


def test_memory_databases_and_postgresql_are_named():
    with pytest.raises(BackupError, match="in-memory"):
        sqlite_file("sqlite+aiosqlite:///:memory:")
    url = "postgresql+asyncpg://tokobot:pa55word@db:5432/tokobot"
    assert sqlite_file(url) is None
    command = pg_dump_command(url, tmp := __import__("pathlib").Path("/backups/t.dump"))
    assert command == f"pg_dump --format=custom --file={tmp} postgresql://tokobot@db:5432/tokobot"
    assert "pa55word" not in command


def test_the_command_prints_the_pg_dump_line(monkeypatch, tmp_path, capsys):
    """With PostgreSQL nothing is copied; the command says what to run instead."""
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "TELEGRAM_BOT_TOKEN": "1:abc",
        "TELEGRAM_CHAT_ID": "-100111",
        "MARKETPLACES": "tiktokshop",
        "TIKTOKSHOP_APP_KEY": "k",
        "TIKTOKSHOP_APP_SECRET": "s",
        "TIKTOKSHOP_SERVICE_ID": "1",
        "DATABASE_URL": "postgresql://tokobot:pw@127.0.0.1/tokobot",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["backup", str(tmp_path / "t.dump")]) == 0
    out = capsys.readouterr().out
    assert "pg_dump --format=custom" in out
    assert "pw@" not in out
    assert not (tmp_path / "t.dump").exists()
