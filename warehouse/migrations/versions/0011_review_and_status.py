"""Review decisions, what each submission was last validated as, and the statuses pushed.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_table(
        "review_decision",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("server", sa.String(255), nullable=False),
        sa.Column("asset_uid", sa.String(64), nullable=False),
        sa.Column("kobo_id", sa.BigInteger, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
    )
    op.create_index("ix_review_decision_key", "review_decision", ["server", "asset_uid", "kobo_id"])
    op.create_table(
        "validation_state",
        sa.Column("server", sa.String(255), primary_key=True),
        sa.Column("asset_uid", sa.String(64), primary_key=True),
        sa.Column("kobo_id", sa.BigInteger, primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("checks_digest", sa.String(64), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
    )
    op.create_table(
        "status_push",
        sa.Column("server", sa.String(255), primary_key=True),
        sa.Column("asset_uid", sa.String(64), primary_key=True),
        sa.Column("kobo_id", sa.BigInteger, primary_key=True),
        sa.Column("status_uid", sa.String(64), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
    )
