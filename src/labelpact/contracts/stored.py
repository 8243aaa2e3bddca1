"""Read a contract the store holds: what an older labelpact accepted keeps working after an upgrade.

A partner's contract and the contract stored with an audit were accepted when they were stored, and stored
records never change. A later version may refuse one of their values (a lower-case currency, an AQL above
10, a zero share, a blank licence); refusing the whole contract would disable that partner for good. So a
stored value this version refuses is normalised where its meaning is unambiguous, else read as its clause's
default; an unknown section or key is ignored; text that is no longer TOML at all is read as the defaults.
Each such reading is one :class:`~labelpact.errors.StoredContractWarning`. Contracts given now (a file, an
upload) stay strict: :func:`~labelpact.contracts.contract.parse_contract`.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from labelpact.contracts.contract import CLAUSES, Contract, contract_of_document, load_toml
from labelpact.errors import InvalidInputError, StoredContractWarning

__all__ = [
    "Reading",
    "audit_contract",
    "partner_contract",
    "read_stored_contract",
    "stored_contract",
]

_BY_NAME = {c.name: c for c in CLAUSES}
_WHOLE = ""  # the key of a reading of the whole text (no longer TOML)


@dataclass(frozen=True, slots=True)
class Reading:
    """A stored value this version refuses and what is read instead: ``key`` is a dotted clause, a section
    or ``""`` for the whole text; ``stored`` and ``used`` are shown as they would be written in TOML-ish repr."""

    key: str
    stored: str
    used: str
    expected: str

    def describe(self) -> str:
        """One phrase for a warning or ``verify``: what was stored, what this version expects, what is read."""
        where = f"key {self.key!r}" if self.key else "the text"
        return f"{where}: this version refuses the stored {self.stored} (expected {self.expected}); read as {self.used}"


def read_stored_contract(text: str, *, source: str) -> tuple[Contract, tuple[Reading, ...]]:
    """The contract stored as ``text``, read leniently, and each value read otherwise than it is stored
    (none for a contract this version accepts as it is). The hash stays that of ``text``."""
    try:
        document = load_toml(text, source=source)
    except (InvalidInputError, RecursionError, ValueError) as error:  # ValueError: an integer too long
        whole = Reading(_WHOLE, "text", "every clause's default", f"valid TOML ({_detail(error)})")
        return contract_of_document({}, text=text, source=source), (whole,)
    readings: dict[str, Reading] = {}
    normalised: set[str] = set()
    for _ in range(_rounds(document)):  # each round normalises a key once, or drops a key or section
        try:
            return contract_of_document(document, text=text, source=source), tuple(readings.values())
        except InvalidInputError as error:
            reading = _repair(document, error, normalised)
            if reading is None:
                break
            first = readings.get(reading.key)  # a normalised value refused again: one reading, stored -> used
            readings[reading.key] = (
                reading if first is None else dataclasses.replace(first, used=reading.used)
            )
    whole = Reading(_WHOLE, "text", "every clause's default", "a contract this version can read")
    return contract_of_document({}, text=text, source=source), (*readings.values(), whole)


def stored_contract(text: str, *, source: str, advice: str) -> Contract:
    """The contract stored as ``text``, read leniently; each value read otherwise is one warning naming
    ``source``, the key, the stored and the used value, and ``advice`` (how to stop the warning)."""
    contract, readings = read_stored_contract(text, source=source)
    for reading in readings:
        warnings.warn(f"{source}, {reading.describe()}; {advice}", StoredContractWarning, stacklevel=2)
    return contract


def partner_contract(partner: str, text: str) -> Contract:
    """The contract on file for ``partner`` (stored text ``text``), read leniently with warnings."""
    return stored_contract(
        text,
        source=f"contract of {partner}",
        advice=f"the stored contract is kept as it is; to judge an audit of {partner} by a corrected one, "
        "pass it with --contract FILE",
    )


def audit_contract(audit: str, text: str) -> Contract:
    """The contract audit ``audit`` was judged by (stored text ``text``), read leniently with warnings."""
    return stored_contract(
        text,
        source=f"contract of audit {audit}",
        advice="the audit stands as stored; a new audit with --contract FILE judges by a corrected contract",
    )


def _rounds(document: dict[str, Any]) -> int:
    """An upper bound on repair rounds: each key is normalised at most once and dropped at most once."""
    return 2 + sum(2 * len(t) + 1 if isinstance(t, dict) else 1 for t in document.values())


def _repair(document: dict[str, Any], error: InvalidInputError, normalised: set[str]) -> Reading | None:
    """Change ``document`` so that ``error`` does not recur: normalise the refused value once, else drop
    it (its clause's default applies) or the unknown section or key; None when ``error`` names nothing."""
    name = error.column
    if name is None:
        return None
    if error.column_kind == "section":
        if name not in document:
            return None
        value = document.pop(name)
        stored = "section" if isinstance(value, dict) else repr(value)
        return Reading(name, stored, "nothing (ignored)", error.expected)
    section, _, key = name.partition(".")
    table = document.get(section)
    if not isinstance(table, dict) or key not in table:
        return None
    value = table[key]
    clause = _BY_NAME.get(name)
    fix = _NORMALISE.get(name)
    if clause is not None and fix is not None and name not in normalised:
        normalised.add(name)
        better = fix(value)
        if better is not None and better != value:
            table[key] = better
            return Reading(name, repr(value), repr(better), error.expected)
    del table[key]
    used = "nothing (ignored)" if clause is None else _shown(clause.default)
    return Reading(name, repr(value), used, error.expected)


def _currency(value: Any) -> Any:
    """``"usd"`` or ``" USD "`` as ``"USD"``: the code, in the case ISO 4217 writes it."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        return value.strip().upper()
    return None


def _classes(value: Any) -> Any:
    """Class names as labels are read (stripped), blank ones and repeats dropped, in the stored order."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return list(dict.fromkeys(v.strip() for v in value if v.strip()))


def _licences(value: Any) -> Any:
    """Allowed licences less the blank ones and those no SPDX id names (no task's licence can match them),
    when any is left; else None (the clause's default)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    from labelpact.ethics.provenance import spdx_id  # as the strict check loads it: only for licence lists

    known = [v.strip() for v in value if v.strip() and spdx_id(v.strip()) is not None]
    return list(dict.fromkeys(known)) or None


_NORMALISE: dict[str, Callable[[Any], Any]] = {
    "pay.currency": _currency,
    "labels.classes": _classes,
    "data.allowed_licenses": _licences,
}


def _shown(default: Any) -> str:
    """A clause's default as a warning shows it: ``the default 'USD'``, or ``no value`` for a clause that is
    off by default."""
    if default is None:
        return "no value (the clause's default)"
    return f"the default {list(default) if isinstance(default, tuple) else default!r}"


def _detail(error: BaseException) -> str:
    """Why the text is not TOML, in a few words."""
    if isinstance(error, InvalidInputError):
        return error.expected.removeprefix("valid TOML (").removesuffix(")")
    if isinstance(error, RecursionError):
        return "nesting too deep"
    return str(error).split(";")[0]
