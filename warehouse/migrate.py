"""Apply the warehouse migrations; cheap when the database is already at the head revision.

Every command checks the revision first, so that check imports nothing of alembic (a third
of a quick command's start-up): the head is read from the migration files' `revision` and
`down_revision` lines (tests/warehouse/test_migrations_match.py checks it against alembic's)
and the warehouse's revision from its `alembic_version` table. Alembic is imported only to
migrate.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.db import check_connection
from warehouse.lock import warehouse_lock

if TYPE_CHECKING:
    from alembic.config import Config

_SCRIPT_LOCATION = Path(__file__).parent / "migrations"
_REVISION = re.compile(
    r"^(down_revision|revision)\s*(?::[^=]*)?=\s*['\"]?([\w.-]+|None)['\"]?", re.M
)


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPT_LOCATION))
    return config


@cache
def head_revision() -> str:
    """The revision no migration builds on, from the migration files."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (_SCRIPT_LOCATION / "versions").glob("*.py"):
        text = path.read_text("utf-8")
        found = {match.group(1): match.group(2) for match in _REVISION.finditer(text)}
        if "revision" in found:
            revisions.add(found["revision"])
            parents.add(found.get("down_revision", "None"))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the warehouse migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """The warehouse's revision; None for a warehouse never migrated."""
    version = sa.table("alembic_version", sa.column("version_num"))
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.select(version.c.version_num)).scalar()


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
        from alembic import command as alembic_command

        config = _config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            alembic_command.upgrade(config, "head")
    return True
