"""Core tables: run log, raw submissions with history, sync watermark.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "run_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("arguments", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_table(
        "raw_submission",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("server", sa.String(255), nullable=False),
        sa.Column("asset_uid", sa.String(64), nullable=False),
        sa.Column("kobo_id", sa.BigInteger, nullable=False),
        sa.Column("uuid", sa.String(128), nullable=False),
        sa.Column("root_uuid", sa.String(128)),
        sa.Column("form_version", sa.String(64)),
        sa.Column("submission_time", sa.String(32)),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("validation_status", sa.String(64)),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("edits", sa.Integer, nullable=False),
        sa.Column("first_seen_run", sa.Integer, sa.ForeignKey("run_log.id"), nullable=False),
        sa.Column("last_seen_run", sa.Integer, sa.ForeignKey("run_log.id"), nullable=False),
        sa.Column("deleted_run", sa.Integer, sa.ForeignKey("run_log.id")),
        sa.UniqueConstraint("server", "asset_uid", "kobo_id", name="uq_raw_submission_key"),
    )
    op.create_table(
        "raw_submission_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("server", sa.String(255), nullable=False),
        sa.Column("asset_uid", sa.String(64), nullable=False),
        sa.Column("kobo_id", sa.BigInteger, nullable=False),
        sa.Column("uuid", sa.String(128), nullable=False),
        sa.Column("form_version", sa.String(64)),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("superseded_run", sa.Integer, sa.ForeignKey("run_log.id"), nullable=False),
    )
    op.create_index(
        "ix_raw_history_key", "raw_submission_history", ["server", "asset_uid", "kobo_id"]
    )
    op.create_table(
        "sync_state",
        sa.Column("server", sa.String(255), primary_key=True),
        sa.Column("asset_uid", sa.String(64), primary_key=True),
        sa.Column("last_id", sa.BigInteger),
        sa.Column("last_submission_time", sa.String(32)),
        sa.Column("last_sweep_run", sa.Integer, sa.ForeignKey("run_log.id")),
        sa.Column("updated_run", sa.Integer, sa.ForeignKey("run_log.id")),
    )
