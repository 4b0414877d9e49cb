"""The files attached to submissions, one row each, from `_attachments`.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "submission_attachment",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("server", sa.String(255), nullable=False),
        sa.Column("asset_uid", sa.String(64), nullable=False),
        sa.Column("kobo_id", sa.BigInteger, nullable=False),
        sa.Column("attachment_uid", sa.String(128), nullable=False),
        sa.Column("question_path", sa.Text),
        sa.Column("row_index", sa.String(64), nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("stored_filename", sa.Text),
        sa.Column("mimetype", sa.String(128)),
        sa.Column("download_url", sa.Text),
        sa.Column("size", sa.BigInteger),
        sa.Column("is_deleted", sa.Boolean, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
    )
    op.create_index(
        "ix_submission_attachment_key", "submission_attachment", ["server", "asset_uid", "kobo_id"]
    )
