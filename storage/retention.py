"""Forgetting what buyers and staff wrote once RETENTION_DAYS have passed (UU PDP).

The rows stay, because they carry who did what and when (the audit trail, reply dedup,
the daily figures); only the texts are blanked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import AuditEntry, ConversationHandler, ConversationRow, StaffReply


async def forget_texts(*, session: AsyncSession, before: datetime) -> int:
    """Blank message texts last touched before ``before``; returns how many rows changed."""
    statements = (
        update(ConversationRow)
        .where(
            col(ConversationRow.last_buyer_at) < before, col(ConversationRow.last_buyer_text) != ""
        )
        .values(last_buyer_text=""),
        update(StaffReply)
        .where(col(StaffReply.updated_at) < before, col(StaffReply.text) != "")
        .values(text=""),
        update(AuditEntry)
        .where(
            col(AuditEntry.at) < before,
            (col(AuditEntry.text) != "") | (col(AuditEntry.detail) != ""),
        )
        .values(text="", detail=""),
        update(ConversationHandler)
        .where(
            col(ConversationHandler.shown_at) < before,
            col(ConversationHandler.shown_html) != "",
        )
        .values(shown_html=""),
    )
    changed = 0
    for statement in statements:
        result = await session.execute(statement)
        assert isinstance(result, CursorResult)
        changed += result.rowcount
    return changed
