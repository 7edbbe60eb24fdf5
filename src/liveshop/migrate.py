"""Run Alembic programmatically (the CLI, the demo and the tests all come through here)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.set_main_option("path_separator", "os")
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def check(url: str) -> None:
    """Raise if the models have changes that no migration captures."""
    command.check(alembic_config(url))


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> None:
    """Print the database's revision (Alembic writes it to stdout)."""
    command.current(alembic_config(url), verbose=False)


def revision(url: str, message: str, *, autogenerate: bool) -> None:
    """Write a new migration into the package, compared against the database at `url`."""
    command.revision(alembic_config(url), message=message, autogenerate=autogenerate)
