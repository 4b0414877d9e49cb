"""The validation's findings: one row per submission, rule, field and repeat row.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "validation_finding",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("server", sa.String(255), nullable=False),
        sa.Column("asset_uid", sa.String(64), nullable=False),
        sa.Column("kobo_id", sa.BigInteger, nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("field_path", sa.Text, nullable=False),
        sa.Column("row_index", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("value", sa.Text),
        sa.Column("message_vi", sa.Text, nullable=False),
        sa.Column("message_en", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_run", sa.Integer, sa.ForeignKey("run_log.id")),
        sa.Column("last_run", sa.Integer, sa.ForeignKey("run_log.id")),
        sa.Column("closed_run", sa.Integer, sa.ForeignKey("run_log.id")),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "server",
            "asset_uid",
            "kobo_id",
            "rule",
            "field_path",
            "row_index",
            name="uq_validation_finding_key",
        ),
    )
