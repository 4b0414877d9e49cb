"""KoboToolbox assets and their versions' content, and our form deployments.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "kobo_asset",
        sa.Column("server", sa.String(255), primary_key=True),
        sa.Column("asset_uid", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("form_name", sa.String(64)),
        sa.Column("version_id", sa.String(64)),
        sa.Column("deployed_version_id", sa.String(64)),
        sa.Column("deployment_uuid", sa.String(64)),
        sa.Column("has_deployment", sa.Boolean, nullable=False),
        sa.Column("content", sa.Text),
        sa.Column("fetched_run", sa.Integer, sa.ForeignKey("run_log.id")),
    )
    op.create_table(
        "kobo_asset_version",
        sa.Column("server", sa.String(255), primary_key=True),
        sa.Column("asset_uid", sa.String(64), primary_key=True),
        sa.Column("version_uid", sa.String(64), primary_key=True),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("date_deployed", sa.String(40)),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("fetched_run", sa.Integer, sa.ForeignKey("run_log.id")),
    )
    op.create_table(
        "form_deployment",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("server", sa.String(255), nullable=False),
        sa.Column("form_name", sa.String(64), nullable=False),
        sa.Column("asset_uid", sa.String(64), nullable=False),
        sa.Column("version_id", sa.String(64), nullable=False),
        sa.Column("xlsform_hash", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
    )
    op.create_index("ix_form_deployment_form", "form_deployment", ["server", "form_name"])
