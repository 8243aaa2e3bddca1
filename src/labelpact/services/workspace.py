"""Use cases that shape the workspace: who the client is, its partners and its projects."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

from labelpact.config import Settings
from labelpact.errors import InvalidInputError
from labelpact.io.contract import read_contract
from labelpact.partners.events import same_name
from labelpact.services.ingest import backfill_labels_digests
from labelpact.store import ClientRecord, PartnerRecord, ProjectRecord, Store
from labelpact.store.audit_records import contract_sha256
from labelpact.store.database import sqlite_file
from labelpact.store.names import check_name

__all__ = [
    "ContractChange",
    "add_partner",
    "add_project",
    "check_client_input",
    "check_partner_input",
    "check_project_input",
    "database_file",
    "open_workspace",
    "set_client",
    "set_partner_contract",
]


def open_workspace(settings: Settings, *, create: bool = False, write: bool = False) -> Store:
    """The store of the workspace ``settings`` name (created only with ``create``; read-only unless ``write``).
    Opened to write, it first gives batches stored before migration 0007 their labels digest (once)."""
    store = Store.open(settings, create=create, write=write)
    if write:
        try:
            backfill_labels_digests(store)
        except BaseException:
            store.close()
            raise
    return store


def database_file(settings: Settings) -> Path | None:
    """The SQLite file that holds the workspace's store; None for PostgreSQL."""
    return sqlite_file(settings.db_url)


def check_client_input(name: str, rivals: Sequence[str]) -> None:
    """Refuse a bad client or rival name before any workspace is created (errors name the field)."""
    check_name("client", name, column="name", column_kind="field")
    for rival in rivals:
        check_name("rival", rival, column="rivals", column_kind="field")


def check_partner_input(
    name: str,
    contract: str | Path | None = None,
    *,
    equity_stake: float | None = None,
    min_spend_usd: float | None = None,
) -> None:
    """Refuse a bad partner name, contract file, stake or spend before any workspace is created."""
    check_name("partner", name, column="name", column_kind="field")
    _check_terms(equity_stake, min_spend_usd)
    if contract is not None:
        read_contract(contract)


def _check_terms(equity_stake: float | None, min_spend_usd: float | None) -> None:
    """An equity stake from 0 to 1 and a finite minimum spend >= 0 (NaN fails both), when given."""
    if equity_stake is not None and not 0.0 <= equity_stake <= 1.0:
        raise InvalidInputError(
            "an equity stake between 0 and 1",
            column="equity_stake",
            column_kind="field",
            got=str(equity_stake),
        )
    if min_spend_usd is not None and not 0.0 <= min_spend_usd < math.inf:
        raise InvalidInputError(
            "a finite amount >= 0", column="min_spend_usd", column_kind="field", got=str(min_spend_usd)
        )


def check_project_input(name: str) -> None:
    """Refuse a bad project name before any workspace is created."""
    check_name("project", name, column="name", column_kind="field")


def set_client(store: Store, name: str, *, rivals: Sequence[str] = ()) -> ClientRecord:
    """Name the lab that runs this workspace and its rivals (a rival's stake in a partner is a conflict)."""
    name = name.strip()
    if not name:
        raise InvalidInputError("a non-blank client name", column="name", column_kind="field")
    cleaned = [r.strip() for r in rivals]
    if any(not r for r in cleaned):
        raise InvalidInputError("rival names without blanks", column="rivals", column_kind="field")
    if any(same_name(name, r) for r in cleaned):  # "openai" or a fullwidth "ＯｐｅｎＡＩ" is the client too
        raise InvalidInputError(
            "rivals other than the client itself", column="rivals", column_kind="field", got=repr(name)
        )
    return store.set_client(name, list(dict.fromkeys(cleaned)))


def add_partner(
    store: Store,
    name: str,
    *,
    since: date | None = None,
    equity_stake: float | None = None,
    min_spend_usd: float | None = None,
    contract: str | Path | None = None,
    allow_lookalike: bool = False,
) -> PartnerRecord:
    """Register a vendor; its contract file (TOML) is kept verbatim so every later audit can cite it.

    A name that looks like an existing partner's (``Scale`` / ``Sсale``) is refused unless ``allow_lookalike``.
    """
    name = name.strip()
    if not name:
        raise InvalidInputError("a non-blank partner name", column="name", column_kind="field")
    _check_terms(equity_stake, min_spend_usd)
    contract_toml = read_contract(contract)[1] if contract is not None else None
    return store.add_partner(
        name,
        since=since,
        equity_stake=equity_stake,
        min_spend_usd=min_spend_usd,
        contract_toml=contract_toml,
        allow_lookalike=allow_lookalike,
    )


class ContractChange(NamedTuple):
    """A partner's contract replaced: the partner now, and the SHA-256 of the contract before and after."""

    partner: PartnerRecord
    previous_sha256: str | None
    sha256: str


def set_partner_contract(store: Store, name: str, contract: str | Path) -> ContractChange:
    """Put a new contract (TOML file) on file for partner ``name``: later audits, health and the forecast judge
    by it; audits already stored keep the one they cite (both texts stay in the store, by SHA-256). The
    contract already in force is left as it is (``previous_sha256 == sha256``)."""
    text = read_contract(contract)[1]
    record, previous = store.set_partner_contract(name.strip(), text)
    return ContractChange(record, previous, contract_sha256(text))


def add_project(store: Store, name: str, *, description: str | None = None) -> ProjectRecord:
    """Create a project that batches are delivered to."""
    name = name.strip()
    if not name:
        raise InvalidInputError("a non-blank project name", column="name", column_kind="field")
    return store.add_project(name, description=description)
