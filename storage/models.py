"""SQLModel table models.

Every id a marketplace hands us is a string, and every row that holds one also names its
marketplace. Times are stored as UTC and come back timezone-aware
(``storage.columns.UTCDateTime``). The staff tools' tables are in ``storage.models_staff``,
re-exported here. Schema changes go through Alembic (``storage/migrations``); keep the two in step.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.columns import UTCDateTime, ts
from storage.models_staff import (
    AwayReply,
    BulkRun,
    ConversationHandler,
    FirstResponse,
    QuickTemplate,
)

__all__ = [
    "AccessToken",
    "ActionClaim",
    "AuditEntry",
    "AwayReply",
    "BulkRun",
    "CallbackToken",
    "ConversationHandler",
    "ConversationRow",
    "DeliveryStep",
    "FirstResponse",
    "InboxEvent",
    "JobState",
    "MarketplaceState",
    "Notice",
    "OrderRow",
    "QuickTemplate",
    "ReturnRow",
    "ShopRow",
    "StaffReply",
    "TelegramLink",
    "TelegramSend",
    "UTCDateTime",
]


class AccessToken(SQLModel, table=True):
    """A marketplace access token, cached because Tokopedia issues a new one only on expiry."""

    __tablename__ = "access_token"

    key: str = Field(primary_key=True, max_length=200)
    token: str = Field(sa_column=Column(Text, nullable=False))
    expires_at: datetime = ts()
    updated_at: datetime = ts()


class ShopRow(SQLModel, table=True):
    __tablename__ = "shop"

    marketplace: str = Field(primary_key=True, max_length=20)
    shop_id: str = Field(primary_key=True, max_length=40)
    name: str = Field(default="", max_length=200)
    updated_at: datetime = ts()


class InboxEvent(SQLModel, table=True):
    """A webhook (or reconciliation) event, stored before the sender gets its 200.

    ``dedup_slot`` is unique: a redelivery of the same event hits the constraint and is
    acknowledged without a second row. ``status`` moves pending -> delivered, or -> parked
    after repeated failures.
    """

    __tablename__ = "inbox_event"
    __table_args__ = (Index("ix_inbox_due", "status", "next_attempt_at"),)

    # SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit id.
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    )
    marketplace: str = Field(max_length=20)
    kind: str = Field(max_length=40)
    dedup_slot: str = Field(max_length=300, unique=True)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = ts()
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = ts()
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    delivered_at: datetime | None = ts(nullable=True)
    order_id: str = Field(default="", max_length=40, index=True)
    # The lease of the process delivering it now (``storage.leases``): a stable
    # owner name, so a restart takes its own leases back, and a token per claim, checked
    # before every send. ``lease_until`` runs on the database's clock with PostgreSQL.
    lease_owner: str = Field(default="", max_length=120)
    lease_token: str = Field(default="", max_length=32)
    lease_until: datetime | None = ts(nullable=True)


class ConversationRow(SQLModel, table=True):
    """A buyer chat room and where it lives in Telegram."""

    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("marketplace", "shop_id", "conversation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    marketplace: str = Field(max_length=20)
    shop_id: str = Field(max_length=40)
    conversation_id: str = Field(max_length=60)
    buyer_id: str = Field(default="", max_length=60)
    buyer_name: str = Field(default="", max_length=200)
    thread_id: int | None = None  # forum topic, in topic mode
    # Topic mode under backlog: announced in the General topic by this chat digest message;
    # its own topic is opened once the group's budget allows.
    topic_announced_id: int | None = None
    # The staff group it was first shown in (its topic is there): later messages follow it.
    group_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    last_buyer_at: datetime | None = ts(nullable=True)
    last_buyer_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    waiting_since: datetime | None = ts(nullable=True, index=True)  # unanswered since
    last_staff_at: datetime | None = ts(nullable=True)


class OrderRow(SQLModel, table=True):
    """The latest known state of an order, its Telegram alert and who acted on it."""

    __tablename__ = "order_record"
    __table_args__ = (UniqueConstraint("marketplace", "order_id"),)

    id: int | None = Field(default=None, primary_key=True)
    marketplace: str = Field(max_length=20)
    shop_id: str = Field(max_length=40)
    order_id: str = Field(max_length=40)
    invoice: str = Field(default="", max_length=80)
    status_code: str = Field(default="", max_length=40)
    state: str = Field(default="", max_length=30, index=True)
    total: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    accept_deadline: datetime | None = ts(nullable=True, index=True)
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the domain Order as JSON
    alert_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    alert_message_id: int | None = None
    in_digest: bool = False
    # The staff group it was first shown in: its updates, reminders and notices follow it.
    group_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    # The status the staff group has been shown, apart from the marketplace's (status_code):
    # set in the commit that closes the event showing it, so a retry still sees the change.
    shown_status_code: str = Field(default="", max_length=40)
    outcome: str = Field(default="", max_length=30)  # accepted / rejected / ...
    outcome_by: str = Field(default="", max_length=200)
    outcome_at: datetime | None = ts(nullable=True)
    outcome_detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = ts()
    updated_at: datetime = ts()


class ReturnRow(SQLModel, table=True):
    """A buyer's return or refund request, its Telegram alert and staff's answer.

    ``outcome_status`` is the request's status the answer was given at: a request answered
    when asked may wait for the seller again once the parcel is back.
    """

    __tablename__ = "return_request"
    __table_args__ = (UniqueConstraint("marketplace", "return_id"),)

    id: int | None = Field(default=None, primary_key=True)
    marketplace: str = Field(max_length=20)
    shop_id: str = Field(max_length=40)
    return_id: str = Field(max_length=60)
    order_id: str = Field(max_length=40, index=True)
    status_code: str = Field(default="", max_length=60)
    awaiting_seller: bool = Field(default=False, index=True)
    deadline: datetime | None = ts(nullable=True)
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the domain ReturnRequest
    alert_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    alert_message_id: int | None = None
    shown_status_code: str = Field(default="", max_length=60)
    outcome: str = Field(default="", max_length=30)
    outcome_status: str = Field(default="", max_length=60)
    outcome_by: str = Field(default="", max_length=200)
    outcome_at: datetime | None = ts(nullable=True)
    outcome_detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = ts()
    updated_at: datetime = ts()


class TelegramLink(SQLModel, table=True):
    """Which conversation or order a Telegram message stands for; survives restarts."""

    __tablename__ = "telegram_link"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    message_id: int = Field(primary_key=True)
    kind: str = Field(max_length=20)  # "conversation" | "order"
    marketplace: str = Field(max_length=20)
    shop_id: str = Field(max_length=40)
    ref: str = Field(max_length=60, index=True)  # conversation_id or order_id
    created_at: datetime = ts()


class DeliveryStep(SQLModel, table=True):
    """One Telegram message (or edit) already made for an inbox event still being delivered.

    Committed right after each call, so a retry of the event skips what the group has
    already seen: the chunks of a split message, an alert's edit, a notice. The rows go
    in the commit that closes the event.
    """

    __tablename__ = "delivery_step"

    event_id: int = Field(
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
        )
    )
    step: str = Field(primary_key=True, max_length=40)  # "alert", "update", "edit", ...
    chunk: int = Field(default=0, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int
    sent_at: datetime = ts()


class CallbackToken(SQLModel, table=True):
    """Server-side meaning of an inline button; callback_data carries only the token."""

    __tablename__ = "callback_token"

    token: str = Field(primary_key=True, max_length=24)
    action: str = Field(max_length=30)
    marketplace: str = Field(max_length=20)
    shop_id: str = Field(max_length=40)
    ref: str = Field(sa_column=Column(Text, nullable=False))  # may carry a typed reason
    created_at: datetime = ts()


class AuditEntry(SQLModel, table=True):
    """Every staff reply and order action: who, when, what, and the marketplace's answer."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = ts(index=True)
    actor_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    actor_name: str = Field(default="", max_length=200)
    action: str = Field(max_length=30)
    marketplace: str = Field(max_length=20)
    shop_id: str = Field(max_length=40)
    order_id: str = Field(default="", max_length=40, index=True)
    conversation_id: str = Field(default="", max_length=60, index=True)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    result: str = Field(max_length=20)  # ok / failed / unknown / refused
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class StaffReply(SQLModel, table=True):
    """One staff message meant for a buyer; keyed by the Telegram message, sent at most once."""

    __tablename__ = "staff_reply"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int
    marketplace: str = Field(max_length=20)
    shop_id: str = Field(max_length=40)
    conversation_id: str = Field(max_length=60)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="sending", max_length=12)  # sending/sent/failed/unknown
    actor_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    actor_name: str = Field(default="", max_length=200)
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # How many of its ordered parts have arrived (a long reply is split to fit the platform's
    # limit): a retry after a partial failure starts from here and never resends a part.
    parts_sent: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    # A photo sent to the buyer (its Telegram file id): part 0 is the image, the caption
    # follows as text. "" for a text reply.
    media_file_id: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_at: datetime = ts()


class Notice(SQLModel, table=True):
    """A one-off report to the group (parked event, job failure), sent once."""

    __tablename__ = "notice"

    key: str = Field(primary_key=True, max_length=200)
    created_at: datetime = ts()
    sent_at: datetime | None = ts(nullable=True)
    # The inbox event that is showing it (a buyer message's identity): its copies, arriving
    # by webhook and by reconciliation at once, defer to that event instead of racing it.
    owner_event: int | None = Field(default=None)


class ActionClaim(SQLModel, table=True):
    """The right to perform one staff action once (see ``storage.claims``).

    ``key`` names the decision, e.g. ``tokopedia:123:decision`` for accept/reject or
    ``tokopedia:123:cancel:<request>`` for a buyer's cancellation request. Inserting the
    row is the claim, so exactly one of several concurrent presses (in any process) wins.
    """

    __tablename__ = "action_claim"

    key: str = Field(primary_key=True, max_length=200)
    action: str = Field(max_length=30)
    actor_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    actor_name: str = Field(default="", max_length=200)
    claimed_at: datetime = ts()
    state: str = Field(default="running", max_length=12)  # running / done / released
    finished_at: datetime | None = ts(nullable=True)


class MarketplaceState(SQLModel, table=True):
    """Small values a marketplace adapter keeps (``bot.marketplaces.StateStore``)."""

    __tablename__ = "marketplace_state"

    key: str = Field(primary_key=True, max_length=200)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = ts()


class JobState(SQLModel, table=True):
    """A scheduled job's memory: its cursor, and whether its failure was already reported."""

    __tablename__ = "job_state"

    name: str = Field(primary_key=True, max_length=60)
    cursor: datetime | None = ts(nullable=True)  # e.g. reconciliation: checked up to here
    last_ok_at: datetime | None = ts(nullable=True)
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    failing: bool = False


class TelegramSend(SQLModel, table=True):
    """One call that spent the group's Telegram budget, by any tokobot process.

    ``sent_at`` is the database's clock in epoch seconds, so processes (and a restarted one)
    share one rolling window (``storage.budget``). Rows older than an hour are pruned.
    """

    __tablename__ = "telegram_send"
    __table_args__ = (Index("ix_telegram_send_chat_at", "chat_id", "sent_at"),)

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    )
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    sent_at: float = Field(sa_column=Column(Float, nullable=False))
