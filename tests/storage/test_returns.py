"""The return repository: what is stored, which requests still wait, and whose answer counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.values import MarketplaceName, ReturnRequest, ReturnState
from storage import returns

T0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def _request(return_id: str, *, status: str, hours: float | None, waiting: bool = True):
    return ReturnRequest(
        marketplace=MarketplaceName.TIKTOKSHOP,
        shop_id="7495540735365777507",
        order_id=f"5766{return_id}",
        return_id=return_id,
        status_code=status,
        state=ReturnState.AWAITING_SELLER if waiting else ReturnState.REFUNDED,
        awaiting_seller=waiting,
        reason="Barang rusak",
        refund=85000,
        deadline=None if hours is None else T0 + timedelta(hours=hours),
    )


async def test_waiting_requests_soonest_first_and_past_deadlines_left_out(sessions):
    """Reminders see what can still be answered, most urgent first."""
    async with sessions() as session, session.begin():
        await returns.save_return(session, _request("1", status="P", hours=30), T0)
        await returns.save_return(session, _request("2", status="P", hours=2), T0)
        await returns.save_return(session, _request("3", status="P", hours=-1), T0)
        await returns.save_return(
            session, _request("4", status="C", hours=None, waiting=False), T0
        )
    async with sessions() as session:
        rows = await returns.awaiting_seller(session=session, now=T0)
    assert [row.return_id for row in rows] == ["2", "1"]


async def test_an_answer_counts_for_the_status_it_was_given_at(sessions):
    """Approving the request does not answer the returned parcel, which waits again later;
    the footer still names the latest answer."""
    async with sessions() as session, session.begin():
        row = await returns.save_return(session, _request("9", status="PENDING", hours=48), T0)
        returns.record_answer(
            row=row, verb="return_approved", by="Rina", at=T0, detail="", status_code="PENDING"
        )
        assert returns.answered(row)
        assert not row.awaiting_seller
    async with sessions() as session, session.begin():
        shipped = _request("9", status="BUYER_SHIPPED_ITEM", hours=96)
        row = await returns.save_return(session, shipped, T0 + timedelta(days=2))
        assert row.awaiting_seller
        assert not returns.answered(row)
        outcome = returns.outcome_of(row)
        assert outcome is not None
        assert outcome.actor == "Rina"
        assert returns.request_of(row) == shipped
