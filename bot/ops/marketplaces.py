"""Marketplace checks for ``tokobot doctor``, and the webhook addresses tokobot serves.

Tokopedia: the credentials obtain a token, and the registered webhook URLs (and secret) are
tokobot's routes under PUBLIC_URL. Tokopedia & Shop (TikTok Shop): each connected shop is
still authorized, with its token expiry, and its Event API subscriptions point at tokobot.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.marketplaces.tiktokshop import TikTokShopClient, TikTokShopError
from bot.marketplaces.tokopedia import AuthError, TokopediaError
from bot.ops.parts import Parts, secret
from bot.ops.report import Report

# Registration field -> tokobot's route under /webhooks/tokopedia/ (docs/tokopedia-api.md §4.1).
TOKOPEDIA_ROUTES = {
    "chat_notification_url": "chat",
    "order_notification_url": "order",
    "order_status_url": "order-status",
    "order_cancellation_url": "order-cancellation",
    "order_request_cancellation_url": "order-request-cancellation",
}
# The Event API names of the topics tokobot handles (webhook types 1, 11, 12, 14, 6, 7).
TIKTOKSHOP_EVENTS = (
    "ORDER_STATUS_CHANGE",
    "CANCELLATION_STATUS_CHANGE",
    "RETURN_STATUS_CHANGE",
    "NEW_MESSAGE",
    "SELLER_DEAUTHORIZATION",
    "UPCOMING_AUTHORIZATION_EXPIRATION",
)


def public_base(settings: Settings) -> str:
    return settings.public_url.rstrip("/")


def tokopedia_urls(settings: Settings) -> dict[str, str]:
    """The five URLs Tokopedia must call, built from PUBLIC_URL."""
    base = public_base(settings)
    return {field: f"{base}/webhooks/tokopedia/{name}" for field, name in TOKOPEDIA_ROUTES.items()}


def tiktokshop_address(settings: Settings) -> str:
    return f"{public_base(settings)}/webhooks/tiktokshop"


def https_problem(settings: Settings) -> str | None:
    """Why PUBLIC_URL cannot receive marketplace webhooks, or None."""
    if not settings.public_url:
        return "PUBLIC_URL is not set: set it to tokobot's public https address"
    if not settings.public_url.startswith("https://"):
        return "PUBLIC_URL must start with https:// (marketplaces call only HTTPS addresses)"
    return None


async def check_marketplaces(p: Parts, report: Report, *, database_ready: bool) -> None:
    for name in p.settings.marketplaces:
        if name == "tokopedia":
            await check_tokopedia(p, report)
        elif name == "tiktokshop":
            if not database_ready:
                report.skip("tokopedia & shop", "the connected shops live in the database")
                continue
            await check_tiktokshop(p, report)


async def check_tokopedia(p: Parts, report: Report) -> None:
    settings = p.settings
    client = p.tokopedia()
    try:
        registered = await client.get_app_info()
    except AuthError:
        report.fail(
            "tokopedia credentials",
            "Tokopedia refused TOKOPEDIA_CLIENT_ID / TOKOPEDIA_CLIENT_SECRET; copy them from "
            "Authentication Management in the developer console",
        )
        report.skip("tokopedia webhooks", "no token")
        return
    except TokopediaError as exc:
        report.fail("tokopedia credentials", f"token obtained, but List Webhooks failed: {exc}")
        report.skip("tokopedia webhooks", "cannot read the registration")
        return
    report.ok("tokopedia credentials", f"token obtained for app {settings.tokopedia_app_id}")
    problem = https_problem(settings)
    if problem:
        report.fail("tokopedia webhooks", problem)
        return
    current = registered.model_dump()
    wrong = [
        f"{field} is {current.get(field) or 'empty'}"
        for field, url in tokopedia_urls(settings).items()
        if current.get(field) != url
    ]
    registered_secret = str(current.get("webhook_secret") or "")
    if not hmac.compare_digest(
        registered_secret.encode(), secret(settings.tokopedia_webhook_secret).encode()
    ):
        wrong.append("the registered secret is not TOKOPEDIA_WEBHOOK_SECRET")
    if wrong:
        report.fail(
            "tokopedia webhooks",
            "; ".join(wrong) + ". Run `tokobot tokopedia register-webhooks`",
        )
        return
    report.ok("tokopedia webhooks", f"all five registered under {public_base(settings)}")


def _when(timestamp: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(timestamp, zone).strftime("%Y-%m-%d %H:%M")


async def check_tiktokshop(p: Parts, report: Report) -> None:
    settings = p.settings
    client = p.tiktokshop()
    stored = await client.tokens.all()
    if not stored:
        report.fail(
            "tokopedia & shop",
            "no shop connected: run `tokobot tiktokshop authorize` and send the link to the "
            "shop owner",
        )
        return
    now = p.clock().timestamp()
    for creds in stored:
        label = f"tokopedia & shop {creds.name or creds.shop_id}"
        try:
            fresh = await client.tokens.current(creds.shop_id, client.refresh_grant)
            shops = await client.get_authorized_shops(fresh.access_token)
        except TikTokShopError as exc:
            report.fail(
                label,
                f"{exc}. Check TIKTOKSHOP_APP_KEY / TIKTOKSHOP_APP_SECRET; if they are right, "
                "run `tokobot tiktokshop authorize` again for this shop",
            )
            continue
        if fresh.shop_id not in {shop.id for shop in shops}:
            report.fail(label, "no longer authorized: run `tokobot tiktokshop authorize` again")
            continue
        until = _when(fresh.access_token_expire_in, settings.zone)
        grant = fresh.refresh_token_expire_in
        ends = f", authorization until {_when(grant, settings.zone)}" if grant else ""
        if grant and grant < now:
            report.fail(label, "the authorization ended: run `tokobot tiktokshop authorize`")
            continue
        report.ok(label, f"authorized; access token until {until}{ends} (renewed by tokobot)")
        await _check_subscriptions(client, settings, fresh.shop_id, label, report)


async def _check_subscriptions(
    client: TikTokShopClient, settings: Settings, shop_id: str, label: str, report: Report
) -> None:
    name = f"{label} webhooks"
    problem = https_problem(settings)
    if problem:
        report.fail(name, problem)
        return
    try:
        hooks = await client.get_shop_webhooks(shop_id)
    except TikTokShopError as exc:
        report.skip(name, f"the Event API answered {exc}; check Partner Center by hand")
        return
    address = tiktokshop_address(settings)
    subscribed = {hook.event_type: hook.address for hook in hooks}
    wrong = [event for event in TIKTOKSHOP_EVENTS if subscribed.get(event) != address]
    if wrong:
        report.fail(
            name,
            f"{', '.join(wrong)} not sent to {address}: run `tokobot tiktokshop "
            "register-webhooks`, or tick them in Partner Center",
        )
        return
    report.ok(name, f"{len(TIKTOKSHOP_EVENTS)} event types sent to {address}")
