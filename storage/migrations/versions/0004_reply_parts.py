"""how many parts of a split staff reply have arrived

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows were sent as one message: "0" is right for the unsent, and a sent row is
    # never resent whatever its counter says.
    with op.batch_alter_table("staff_reply", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("parts_sent", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_reply", schema=None) as batch_op:
        batch_op.drop_column("parts_sent")
