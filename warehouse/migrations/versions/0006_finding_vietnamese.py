"""Load findings: the message in Vietnamese beside the English one.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("load_finding") as batch:
        batch.add_column(sa.Column("message_vi", sa.Text))
