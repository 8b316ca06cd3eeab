"""return and refund requests

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "return_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("marketplace", _text(20), nullable=False),
        sa.Column("shop_id", _text(40), nullable=False),
        sa.Column("return_id", _text(60), nullable=False),
        sa.Column("order_id", _text(40), nullable=False),
        sa.Column("status_code", _text(60), nullable=False),
        sa.Column("awaiting_seller", sa.Boolean(), nullable=False),
        sa.Column("deadline", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("alert_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("alert_message_id", sa.Integer(), nullable=True),
        sa.Column("shown_status_code", _text(60), nullable=False),
        sa.Column("outcome", _text(30), nullable=False),
        sa.Column("outcome_status", _text(60), nullable=False),
        sa.Column("outcome_by", _text(200), nullable=False),
        sa.Column("outcome_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome_detail", sa.Text(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("marketplace", "return_id"),
    )
    with op.batch_alter_table("return_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_request_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_return_request_awaiting_seller"), ["awaiting_seller"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("return_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_request_awaiting_seller"))
        batch_op.drop_index(batch_op.f("ix_return_request_order_id"))
    op.drop_table("return_request")
