"""Raw submissions: the instance id an edit replaced (`meta/deprecatedID`), when given.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("raw_submission") as batch:
        batch.add_column(sa.Column("deprecated_id", sa.String(128)))
