"""Which staff group may act on what: a shop's orders and chats belong to its group.

With SHOP_GROUPS, a shop's orders and chats are shown in its own group only, and only that
group (with its overflow groups, and admins in their private chat) may act on them. A press
or a command from another group is refused before anything is claimed or called.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Services
from bot.domain.vocab import ButtonAction
from bot.render.catalogue import t
from bot.staff.common import Result, Status, find_order
from storage import conversations

# Buttons about a conversation; every other button with a shop is about an order.
CHAT_ACTIONS = frozenset(
    {
        ButtonAction.REPLY,
        ButtonAction.RETRY_REPLY,
        ButtonAction.CLAIM,
        ButtonAction.CLAIM_TAKEOVER,
        ButtonAction.CLAIM_KEEP,
        ButtonAction.CLAIM_RELEASE,
        ButtonAction.QUICK_REPLIES,
        ButtonAction.TEMPLATE,
    }
)


def refused(services: Services, *, chat: bool) -> Result:
    key = "group.elsewhere.chat" if chat else "group.elsewhere.order"
    return Result(Status.FAILED, t(key, services.lang))


def shop_refusal(
    services: Services, chat_id: int, marketplace: str, shop_id: str, *, chat: bool
) -> Result | None:
    """Why staff in ``chat_id`` may not act on this shop's order or chat, if they may not.

    Nothing names no shop (a list mixing shops, whose entries carry their own) is refused.
    """
    if not marketplace or not shop_id or services.covers(chat_id, marketplace, shop_id):
        return None
    return refused(services, chat=chat)


def button_refusal(
    services: Services, chat_id: int, action: str, marketplace: str, shop_id: str
) -> Result | None:
    """Why a button pressed in ``chat_id`` may not act, if its shop is another group's."""
    return shop_refusal(services, chat_id, marketplace, shop_id, chat=action in CHAT_ACTIONS)


async def order_refusal(services: Services, chat_id: int, refs: Sequence[str]) -> Result | None:
    """Why a command in ``chat_id`` may not act on these orders, if one is another group's."""
    for ref in refs:
        row = await find_order(services, ref)
        if row is not None and not services.covers(chat_id, row.marketplace, row.shop_id):
            return refused(services, chat=False)
    return None


async def chat_refusal(services: Services, chat_id: int, ref: str) -> Result | None:
    """Why a command in ``chat_id`` may not answer this conversation, if it is another group's."""
    async with services.sessions() as session:
        for name in services.marketplaces:
            rows = await conversations.by_conversation_id(
                session=session, marketplace=name, conversation_id=ref
            )
            if any(not services.covers(chat_id, row.marketplace, row.shop_id) for row in rows):
                return refused(services, chat=True)
    return None
