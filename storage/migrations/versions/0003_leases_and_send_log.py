"""leases per event and the group's shared send log

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "lease_owner",
                sqlmodel.sql.sqltypes.AutoString(length=120),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "lease_token",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("lease_until", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "telegram_send",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_telegram_send_chat_at", "telegram_send", ["chat_id", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_telegram_send_chat_at", table_name="telegram_send")
    op.drop_table("telegram_send")
    with op.batch_alter_table("inbox_event", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_token")
        batch_op.drop_column("lease_owner")
