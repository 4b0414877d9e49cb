"""Raw submissions: an index holding each submission's state (its `_id`, `_uuid`, content hash,
validation status, edit count, form version and deletion), so the sweep, the deletion marking
and the typed load's comparison read it without reading the payloads. In SQLite a row's
columns after a large payload (`edits`, `deleted_run`) are reached only through the
payload's overflow pages: without the index, a sync with nothing new read the whole table.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    op.create_index(
        "ix_raw_submission_state",
        "raw_submission",
        [
            "server",
            "asset_uid",
            "kobo_id",
            "deleted_run",
            "uuid",
            "validation_status",
            "content_hash",
            "edits",
            "form_version",
        ],
    )
