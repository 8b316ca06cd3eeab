"""delivery effects: what the staff group has been shown, apart from the marketplace state

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_step",
        sa.Column(
            "event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("chunk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "step", "chunk"),
    )
    with op.batch_alter_table("order_record", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "shown_status_code",
                sqlmodel.sql.sqltypes.AutoString(length=40),
                nullable=False,
                server_default="",
            )
        )
    # An order alerted before this revision was shown with the status it had then.
    op.execute(
        "UPDATE order_record SET shown_status_code = status_code "
        "WHERE alert_message_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("order_record", schema=None) as batch_op:
        batch_op.drop_column("shown_status_code")
    op.drop_table("delivery_step")
