"""How a job posts to the staff group: through the relay's ``Sender``, at most once per key.

"Once" is a ``notice`` row claimed before sending, so a restart never repeats a reminder or a
summary.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.context import Services
from bot.relay.pacer import Lane
from bot.render.base import Rendered
from storage import notices


async def post(
    services: Services,
    rendered: Rendered,
    *,
    marketplace: str = "",
    shop_id: str = "",
    reply_to: int | None = None,
    thread_id: int | None = None,
    chat_id: int | None = None,
) -> None:
    """Post to ``chat_id``, else to the shop's group (the main group when there is no shop).

    Reminders and summaries are the budget's lowest lane: they yield to staff outcomes, new
    orders and buyer messages while a backlog is worked off (``bot.relay.pacer.Lane``).
    """
    await services.sender.send(
        services.groups.group_for(marketplace, shop_id) if chat_id is None else chat_id,
        rendered,
        marketplace=marketplace,
        shop_id=shop_id,
        reply_to=reply_to,
        thread_id=thread_id,
        bulk=Lane.LOW,
    )


async def once(services: Services, key: str, send: Callable[[], Awaitable[None]]) -> bool:
    """Send at most once per key, across restarts; a failed send may be tried again."""
    async with services.sessions() as session, session.begin():
        if not await notices.claim_notice(session=session, key=key, now=services.clock()):
            return False
    try:
        await send()
    except BaseException:
        async with services.sessions() as session, session.begin():
            await notices.forget_notice(session=session, key=key)
        raise
    return True
