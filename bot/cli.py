"""The ``tokobot`` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bot import logs
from bot.config import Settings, describe_errors
from bot.ops.commands import add_commands, preflight_or_exit


def _settings_or_exit() -> Settings:
    try:
        # pydantic-settings fills the required fields from the environment and .env.
        return Settings()  # type: ignore[call-arg,unused-ignore]
    except ValidationError as exc:
        print("tokobot: the configuration is incomplete or invalid:", file=sys.stderr)  # noqa: T201
        for line in describe_errors(exc):
            print(f"  {line}", file=sys.stderr)  # noqa: T201
        print("See README.md, section Configuration, or .env.example.", file=sys.stderr)  # noqa: T201
        raise SystemExit(2) from None


def _logging(verbose: bool, settings: Settings | None = None) -> None:
    """Text or JSON lines (LOG_FORMAT), with every secret redacted (bot.logs)."""
    log_format = settings.log_format if settings else os.environ.get("LOG_FORMAT", "text")
    logs.setup(
        level=logging.DEBUG if verbose else logging.INFO,
        json_lines=log_format == "json",
        settings=settings,
    )


def _run(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    _logging(args.verbose, settings)
    preflight_or_exit(settings)
    from bot.app import run  # noqa: PLC0415 - keeps `tokobot --help` fast and settings-free
    from bot.relay import crashpoints  # noqa: PLC0415

    crashpoints.arm_from_environment()  # test hooks; nothing unless a test set them
    return asyncio.run(run(settings))


def _sandbox(args: argparse.Namespace) -> int:
    _logging(args.verbose)
    from bot.sandbox.tokopedia import demo_state, serve  # noqa: PLC0415

    print(f"Tokopedia sandbox on http://{args.host}:{args.port}")  # noqa: T201
    asyncio.run(serve(demo_state(), host=args.host, port=args.port))
    return 0


def _demo(args: argparse.Namespace) -> int:
    _logging(args.verbose)
    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)  # the demo prints one line, not a log
    from bot.demo.run import DemoOptions, main  # noqa: PLC0415

    return main(DemoOptions(Path.cwd(), port=args.port, fresh=args.fresh, topics=args.topics))


def _migrate(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    _logging(args.verbose, settings)
    from storage.db import make_engine, upgrade  # noqa: PLC0415

    async def go() -> None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(go())
    print("database is up to date")  # noqa: T201
    return 0


def _tiktokshop_authorize(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    _logging(args.verbose, settings)
    if "tiktokshop" not in settings.marketplaces:
        print("tokobot: add tiktokshop to MARKETPLACES first.", file=sys.stderr)  # noqa: T201
        return 2
    from bot.app import oauth_secret, runtime  # noqa: PLC0415
    from bot.clock import system_clock  # noqa: PLC0415
    from bot.http.oauth import make_state  # noqa: PLC0415
    from bot.marketplaces import Authorizing  # noqa: PLC0415

    async def link() -> str:
        async with runtime(settings) as rt:
            marketplace = rt.services.marketplaces["tiktokshop"]
            assert isinstance(marketplace, Authorizing)
            state = make_state(oauth_secret(settings, "tiktokshop"), system_clock())
            return marketplace.authorize_url(state)

    url = asyncio.run(link())
    base = settings.public_url.rstrip("/") or "https://<your-domain>"
    print("Send this link to the shop owner (valid 24 hours, single use):")  # noqa: T201
    print(url)  # noqa: T201
    print(f"Redirect URL to set in Partner Center: {base}/oauth/tiktokshop/callback")  # noqa: T201
    return 0


def _events(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    _logging(args.verbose, settings)
    from bot.clock import system_clock  # noqa: PLC0415
    from bot.relay.events import list_events, retry_events  # noqa: PLC0415
    from storage.db import make_engine, make_sessionmaker, upgrade  # noqa: PLC0415

    retry = getattr(args, "events_command", None) == "retry"
    if retry and (args.event_id is None) == (not args.all):
        print("tokobot events retry: give one event ID or --all", file=sys.stderr)  # noqa: T201
        return 2

    async def go() -> list[str]:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
            sessions = make_sessionmaker(engine)
            if not retry:
                return await list_events(sessions, settings.zone)
            count = await retry_events(sessions, system_clock(), args.event_id)
            return [f"{count} event(s) due now; the running bot delivers them"]
        finally:
            await engine.dispose()

    for line in asyncio.run(go()):
        print(line)  # noqa: T201
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="tokobot",
        description="Relay marketplace chats and orders to a Telegram staff group.",
    )
    top.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="run the bot and its webhook server")
    run.set_defaults(handler=_run)
    demo = commands.add_parser(
        "demo", help="try tokobot with no accounts: fake Telegram and Tokopedia, and a web page"
    )
    demo.add_argument("--port", type=int, default=8080, help="the demo page's port (0: any)")
    demo.add_argument("--fresh", action="store_true", help="forget the previous demo session")
    demo.add_argument("--topics", action="store_true", help="one forum topic per buyer")
    demo.set_defaults(handler=_demo)
    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(handler=_migrate)
    sandbox = commands.add_parser(
        "sandbox", help="run the Tokopedia Open Platform simulator (for tests and trials)"
    )
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=9000)
    sandbox.set_defaults(handler=_sandbox)
    events = commands.add_parser("events", help="list events waiting or parked; replay them")
    events.set_defaults(handler=_events)
    events_commands = events.add_subparsers(dest="events_command", metavar="ACTION")
    retry = events_commands.add_parser("retry", help="deliver a parked or waiting event now")
    retry.add_argument("event_id", nargs="?", type=int, metavar="ID", help="the event's id")
    retry.add_argument("--all", action="store_true", help="every pending and parked event")
    retry.set_defaults(handler=_events)
    tiktokshop = commands.add_parser(
        "tiktokshop", help="Tokopedia & Shop (TikTok Shop Partner API) seller authorization"
    )
    tts_commands = tiktokshop.add_subparsers(dest="tts_command", required=True, metavar="ACTION")
    authorize = tts_commands.add_parser(
        "authorize", help="print the link a shop owner opens to connect their shop"
    )
    authorize.set_defaults(handler=_tiktokshop_authorize)
    add_commands(commands, tts_commands, _settings_or_exit)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
