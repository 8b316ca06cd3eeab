"""How a job posts to the staff group: through the relay's ``Sender``, at most once per key.

"Once" is a ``notice`` row claimed before sending, so a restart never repeats a reminder or a
summary. A merged reminder stands for several: all of its keys are claimed together, in one
transaction, and all are forgotten together if the send fails, so nothing is lost either.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence

from bot.context import Services
from bot.relay.pacer import GroupPacer, Lane
from bot.render.base import Rendered
from storage import notices

# More reminders than this due in one group at once are merged even when the budget has
# room: a dozen separate pings bury the chats and orders staff are working on.
MERGE_ABOVE = 3


async def post(
    services: Services,
    rendered: Rendered,
    *,
    marketplace: str = "",
    shop_id: str = "",
    reply_to: int | None = None,
    thread_id: int | None = None,
    chat_id: int | None = None,
    scopes: Mapping[str, tuple[str, str]] | None = None,
) -> None:
    """Post to ``chat_id``, else to the shop's group (the main group when there is no shop).

    Reminders and summaries are the budget's lowest lane: they yield to staff outcomes, new
    orders and buyer messages while a backlog is worked off (``bot.relay.pacer.Lane``).
    ``scopes`` gives buttons of other shops their own (marketplace, shop_id), as in a merged
    reminder listing several shops.
    """
    await services.sender.send(
        services.groups.group_for(marketplace, shop_id) if chat_id is None else chat_id,
        rendered,
        marketplace=marketplace,
        shop_id=shop_id,
        reply_to=reply_to,
        thread_id=thread_id,
        bulk=Lane.LOW,
        scopes=scopes,
    )


async def once(
    services: Services, key: str | Sequence[str], send: Callable[[], Awaitable[None]]
) -> bool:
    """Send at most once per key, across restarts; a failed send may be tried again.

    With several keys (a merged message) they are claimed in one transaction, and if any was
    claimed already none is, and nothing is sent: the others go in a later tick.
    """
    keys = [key] if isinstance(key, str) else list(key)
    if not await _claim(services, keys):
        return False
    try:
        await send()
    except BaseException:
        async with services.sessions() as session, session.begin():
            for one in keys:
                await notices.forget_notice(session=session, key=one)
        raise
    return True


async def _claim(services: Services, keys: Sequence[str]) -> bool:
    """Claim every key, or (one was claimed meanwhile, by another process) none of them."""
    async with services.sessions() as session:
        for key in keys:
            if not await notices.claim_notice(session=session, key=key, now=services.clock()):
                await session.rollback()
                return False
        await session.commit()
    return True


async def unsent(services: Services, keys: Sequence[str]) -> set[str]:
    """The keys not claimed yet: an order stays due for a whole offset, sent or not."""
    async with services.sessions() as session:
        return {key for key in keys if not await notices.was_sent(session=session, key=key)}


def low_room(services: Services, chat_id: int) -> int:
    """How many reminders the group's budget could carry one by one right now."""
    pacer = services.sender.bot.rate_limiter
    if not isinstance(pacer, GroupPacer):
        return sys.maxsize  # nothing paces this bot: every reminder fits
    # The low lane leaves ``low_reserve`` slots of the window to the lanes above it.
    return max(0, pacer.free_slots(services.sender.chat(chat_id), bulk=False) - pacer.low_reserve)


def should_merge(services: Services, chat_id: int, due: int) -> bool:
    """Merge a group's due reminders when they are many, or more than its budget has room for.

    A few on a quiet day go out one by one, as before, each replying to what it reminds of.
    """
    if due <= 1:
        return False
    return due > MERGE_ABOVE or low_room(services, chat_id) < due
