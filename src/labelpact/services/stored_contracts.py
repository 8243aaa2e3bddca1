"""Name the stored contracts this version would refuse: partners' contracts and those audits were judged by.

Nothing is damaged (``verify`` checks their bytes), but an older labelpact accepted a value this one refuses,
so each is read otherwise (``contracts.stored``); ``verify`` lists them so that a person can decide.
"""

from __future__ import annotations

from dataclasses import dataclass

from labelpact.contracts.stored import Reading, read_stored_contract
from labelpact.store import Store
from labelpact.store.records import SHORT_ID

__all__ = ["RefusedContract", "refused_contracts"]


@dataclass(frozen=True, slots=True)
class RefusedContract:
    """A stored contract with values this version refuses: ``subject`` is ``"partner Legacy"`` or ``"contract
    1a2b3c4d5e6f (audits a1, a3)"``, ``readings`` what is read instead of each refused value."""

    subject: str
    sha256: str
    readings: tuple[Reading, ...]

    @property
    def detail(self) -> str:
        """The readings as one line."""
        return "; ".join(r.describe() for r in self.readings)

    def to_dict(self) -> dict[str, object]:
        """The JSON form ``verify --json`` shows."""
        return {
            "subject": self.subject,
            "sha256": self.sha256,
            "detail": self.detail,
            "readings": [
                {"key": r.key, "stored": r.stored, "used": r.used, "expected": r.expected}
                for r in self.readings
            ],
        }


def refused_contracts(store: Store) -> list[RefusedContract]:
    """Each partner's contract, then each contract stored with audits, that this version would refuse as
    given now; the partners first, by name, then the audits' contracts in the order they were stored."""
    found: list[RefusedContract] = []
    for partner in store.list_partners():
        if partner.contract_toml is None:
            continue
        contract, readings = read_stored_contract(partner.contract_toml, source=f"contract of {partner.name}")
        if readings:
            found.append(RefusedContract(f"partner {partner.name}", contract.sha256, readings))
    for sha, text, audits in store.list_contracts():
        _, readings = read_stored_contract(text, source=f"contract {sha[:SHORT_ID]}")
        if readings:
            judged = f" (audit{'s' if len(audits) != 1 else ''} {', '.join(audits)})" if audits else ""
            found.append(RefusedContract(f"contract {sha[:SHORT_ID]}{judged}", sha, readings))
    return found
