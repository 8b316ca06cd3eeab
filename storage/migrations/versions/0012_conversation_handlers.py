"""who handles which conversation (claiming)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_handler",
        sa.Column("marketplace", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("shop_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("handler_id", sa.BigInteger(), nullable=True),
        sa.Column("handler_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("claimed_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("active_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("shown_html", sa.Text(), nullable=False),
        sa.Column("shown_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("marketplace", "shop_id", "conversation_id"),
    )
    op.create_index("ix_conversation_handler_handler_id", "conversation_handler", ["handler_id"])
    op.create_index("ix_conversation_handler_active_at", "conversation_handler", ["active_at"])


def downgrade() -> None:
    op.drop_index("ix_conversation_handler_active_at", table_name="conversation_handler")
    op.drop_index("ix_conversation_handler_handler_id", table_name="conversation_handler")
    op.drop_table("conversation_handler")
