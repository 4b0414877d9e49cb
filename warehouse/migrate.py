"""Apply the warehouse migrations; cheap when the database is already at the head revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command as alembic_command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from warehouse.db import check_connection
from warehouse.lock import warehouse_lock

_SCRIPT_LOCATION = str(Path(__file__).parent / "migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", _SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, command: str = "db upgrade") -> bool:
    """Bring the warehouse to the head revision. Returns True when anything was applied.

    Migrating takes the warehouse lock, so two commands started together on a new warehouse
    do not both create its tables: the second finds them made. `command` names the command
    migrating in another's refusal."""
    check_connection(engine)
    if current_revision(engine) == head_revision():
        return False
    with warehouse_lock(engine, command):
        if current_revision(engine) == head_revision():
            return False
        config = _config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            alembic_command.upgrade(config, "head")
    return True
