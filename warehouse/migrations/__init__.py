"""Alembic migrations of the core warehouse tables, applied automatically by `upgrade()`."""
