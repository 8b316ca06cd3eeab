"""buyer and staff media

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A staff photo is kept as its Telegram file id, so a retry downloads it again instead of
    # the database holding megabytes; "" for every earlier (text-only) reply.
    with op.batch_alter_table("staff_reply", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("media_file_id", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_reply", schema=None) as batch_op:
        batch_op.drop_column("media_file_id")
