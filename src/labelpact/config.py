"""Settings from the environment and the command line, resolved once at the edge; no import-time globals."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

__all__ = ["DEFAULT_WORKSPACE", "Settings", "load_settings"]

DEFAULT_WORKSPACE = Path(".labelpact")


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the workspace lives and which database holds the store.

    ``db_url`` is a SQLAlchemy URL: SQLite inside the workspace by default, ``postgresql://...`` for a team.
    """

    workspace: Path
    db_url: str

    @property
    def blob_root(self) -> Path:
        """Folder of the content-addressed blob store (delivered files and their normalised Parquet)."""
        return self.workspace / "blobs"

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")


def default_db_url(workspace: Path) -> str:
    """The embedded store: one SQLite file inside the workspace.

    The path is percent-quoted, as SQLAlchemy's URL parser decodes it: a folder named ``a?b`` or ``a%20b``
    is that folder, never a query string or the folder ``a b``.
    """
    return "sqlite:///" + quote(str((workspace / "labelpact.db").resolve()), safe="/")


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    workspace: str | Path | None = None,
    db: str | None = None,
) -> Settings:
    """Resolve settings: explicit arguments win, then ``LABELPACT_WORKSPACE`` / ``LABELPACT_DB``, then defaults."""
    env = os.environ if environ is None else environ
    ws = Path(workspace or env.get("LABELPACT_WORKSPACE") or DEFAULT_WORKSPACE).expanduser()
    url = db or env.get("LABELPACT_DB") or default_db_url(ws)
    if url.startswith("postgres://"):  # the scheme Heroku and libpq print; SQLAlchemy wants postgresql
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return Settings(workspace=ws, db_url=url)
