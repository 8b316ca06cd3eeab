"""Order cards on demand: /order, and a press on an order in a digest or a list.

A posted card becomes the order's alert, so later decisions and status changes edit it.
"""

from __future__ import annotations

from bot.context import Services
from bot.domain.errors import MarketplaceError
from bot.domain.values import OrderState
from bot.render.base import error_text
from bot.render.orders import render_order_card
from bot.staff.common import Result, Status, find_order, get_order, missing
from storage import orders
from storage.models import OrderRow


async def post_card(
    services: Services, row: OrderRow, *, reply_to: int | None, chat_id: int | None = None
) -> None:
    """Post the card where staff asked for it (a staff group), else in its shop's group."""
    card = render_order_card(
        orders.order_of(row),
        row.order_id,
        lang=services.lang,
        tz=services.tz,
        outcome=orders.outcome_of(row),
    )
    await services.sender.post_order(
        services.where(chat_id, row.marketplace, row.shop_id),
        card,
        marketplace=row.marketplace,
        shop_id=row.shop_id,
        order_id=row.order_id,
        reply_to=reply_to,
        bulk=False,
    )


async def card_pressed(
    services: Services,
    marketplace: str,
    order_id: str,
    *,
    reply_to: int | None,
    chat_id: int | None = None,
) -> Result:
    """From a digest or a list: post the order's own card."""
    row = await get_order(services, marketplace, order_id)
    if row is None:
        return missing(services)
    await post_card(services, row, reply_to=reply_to, chat_id=chat_id)
    return Result(Status.DONE, "")


async def show_live_order(
    services: Services, ref: str, *, reply_to: int, chat_id: int | None = None
) -> Result | None:
    """/order: fetch the order from the marketplace, store it and post its card.

    Returns None once the card is posted, else what went wrong.
    """
    row = await find_order(services, ref)
    name = row.marketplace if row else next(iter(services.marketplaces))
    try:
        live = await services.marketplaces[name].get_order(
            row.shop_id if row else "", row.order_id if row else ref
        )
    except MarketplaceError as exc:
        return Result(Status.FAILED, error_text(exc.kind, exc.detail, lang=services.lang))
    async with services.sessions() as session, session.begin():
        stored = await orders.get_order(session=session, marketplace=name, order_id=live.order_id)
        # Our recorded decision is newer than a marketplace view still awaiting acceptance.
        decided = stored is not None and stored.outcome
        waiting = live.status.state is OrderState.AWAITING_ACCEPTANCE
        keep = stored.state if stored is not None and decided and waiting else None
        row = await orders.save_order(session, live, services.clock(), keep_state=keep)
    await post_card(services, row, reply_to=reply_to, chat_id=chat_id)
    return None
