"""bulk accept runs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulk_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("marketplace", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("shop_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_ids", sa.Text(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("origin"),
    )


def downgrade() -> None:
    op.drop_table("bulk_run")
