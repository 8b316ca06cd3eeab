"""Registering tokobot's webhook addresses with the marketplaces.

Tokopedia: one registration per app (``POST /v1/fs/{fs_id}/register``), which replaces the
whole set, so the client reads and merges first. Tokopedia & Shop: Partner Center holds one
address per app with ticked topics; the Event API can also subscribe each connected shop per
event type (``PUT /event/202309/webhooks``), which is what this does, after printing what to
enter in Partner Center.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping

import httpx

from bot.config import Settings
from bot.marketplaces.tiktokshop import TikTokShopError
from bot.marketplaces.tokopedia import TokopediaError
from bot.ops.marketplaces import (
    TIKTOKSHOP_EVENTS,
    TOKOPEDIA_ROUTES,
    https_problem,
    tiktokshop_address,
    tokopedia_urls,
)
from bot.ops.parts import parts, secret

Out = Callable[[str], None]


def _show(out: Out, title: str, current: Mapping[str, object], secret_ok: bool) -> None:
    out(title)
    for field in TOKOPEDIA_ROUTES:
        out(f"  {field}: {current.get(field) or '(empty)'}")
    out(f"  webhook_secret: {'TOKOPEDIA_WEBHOOK_SECRET' if secret_ok else 'another value'}")


def _secret_ok(current: Mapping[str, object], settings: Settings) -> bool:
    registered = str(current.get("webhook_secret") or "").encode()
    return hmac.compare_digest(registered, secret(settings.tokopedia_webhook_secret).encode())


async def register_tokopedia(
    settings: Settings,
    out: Out,
    *,
    check: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Print the registration, then (unless ``check``) register tokobot's five URLs.

    Returns 0 when the registration is (now) what tokobot expects, 1 when it differs or the
    marketplace failed, 2 when PUBLIC_URL cannot be used.
    """
    problem = https_problem(settings)
    if problem:
        out(f"tokobot: {problem}. Nothing was registered.")
        return 2
    wanted = tokopedia_urls(settings)
    async with parts(settings, transport=transport) as p:
        client = p.tokopedia()
        try:
            current = (await client.get_app_info()).model_dump()
            secret_ok = _secret_ok(current, settings)
            _show(out, "Registered now:", current, secret_ok)
            differs = [field for field, url in wanted.items() if current.get(field) != url]
            if not differs and secret_ok:
                out("Tokopedia already calls tokobot's routes; nothing to do.")
                return 0
            if check:
                out(
                    f"Differs from tokobot's routes under {settings.public_url}: "
                    + ", ".join([*differs, *([] if secret_ok else ["webhook_secret"])])
                )
                out("Run `tokobot tokopedia register-webhooks` to register them.")
                return 1
            await client.register_webhooks(
                secret=secret(settings.tokopedia_webhook_secret), **wanted
            )
            after = (await client.get_app_info()).model_dump()
        except TokopediaError as exc:
            out(f"tokobot: Tokopedia answered: {exc}")
            return 1
    after_secret_ok = _secret_ok(after, settings)
    _show(out, "Registered after:", after, after_secret_ok)
    if any(after.get(field) != url for field, url in wanted.items()) or not after_secret_ok:
        out("tokobot: Tokopedia did not keep the registration; try again or ask its support.")
        return 1
    return 0


def partner_center_steps(settings: Settings, out: Out) -> None:
    """What to enter in Partner Center (App → Webhooks), whatever the Event API allows."""
    out("In Partner Center (your app, Webhook section):")
    out(f"  Webhook URL: {tiktokshop_address(settings)}")
    out("  Tick these event types:")
    for event in TIKTOKSHOP_EVENTS:
        out(f"    {event}")


async def register_tiktokshop(
    settings: Settings,
    out: Out,
    *,
    check: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Print the Partner Center steps, then subscribe each connected shop via the Event API."""
    problem = https_problem(settings)
    if problem:
        out(f"tokobot: {problem}. Nothing was registered.")
        return 2
    partner_center_steps(settings, out)
    address = tiktokshop_address(settings)
    code = 0
    async with parts(settings, transport=transport) as p:
        client = p.tiktokshop()
        stored = await client.tokens.all()
        if not stored:
            out("No shop is connected yet: run `tokobot tiktokshop authorize` first.")
            return 1
        for creds in stored:
            shop = creds.name or creds.shop_id
            try:
                hooks = {
                    h.event_type: h.address for h in await client.get_shop_webhooks(creds.shop_id)
                }
                missing = [event for event in TIKTOKSHOP_EVENTS if hooks.get(event) != address]
                out(
                    f"Shop {shop} now: "
                    + (
                        ", ".join(
                            f"{event} -> {hooks.get(event) or '(none)'}"
                            for event in TIKTOKSHOP_EVENTS
                        )
                    )
                )
                if not missing:
                    out(f"Shop {shop}: every event type already goes to tokobot.")
                    continue
                if check:
                    out(f"Shop {shop}: not sent to tokobot: {', '.join(missing)}")
                    code = 1
                    continue
                for event in missing:
                    await client.update_shop_webhook(creds.shop_id, event, address)
                after = {
                    h.event_type: h.address for h in await client.get_shop_webhooks(creds.shop_id)
                }
            except TikTokShopError as exc:
                out(f"Shop {shop}: TikTok Shop answered: {exc}")
                code = 1
                continue
            still = [event for event in TIKTOKSHOP_EVENTS if after.get(event) != address]
            out(
                f"Shop {shop} after: "
                + (
                    "all event types go to tokobot"
                    if not still
                    else "still missing " + ", ".join(still)
                )
            )
            code = code or (1 if still else 0)
    return code
