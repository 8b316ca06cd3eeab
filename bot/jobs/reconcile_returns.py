"""Reconciliation of return and refund requests: the requests waiting for the shop that the
group has not been shown, because their webhook (type 12) never came.

Each one goes into the inbox as the webhook would have put it, deduplicated against what the
inbox already holds undelivered and against what the group was shown (``shown_status_code``);
the delivery reads the request again and shows it once, whichever way it came.
"""

from __future__ import annotations

from bot.context import Services
from bot.domain.values import ParsedEvent, ReturnStatusChanged
from bot.marketplaces import Marketplace
from storage import returns, undelivered
from storage.inbox import event_of


async def missed_returns(
    services: Services, name: str, marketplace: Marketplace, shop_id: str
) -> tuple[int, list[ParsedEvent]]:
    """(requests checked, events for the ones never shown) for one shop."""
    found = await marketplace.returns_awaiting_seller(shop_id)
    if not found:
        return 0, []
    async with services.sessions() as session:
        pending = await undelivered.undelivered_of(session=session, marketplace=name)
        waiting = set()
        for item in pending:
            event = event_of(item)
            if isinstance(event, ReturnStatusChanged):
                waiting.add(event.return_id or f"order:{event.order_id}")
        events: list[ParsedEvent] = []
        for request in found:
            if {request.return_id, f"order:{request.order_id}"} & waiting:
                continue  # its webhook came and waits in the inbox
            known = await returns.get_return(
                session=session, marketplace=name, return_id=request.return_id
            )
            if known is not None and known.shown_status_code == request.status_code:
                continue
            events.append(
                ParsedEvent(
                    dedup_key=(
                        f"reconcile:{name}:return:{request.return_id}:{request.status_code}"
                    ),
                    event=ReturnStatusChanged(
                        marketplace=request.marketplace,
                        shop_id=request.shop_id,
                        order_id=request.order_id,
                        return_id=request.return_id,
                        status_code=request.status_code,
                    ),
                )
            )
    return len(found), events
