"""The operator subcommands of ``tokobot``: doctor, webhook registration and backup.

``bot.cli`` hands over its subparsers and its way of reading settings; the handlers print for
a person and return the exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.config import Settings, describe_errors

LoadSettings = Callable[[], Settings]
Subparsers = Any  # argparse's _SubParsersAction is private


def _say(line: str) -> None:
    print(line)  # noqa: T201 - these commands talk to a person at a terminal


def preflight_or_exit(settings: Settings) -> None:
    """What ``tokobot run`` checks before starting: no dummy values, a database, a token."""
    from bot.ops.doctor import preflight  # noqa: PLC0415 - keeps `tokobot --help` fast

    report = asyncio.run(preflight(settings))
    if report.passed:
        return
    print("tokobot: cannot start:", file=sys.stderr)  # noqa: T201
    for line in report.lines():
        print(f"  {line}", file=sys.stderr)  # noqa: T201
    print("Run `tokobot doctor` for every check.", file=sys.stderr)  # noqa: T201
    raise SystemExit(2)


def add_commands(commands: Subparsers, tiktokshop: Subparsers, load: LoadSettings) -> None:
    """Register ``doctor``, ``backup``, ``tokopedia register-webhooks`` and the TikTok one."""

    def doctor(_args: argparse.Namespace) -> int:
        from bot.ops.doctor import diagnose  # noqa: PLC0415

        try:
            settings = Settings()  # type: ignore[call-arg,unused-ignore]
        except ValidationError as exc:
            for problem in describe_errors(exc):
                _say(f"✗ settings: {problem}")
            _say("– everything else: skipped until the settings are valid (see .env.example)")
            return 1
        report = asyncio.run(diagnose(settings))
        for line in report.lines():
            _say(line)
        _say("All checks passed." if report.passed else "Some checks failed; see ✗ above.")
        return 0 if report.passed else 1

    def tokopedia_register(args: argparse.Namespace) -> int:
        from bot.ops.webhooks import register_tokopedia  # noqa: PLC0415

        return asyncio.run(register_tokopedia(load(), _say, check=args.check))

    def tiktokshop_register(args: argparse.Namespace) -> int:
        from bot.ops.webhooks import register_tiktokshop  # noqa: PLC0415

        return asyncio.run(register_tiktokshop(load(), _say, check=args.check))

    def backup(args: argparse.Namespace) -> int:
        from bot.ops.backup import (  # noqa: PLC0415
            BackupError,
            backup_sqlite,
            pg_dump_command,
            sqlite_file,
        )

        settings = load()
        target = Path(args.path)
        try:
            source = sqlite_file(settings.database_url)
            if source is None:
                _say("tokobot keeps its data in PostgreSQL; back it up with pg_dump:")
                _say(f"  {pg_dump_command(settings.database_url, target)}")
                _say("(give the password through PGPASSWORD or ~/.pgpass)")
                return 0
            size = asyncio.run(backup_sqlite(source, target))
        except BackupError as exc:
            print(f"tokobot: {exc}", file=sys.stderr)  # noqa: T201
            return 1
        _say(f"copied {source} to {target} ({size:,} bytes)")
        return 0

    commands.add_parser(
        "doctor", help="check settings, database, Telegram and the marketplaces end to end"
    ).set_defaults(handler=doctor)
    copy = commands.add_parser(
        "backup", help="copy the SQLite database while tokobot runs (PostgreSQL: pg_dump line)"
    )
    copy.add_argument("path", help="the new file to write (must not exist)")
    copy.set_defaults(handler=backup)
    tokopedia = commands.add_parser("tokopedia", help="Tokopedia Open Platform set-up")
    tokopedia_commands = tokopedia.add_subparsers(
        dest="tokopedia_command", required=True, metavar="ACTION"
    )
    for parent, handler, what in (
        (tokopedia_commands, tokopedia_register, "Tokopedia's five webhook URLs"),
        (tiktokshop, tiktokshop_register, "each connected shop's Event API subscriptions"),
    ):
        register = parent.add_parser(
            "register-webhooks", help=f"point {what} at PUBLIC_URL (prints before and after)"
        )
        register.add_argument(
            "--check", action="store_true", help="only compare; exit 1 when they differ"
        )
        register.set_defaults(handler=handler)
