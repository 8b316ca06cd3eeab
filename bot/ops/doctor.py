"""``tokobot doctor``: check a deployment end to end, one line per check.

✓ passed, ✗ failed (with the fix in words), a dash: skipped (because an earlier check failed or
the check does not apply). The command exits 0 only when nothing failed. The checks only
read, except that a TikTok Shop token found due is renewed and stored as ``tokobot run``
would do it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.config import REQUIRED, Settings
from bot.ops.marketplaces import check_marketplaces
from bot.ops.parts import parts, secret
from bot.ops.report import Report
from storage.db import MIGRATIONS, ping
from storage.shops import all_shops

# The dummy values of .env.example: a deployment still holding one was not configured
# (tests/ops/test_doctor.py keeps this list equal to the file).
PLACEHOLDERS: dict[str, object] = {
    "telegram_bot_token": "123456789:replace-with-your-bot-token",
    "telegram_chat_id": -1001234567890,
    "tokopedia_app_id": 12345,
    "tokopedia_client_id": "replace-with-client-id",
    "tokopedia_client_secret": "replace-with-client-secret",
    "tokopedia_webhook_secret": "replace-with-webhook-secret",
    "tiktokshop_app_key": "replace-with-app-key",
    "tiktokshop_app_secret": "replace-with-app-secret",
    "tiktokshop_service_id": "replace-with-service-id",
    "public_url": "https://tokobot.example.com",
}


def placeholders(settings: Settings) -> list[str]:
    """The settings in use still holding .env.example's dummy value (names, never values)."""
    unused = {
        field
        for marketplace, fields in REQUIRED.items()
        if marketplace not in settings.marketplaces
        for field in fields
    }
    found = []
    for name, dummy in PLACEHOLDERS.items():
        if name in unused:
            continue
        value = getattr(settings, name)
        value = secret(value) if hasattr(value, "get_secret_value") else value
        if value == dummy:
            found.append(name.upper())
    return found


def check_settings(settings: Settings, report: Report) -> bool:
    dummies = placeholders(settings)
    if dummies:
        report.fail(
            "settings",
            f"{', '.join(dummies)} still hold the example value from .env.example; "
            "put in your own (README, Getting the credentials)",
        )
        return False
    report.ok("settings", f"valid; marketplaces: {', '.join(settings.marketplaces)}")
    return True


def _revisions(connection: Connection) -> tuple[set[str], set[str]]:
    current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    return current, heads


async def check_database(settings: Settings, engine: AsyncEngine, report: Report) -> bool:
    # Connecting would create an empty SQLite file; a missing one is news for the operator.
    path = engine.url.database
    local = engine.url.get_backend_name() == "sqlite" and path and path != ":memory:"
    if local and not await asyncio.to_thread(Path(str(path)).is_file):
        report.fail(
            "database",
            f"no database file at {path} yet: run `tokobot migrate` (or check DATABASE_URL)",
        )
        return False
    if not await ping(engine):
        report.fail(
            "database",
            "cannot connect with DATABASE_URL; is the server running, the address, user "
            "and password right, the directory writable?",
        )
        return False
    async with engine.connect() as connection:
        current, heads = await connection.run_sync(_revisions)
    if current != heads:
        state = "empty" if not current else "behind"
        report.fail("database", f"reachable but its schema is {state}: run `tokobot migrate`")
        return False
    report.ok("database", f"reachable, schema at the latest revision ({', '.join(heads)})")
    return True


class _BotApi:
    """Bare Bot API calls: the token stays in the URL, never in a printed line."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        token = settings.telegram_bot_token.get_secret_value()
        self._base = f"{settings.telegram_api_url.rstrip('/')}/bot{token}"
        self._http = http

    async def call(self, method: str, **params: object) -> tuple[int, Any]:
        """(HTTP status, result or Telegram's description); status 0 when unreachable."""
        try:
            response = await self._http.post(f"{self._base}/{method}", json=params)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            return 0, type(exc).__name__
        if isinstance(body, dict) and body.get("ok"):
            return response.status_code, body.get("result")
        description = body.get("description") if isinstance(body, dict) else None
        return response.status_code, str(description or "no description")


# Rights an administrator of a supergroup may lack; posting and editing its own messages
# come with being an administrator at all.
_RIGHTS = {"can_delete_messages": "delete messages", "can_pin_messages": "pin messages"}


async def check_telegram(settings: Settings, http: httpx.AsyncClient, report: Report) -> None:
    api = _BotApi(http, settings)
    status, me = await api.call("getMe")
    groups = _groups(settings)
    if status == 0:
        report.fail("telegram token", f"cannot reach {settings.telegram_api_url} ({me})")
        for name, _, _ in groups:
            report.skip(name, "Telegram not reachable")
        report.skip("telegram webhook", "Telegram not reachable")
        return
    if status != 200 or not isinstance(me, dict):
        report.fail(
            "telegram token",
            "Telegram refused TELEGRAM_BOT_TOKEN; copy it again from @BotFather (/token)",
        )
        for name, _, _ in groups:
            report.skip(name, "no valid token")
        report.skip("telegram webhook", "no valid token")
        return
    report.ok("telegram token", f"valid, the bot is @{me.get('username')}")
    for name, chat_id, variable in groups:
        await _check_group(settings, api, int(me["id"]), report, name, chat_id, variable)
    await _check_webhook(settings, api, report)


def _groups(settings: Settings) -> list[tuple[str, int, str]]:
    """Every staff group to check: (check name, chat id, the setting that names it)."""
    groups = settings.groups
    found = [("telegram group", groups.main, "TELEGRAM_CHAT_ID")]
    for chat_id in groups.homes[1:]:
        found.append((f"telegram group {chat_id}", chat_id, "SHOP_GROUPS"))
    for chat_id in groups.overflow:
        found.append((f"telegram group {chat_id}", chat_id, "TELEGRAM_OVERFLOW_CHAT_IDS"))
    return found


async def _check_group(
    settings: Settings,
    api: _BotApi,
    bot_id: int,
    report: Report,
    name: str,
    chat_id: int,
    variable: str,
) -> None:
    status, chat = await api.call("getChat", chat_id=chat_id)
    if status != 200 or not isinstance(chat, dict):
        report.fail(
            name,
            f"the bot cannot see chat {chat_id} ({chat}); add the bot to the staff group "
            f"and check {variable}",
        )
        return
    problems: list[str] = []
    if chat.get("type") != "supergroup":
        problems.append(
            f"the chat is a {chat.get('type')}, not a supergroup: in the group settings make "
            "it public once or turn on Topics, which converts it, then use the new id"
        )
    if settings.telegram_topics and not chat.get("is_forum"):
        problems.append("TELEGRAM_TOPICS=1 but the group has Topics off: turn Topics on")
    status, member = await api.call("getChatMember", chat_id=chat_id, user_id=bot_id)
    if status != 200 or not isinstance(member, dict):
        problems.append(f"cannot read the bot's membership ({member})")
    elif member.get("status") not in ("administrator", "creator"):
        problems.append(
            f"the bot is {member.get('status')}, not an admin: make it an admin "
            "(post, edit, delete and pin messages)"
        )
    elif member.get("status") == "administrator":
        needed = dict(_RIGHTS)
        if settings.telegram_topics:
            needed["can_manage_topics"] = "manage topics"
        missing = [what for right, what in needed.items() if not member.get(right)]
        if missing:
            problems.append(f"give the bot the admin right to {', '.join(missing)}")
    title = chat.get("title", chat_id)
    if problems:
        report.fail(name, f"{title}: " + "; ".join(problems))
        return
    topics = ", a forum" if chat.get("is_forum") else ""
    report.ok(name, f"{title}: a supergroup{topics}, the bot is an admin")


async def check_shop_groups(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    report: Report,
    *,
    database_ready: bool,
) -> None:
    """Every shop SHOP_GROUPS names is a shop tokobot knows: a typo would send it to main."""
    listed = settings.groups.shops
    if not listed:
        report.ok("shop groups", "every shop posts to TELEGRAM_CHAT_ID (SHOP_GROUPS is empty)")
        return
    if not database_ready:
        report.skip("shop groups", "the database is not ready")
        return
    async with sessions() as session:
        known = {
            (row.marketplace, row.shop_id): row.name for row in await all_shops(session=session)
        }
    if not known:
        report.skip("shop groups", "no shop known yet; `tokobot run` lists them at start")
        return
    unknown = [f"{m}:{shop}" for m, shop in listed if (m, shop) not in known]
    if unknown:
        shops = ", ".join(f"{m}:{shop} ({name})" for (m, shop), name in sorted(known.items()))
        report.fail(
            "shop groups",
            f"SHOP_GROUPS names {', '.join(unknown)}, which is no connected shop; its messages "
            f"would go to TELEGRAM_CHAT_ID. The shops are: {shops}",
        )
        return
    routes = ", ".join(
        f"{known[key] or key[1]} → {group}" for key, group in sorted(listed.items())
    )
    report.ok("shop groups", routes)


async def _check_webhook(settings: Settings, api: _BotApi, report: Report) -> None:
    status, info = await api.call("getWebhookInfo")
    if status != 200 or not isinstance(info, dict):
        report.fail("telegram webhook", f"getWebhookInfo failed ({info})")
        return
    current = str(info.get("url") or "")
    last_error = str(info.get("last_error_message") or "")
    if not settings.telegram_webhook_url:
        if current:
            report.fail(
                "telegram webhook",
                f"a webhook is set to {current} but TELEGRAM_WEBHOOK_URL is empty (polling); "
                "another deployment may use this token. Stop it, or set TELEGRAM_WEBHOOK_URL",
            )
        else:
            report.ok("telegram webhook", "none set; tokobot polls for updates")
        return
    wanted = f"{settings.telegram_webhook_url.rstrip('/')}/telegram"
    if current and current != wanted:
        report.fail(
            "telegram webhook",
            f"set to {current}, expected {wanted}; another deployment may use this token. "
            "`tokobot run` sets it with the secret at start",
        )
    elif last_error:
        report.fail(
            "telegram webhook",
            f"Telegram reports {last_error!r} delivering to {wanted}; check the HTTPS proxy",
        )
    elif current:
        report.ok("telegram webhook", f"{wanted} (set with the secret by `tokobot run`)")
    else:
        report.ok("telegram webhook", f"not set yet; `tokobot run` sets {wanted} with the secret")


async def diagnose(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = system_clock,
) -> Report:
    """Run every check; ``transport`` carries all outside calls (a test seam)."""
    report = Report()
    check_settings(settings, report)
    async with parts(settings, transport=transport, clock=clock) as p:
        database = await check_database(settings, p.engine, report)
        await check_telegram(settings, p.http, report)
        await check_shop_groups(settings, p.sessions, report, database_ready=database)
        await check_marketplaces(p, report, database_ready=database)
    return report


async def preflight(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> Report:
    """The cheap local subset ``tokobot run`` checks at start: settings, database, token."""
    report = Report()
    check_settings(settings, report)
    async with parts(settings, transport=transport) as p:
        if not await ping(p.engine):
            report.fail("database", "cannot connect with DATABASE_URL; `tokobot doctor` says more")
        status, me = await _BotApi(p.http, settings).call("getMe")
        if status == 0:
            # Unreachable is no reason not to start (issue #14): webhooks are accepted and
            # stored meanwhile, and `tokobot run` keeps retrying Telegram (bot.serving).
            report.skip("telegram token", f"cannot reach {settings.telegram_api_url} now ({me})")
        elif status != 200:
            report.fail(
                "telegram token",
                "Telegram refused TELEGRAM_BOT_TOKEN; copy it again from @BotFather (/token)",
            )
    return report
