"""Renamed repeats: each repeat table's `$kuid`, and per version the repeats that go on in
the table of another path.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("form_table") as batch:
        batch.add_column(sa.Column("kuid", sa.String(64)))
    op.create_table(
        "form_repeat",
        sa.Column("server", sa.String(255), primary_key=True),
        sa.Column("asset_uid", sa.String(64), primary_key=True),
        sa.Column("version_uid", sa.String(64), primary_key=True),
        sa.Column("repeat_path", sa.Text, primary_key=True),
        sa.Column("table_repeat_path", sa.Text, nullable=False),
    )
