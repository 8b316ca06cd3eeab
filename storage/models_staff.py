"""Tables of the staff tools: bulk runs, claiming, first responses, quick replies, the away
message. Re-exported by :mod:`storage.models`, where the rest of the schema is; kept apart only
to keep that module readable (the schema is one; Alembic sees both)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, Text
from sqlmodel import Field, SQLModel

from storage.columns import ts


class BulkRun(SQLModel, table=True):
    """One "accept all" over a digest's orders (``storage.bulk``), offered until confirmed.

    ``origin`` names what offered it (``digest:<event>`` or ``retry:<run>``), so a digest
    sent again after a crash offers the same run. The run's once-only start is its claim
    ``bulk:<id>`` in ``action_claim``; ``result`` is the JSON tally shown on the message.
    """

    __tablename__ = "bulk_run"

    id: int | None = Field(default=None, primary_key=True)
    origin: str = Field(max_length=80, unique=True)
    marketplace: str = Field(max_length=20)
    shop_id: str = Field(max_length=40)
    order_ids: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of order ids
    state: str = Field(default="offered", max_length=12)  # offered / running / done
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    message_id: int | None = None
    actor_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    actor_name: str = Field(default="", max_length=200)
    result: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = ts()
    started_at: datetime | None = ts(nullable=True)
    finished_at: datetime | None = ts(nullable=True)


class FirstResponse(SQLModel, table=True):
    """How long a buyer waited for the first staff answer (for the daily summary)."""

    __tablename__ = "first_response"

    id: int | None = Field(default=None, primary_key=True)
    marketplace: str = Field(max_length=20)
    conversation_id: str = Field(max_length=60)
    asked_at: datetime = ts()
    answered_at: datetime = ts(index=True)
    actor_name: str = Field(default="", max_length=200)


class ConversationHandler(SQLModel, table=True):
    """Who handles a buyer conversation now (see ``storage.assignments``), and where it shows.

    The row outlives its handler: ``handler_id`` None means nobody. Taking it is a
    conditional UPDATE on this one row, so of two staff claiming at once (in any process
    sharing the database) exactly one becomes the handler.
    """

    __tablename__ = "conversation_handler"

    marketplace: str = Field(primary_key=True, max_length=20)
    shop_id: str = Field(primary_key=True, max_length=40)
    conversation_id: str = Field(primary_key=True, max_length=60)
    handler_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    handler_name: str = Field(default="", max_length=200)
    claimed_at: datetime | None = ts(nullable=True)
    # The claim, or the handler's latest answer: the claim lapses CLAIM_RELEASE_MINUTES later.
    active_at: datetime | None = ts(nullable=True, index=True)
    # The conversation's newest relayed message, whose last chunk shows the handler: its
    # text without the handler's line, so a release or takeover can redraw it.
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    message_id: int | None = None
    shown_html: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    shown_at: datetime | None = ts(nullable=True)  # RETENTION_DAYS later the text is blanked


class QuickTemplate(SQLModel, table=True):
    """A quick reply staff send with one press (``/template add``); shared by all staff."""

    __tablename__ = "quick_template"

    name: str = Field(primary_key=True, max_length=32)  # lower case: names are case-insensitive
    text: str = Field(sa_column=Column(Text, nullable=False))
    uses: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = ts()


class AwayReply(SQLModel, table=True):
    """The away message of one conversation in one closed period: claimed before it is sent.

    ``key`` names the conversation and the opening that ends the period, so a buyer gets at
    most one per period, across crashes and processes; ``status`` is how it went.
    """

    __tablename__ = "away_reply"

    key: str = Field(primary_key=True, max_length=200)
    marketplace: str = Field(max_length=20)
    shop_id: str = Field(max_length=40)
    conversation_id: str = Field(max_length=60)
    # The inbox event whose buyer message earned it: that event's retry shows the outcome.
    event_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(default="sending", max_length=12)  # sending/sent/failed/unknown
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = ts()
    updated_at: datetime = ts()
