"""Scores, score items, recognition, and the registry (denominators and villages).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    op.create_table(
        "score",
        sa.Column("server", sa.String(255), primary_key=True),
        sa.Column("asset_uid", sa.String(64), primary_key=True),
        sa.Column("kobo_id", sa.BigInteger, primary_key=True),
        sa.Column("form_name", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("rubric_id", sa.String(64), nullable=False),
        sa.Column("rubric_version", sa.String(32), nullable=False),
        sa.Column("eval_date", sa.Date),
        sa.Column("year", sa.Integer),
        sa.Column("era", sa.Integer),
        sa.Column("district_code", sa.String(8)),
        sa.Column("commune_code", sa.String(8)),
        sa.Column("subject_key", sa.Text),
        sa.Column("total", sa.Float, nullable=False),
        sa.Column("max_total", sa.Float, nullable=False),
        sa.Column("applicable_max", sa.Float, nullable=False),
        sa.Column("pass_points", sa.Float, nullable=False),
        sa.Column("percent", sa.Integer),
        sa.Column("assessable", sa.Boolean, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("class_id", sa.String(32), nullable=False),
        sa.Column("score_provisional", sa.Boolean, nullable=False),
        sa.Column("pass_provisional", sa.Boolean, nullable=False),
        sa.Column("missing_items", sa.Integer, nullable=False),
        sa.Column("device_total", sa.Float),
        sa.Column("device_class", sa.String(32)),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
    )
    op.create_index("ix_score_year", "score", ["form_name", "year"])
    op.create_table(
        "score_item",
        sa.Column("server", sa.String(255), primary_key=True),
        sa.Column("asset_uid", sa.String(64), primary_key=True),
        sa.Column("kobo_id", sa.BigInteger, primary_key=True),
        sa.Column("item_id", sa.String(32), primary_key=True),
        sa.Column("group_id", sa.String(32), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("answer", sa.String(32)),
        sa.Column("device_answer", sa.String(32)),
        sa.Column("derived", sa.Boolean, nullable=False),
        sa.Column("points", sa.Float, nullable=False),
        sa.Column("max_points", sa.Float, nullable=False),
        sa.Column("applicable_max", sa.Float, nullable=False),
        sa.Column("provisional", sa.Boolean, nullable=False),
    )
    op.create_table(
        "recognition",
        sa.Column("form_name", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("subject_key", sa.Text, primary_key=True),
        sa.Column("server", sa.String(255), nullable=False),
        sa.Column("asset_uid", sa.String(64), nullable=False),
        sa.Column("kobo_id", sa.BigInteger, nullable=False),
        sa.Column("evaluations", sa.Integer, nullable=False),
        sa.Column("era", sa.Integer),
        sa.Column("district_code", sa.String(8)),
        sa.Column("commune_code", sa.String(8)),
        sa.Column("assessable", sa.Boolean, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("class_id", sa.String(32), nullable=False),
        sa.Column("provisional", sa.Boolean, nullable=False),
    )
    op.create_table(
        "registry_count",
        sa.Column("commune_code", sa.String(8), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("measure", sa.String(32), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
    )
    op.create_table(
        "registry_village",
        sa.Column("village_code", sa.String(32), primary_key=True),
        sa.Column("commune_code", sa.String(8), nullable=False),
        sa.Column("village_name", sa.Text, nullable=False),
        sa.Column("commune_code_until_2020", sa.String(8)),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
    )
