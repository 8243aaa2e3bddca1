"""A new workspace store with one partner on a contract: where the deliverable-kind tests start."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from labelpact.config import load_settings
from labelpact.services import add_partner
from labelpact.store import Store


def partner_store(root: Path, contract: str, *, partner: str = "Tagwell") -> Store:
    """A store in ``root / "ws"`` whose ``partner`` (since 2025-09-01) is judged by ``contract`` (TOML text)."""
    path = root / "partner-contract.toml"
    path.write_text(contract, encoding="utf-8")
    store = Store.open(load_settings({}, workspace=root / "ws"), create=True)
    add_partner(store, partner, since=dt.date(2025, 9, 1), contract=path)
    return store
