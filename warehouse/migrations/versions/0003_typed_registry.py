"""Typed-table registry: form versions, tables, columns, fields, labels, load findings.

The per-form typed tables themselves are created at run time from FormSchema
(warehouse/typed.py); these fixed tables describe them (warehouse/catalog.py).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def _key() -> list[sa.Column]:
    return [
        sa.Column("server", sa.String(255), primary_key=True),
        sa.Column("asset_uid", sa.String(64), primary_key=True),
    ]


def upgrade() -> None:
    op.create_table(
        "typed_asset",
        *_key(),
        sa.Column("prefix", sa.String(63), nullable=False, unique=True),
        sa.Column("loader_version", sa.Integer, nullable=False),
    )
    op.create_table(
        "form_version",
        *_key(),
        sa.Column("version_uid", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("date_deployed", sa.String(40)),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("title", sa.Text),
        sa.Column("languages", sa.Text, nullable=False),
        sa.Column("questions", sa.Integer, nullable=False),
        sa.Column("loaded_run", sa.Integer, sa.ForeignKey("run_log.id")),
    )
    op.create_table(
        "form_table",
        *_key(),
        sa.Column("repeat_path", sa.Text, primary_key=True),
        sa.Column("table_name", sa.String(63), nullable=False, unique=True),
        sa.Column("view_name", sa.String(63), nullable=False, unique=True),
        sa.Column("parent_repeat", sa.Text),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "form_column",
        sa.Column("table_name", sa.String(63), primary_key=True),
        sa.Column("column_name", sa.String(63), primary_key=True),
        sa.Column("server", sa.String(255), nullable=False),
        sa.Column("asset_uid", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("unit", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("part", sa.String(16), nullable=False),
        sa.Column("choice", sa.Text),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("field_path", sa.Text, nullable=False),
        sa.Column("pii", sa.String(32)),
    )
    op.create_index("ix_form_column_asset", "form_column", ["server", "asset_uid"])
    op.create_table(
        "form_field",
        *_key(),
        sa.Column("version_uid", sa.String(64), primary_key=True),
        sa.Column("field_path", sa.Text, primary_key=True),
        sa.Column("field_type", sa.String(64), nullable=False),
        sa.Column("list_name", sa.Text),
        sa.Column("kuid", sa.String(64)),
        sa.Column("pii", sa.String(32)),
        sa.Column("repeat_path", sa.Text),
        sa.Column("table_name", sa.String(63), nullable=False),
        sa.Column("unit", sa.String(63), nullable=False),
    )
    op.create_table(
        "form_label",
        *_key(),
        sa.Column("version_uid", sa.String(64), primary_key=True),
        sa.Column("item_path", sa.Text, primary_key=True),
        sa.Column("language", sa.String(32), primary_key=True),
        sa.Column("item_kind", sa.String(16), nullable=False),
        sa.Column("label", sa.Text),
        sa.Column("hint", sa.Text),
    )
    op.create_table(
        "form_choice_label",
        *_key(),
        sa.Column("version_uid", sa.String(64), primary_key=True),
        sa.Column("list_name", sa.Text, primary_key=True),
        sa.Column("choice_name", sa.Text, primary_key=True),
        sa.Column("language", sa.String(32), primary_key=True),
        sa.Column("label", sa.Text),
    )
    op.create_table(
        "load_finding",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("server", sa.String(255), nullable=False),
        sa.Column("asset_uid", sa.String(64), nullable=False),
        sa.Column("kobo_id", sa.BigInteger, nullable=False),
        sa.Column("row_index", sa.String(64), nullable=False),
        sa.Column("field_path", sa.Text, nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("value", sa.Text),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
    )
    op.create_index("ix_load_finding_key", "load_finding", ["server", "asset_uid", "kobo_id"])
