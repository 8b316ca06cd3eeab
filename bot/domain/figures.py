"""What staff did and how the day went: outcomes, audit records and the daily figures.

Storage builds these from its rows; rendering reads them, so it never sees a table model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class OutcomeVerb(StrEnum):
    """What staff decided about an order or a request; the values are stored in the database."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCEL_APPROVED = "cancel_approved"
    CANCEL_REJECTED = "cancel_rejected"
    PROCESSED = "processed"
    RETURN_APPROVED = "return_approved"
    RETURN_REJECTED = "return_rejected"


@dataclass(frozen=True)
class Outcome:
    """What staff did about an order or a request, shown as the card's footer."""

    # An OutcomeVerb value; kept a str because a stored row may hold a verb this version
    # does not know, which is then shown as it is rather than refused.
    verb: str
    actor: str
    at: datetime
    detail: str = ""


@dataclass(frozen=True)
class AuditRecord:
    """One staff action as the audit trail keeps it, with the marketplace's answer."""

    at: datetime
    actor_id: int
    actor_name: str
    action: str
    marketplace: str
    shop_id: str
    result: str  # "ok", "failed", "unknown" or "refused"
    order_id: str = ""
    conversation_id: str = ""
    text: str = ""
    detail: str = ""


@dataclass(frozen=True)
class WaitingChat:
    """The buyer who has waited longest for an answer."""

    buyer_name: str
    waiting_since: datetime


@dataclass
class DayFigures:
    """The daily summary's numbers, for one local day; money in whole Rupiah."""

    new_orders: int = 0
    new_value: int = 0
    accepted: int = 0
    accepted_value: int = 0
    rejected: int = 0
    rejected_value: int = 0
    cancelled: int = 0
    cancelled_value: int = 0
    pending: int = 0
    pending_value: int = 0
    chats_received: int = 0
    chats_answered: int = 0
    response_seconds: list[float] = field(default_factory=list)
    oldest_waiting: WaitingChat | None = None
    per_staff: dict[str, dict[str, int]] = field(default_factory=dict)
    # Each staff member's first answers to a waiting buyer: how long the buyer had waited.
    first_response_seconds: dict[str, list[float]] = field(default_factory=dict)
