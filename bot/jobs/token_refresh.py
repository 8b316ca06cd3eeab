"""Token renewal: each marketplace refreshes its credentials before staff actions need them."""

from __future__ import annotations

from datetime import datetime

from bot.context import Services


async def refresh_tokens(services: Services, now: datetime) -> None:
    """Renew marketplace tokens that are due; a failure raises (and is reported once)."""
    del now
    for marketplace in services.marketplaces.values():
        await marketplace.refresh_credentials()
