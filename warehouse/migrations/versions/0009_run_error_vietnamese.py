"""Run log: the error line in Vietnamese beside the English one.

Runs logged before keep their English line; the two fixed texts of that time (a process gone,
Ctrl-C) get their Vietnamese one here.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"

_KNOWN = {  # error stored before 0009 → its Vietnamese text
    "process ended before the run finished (killed, or the machine stopped)": (
        "tiến trình đã dừng trước khi lần chạy kết thúc (bị buộc dừng, hoặc máy đã tắt)"
    ),
    "KeyboardInterrupt": "người dùng đã dừng lần chạy (Ctrl-C)",
}


def upgrade() -> None:
    with op.batch_alter_table("run_log") as batch:
        batch.add_column(sa.Column("error_vi", sa.Text))
    run_log = sa.table("run_log", sa.column("error", sa.Text), sa.column("error_vi", sa.Text))
    for english, vietnamese in _KNOWN.items():
        op.execute(run_log.update().where(run_log.c.error == english).values(error_vi=vietnamese))
