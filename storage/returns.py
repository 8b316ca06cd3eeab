"""Return and refund requests: the stored request, its Telegram alert and staff's answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.figures import Outcome
from bot.domain.values import ReturnRequest
from storage.models import ReturnRow


def request_of(row: ReturnRow) -> ReturnRequest:
    return ReturnRequest.model_validate_json(row.payload)


def outcome_of(row: ReturnRow) -> Outcome | None:
    """Staff's latest answer, for the alert's footer."""
    if not row.outcome or row.outcome_at is None:
        return None
    return Outcome(
        verb=row.outcome, actor=row.outcome_by, at=row.outcome_at, detail=row.outcome_detail
    )


def answered(row: ReturnRow) -> bool:
    """Staff answered the request as it stands now (an answer to an earlier step, such as
    approving a return before the parcel came back, does not count)."""
    return bool(row.outcome) and row.outcome_status == row.status_code


async def get_return(
    *, session: AsyncSession, marketplace: str, return_id: str
) -> ReturnRow | None:
    query = select(ReturnRow).where(
        col(ReturnRow.marketplace) == marketplace, col(ReturnRow.return_id) == return_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def save_return(session: AsyncSession, request: ReturnRequest, now: datetime) -> ReturnRow:
    """Store the request as the marketplace now tells it; its alert and answer are kept."""
    row = await get_return(
        session=session, marketplace=request.marketplace.value, return_id=request.return_id
    )
    if row is None:
        row = ReturnRow(
            marketplace=request.marketplace.value,
            shop_id=request.shop_id,
            return_id=request.return_id,
            order_id=request.order_id,
            payload="",
            created_at=now,
            updated_at=now,
        )
    row.status_code = request.status_code
    row.awaiting_seller = request.awaiting_seller
    row.deadline = request.deadline
    row.payload = request.model_dump_json()
    row.updated_at = now
    session.add(row)
    await session.flush()
    return row


def set_alert(*, row: ReturnRow, chat_id: int, message_id: int) -> None:
    row.alert_chat_id, row.alert_message_id = chat_id, message_id


def set_shown(*, row: ReturnRow, status_code: str) -> None:
    row.shown_status_code = status_code


def record_answer(
    *, row: ReturnRow, verb: str, by: str, at: datetime, detail: str, status_code: str
) -> None:
    """Staff answered the request at ``status_code``; it waits for them no longer."""
    row.outcome, row.outcome_status = verb, status_code
    row.outcome_by, row.outcome_at, row.outcome_detail = by, at, detail
    if row.status_code == status_code:
        row.awaiting_seller = False
        row.deadline = None


async def awaiting_seller(
    *, session: AsyncSession, now: datetime, limit: int = 500
) -> list[ReturnRow]:
    """Requests the shop must still answer before a deadline still ahead, soonest first.

    Past its deadline the marketplace has decided; such a row waits for the notification
    that says so, and must not crowd out the requests that can still be answered.
    """
    query = (
        select(ReturnRow)
        .where(col(ReturnRow.awaiting_seller).is_(True), col(ReturnRow.deadline) > now)
        .order_by(col(ReturnRow.deadline))
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())
