"""The partnership contract: a TOML file of clauses that every audit is judged by.

The clauses live in one table (``contracts.clauses.CLAUSES``) read by the parser, the typed sections,
the docs and the tests, so a key is documented, typed and range-checked in exactly one place. Errors
name the key and its line.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from labelpact.contracts.clauses import (
    CLAUSES,
    SECTIONS,
    AcceptanceClauses,
    AllocationClauses,
    Clause,
    DataClauses,
    DeliveryClauses,
    EthicsClauses,
    LabelsClauses,
    PayClauses,
    PersonalDataPolicy,
    QualityClauses,
)
from labelpact.contracts.refinement_clauses import DemonstrationsClauses, PreferencesClauses, RatingsClauses
from labelpact.core.iso2859 import PERCENT_AQLS
from labelpact.errors import InvalidInputError

__all__ = ["CLAUSES", "Clause", "Contract", "contract_of_document", "load_toml", "parse_contract"]

_BY_NAME = {c.name: c for c in CLAUSES}
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_SECTIONS = {c.section for c in CLAUSES}


@dataclass(frozen=True, slots=True)
class Contract:
    """A parsed, validated contract: one typed section per TOML table (defaults filled), the text's hash.

    ``contract.quality.max_error_rate`` reads a clause; ``given`` names the clauses the file set itself.
    """

    labels: LabelsClauses = field(default_factory=LabelsClauses)
    quality: QualityClauses = field(default_factory=QualityClauses)
    acceptance: AcceptanceClauses = field(default_factory=AcceptanceClauses)
    delivery: DeliveryClauses = field(default_factory=DeliveryClauses)
    pay: PayClauses = field(default_factory=PayClauses)
    data: DataClauses = field(default_factory=DataClauses)
    ethics: EthicsClauses = field(default_factory=EthicsClauses)
    allocation: AllocationClauses = field(default_factory=AllocationClauses)
    preferences: PreferencesClauses = field(default_factory=PreferencesClauses)
    ratings: RatingsClauses = field(default_factory=RatingsClauses)
    demonstrations: DemonstrationsClauses = field(default_factory=DemonstrationsClauses)
    sha256: str = _EMPTY_SHA256
    source: str = "<contract>"
    given: frozenset[str] = field(default_factory=frozenset)  # clauses the file set explicitly

    @property
    def values(self) -> dict[str, Any]:
        """Every clause by its dotted name (``quality.max_error_rate``), in the table's order."""
        return {c.name: getattr(getattr(self, c.section), c.key) for c in CLAUSES}

    @property
    def classes(self) -> tuple[str, ...] | None:
        return self.labels.classes

    @property
    def method(self) -> str:
        return self.quality.method

    @property
    def personal_data(self) -> PersonalDataPolicy:
        return self.data.personal_data

    @classmethod
    def default(cls) -> Contract:
        """The contract used when none is on file: defaults only, no thresholds."""
        return parse_contract("", source="<default contract>")

    @classmethod
    def of_values(
        cls, values: Mapping[str, Any], *, sha256: str, source: str, given: frozenset[str]
    ) -> Contract:
        """The contract holding ``values`` (every clause by dotted name, already checked)."""
        sections = {
            name: section(**{c.key: values[c.name] for c in CLAUSES if c.section == name})
            for name, section in SECTIONS.items()
        }
        return cls(**sections, sha256=sha256, source=source, given=given)


def parse_contract(text: str, *, source: str = "<contract>") -> Contract:
    """Parse and validate contract TOML; unknown keys, wrong types and out-of-range values are errors."""
    return contract_of_document(load_toml(text, source=source), text=text, source=source)


def load_toml(text: str, *, source: str) -> dict[str, Any]:
    """The TOML document in ``text``; a syntax error is an ``InvalidInputError`` naming ``source`` and its line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = _toml_error_line(str(error))
        raise InvalidInputError(
            f"valid TOML ({_strip_position(str(error))})", file=source, row=line
        ) from None


def contract_of_document(document: Mapping[str, Any], *, text: str, source: str) -> Contract:
    """Validate the loaded TOML ``document`` of ``text`` as a contract (the text gives the hash and the lines
    errors cite): the strict check of :func:`parse_contract`, which a stored contract's lenient reading
    (``contracts.stored``) repeats on a document it has repaired."""
    lines = _key_lines(text)
    values: dict[str, Any] = {c.name: _freeze(c.default) for c in CLAUSES}
    given: set[str] = set()
    for section, table in document.items():
        if section not in _SECTIONS or not isinstance(table, dict):
            near = (
                difflib.get_close_matches(section, sorted(_SECTIONS), n=1) if section not in _SECTIONS else []
            )
            raise InvalidInputError(
                f"a section among {sorted(_SECTIONS)}",
                file=source,
                row=lines.get(section),
                column=section,
                got=("an unknown section" if section not in _SECTIONS else "a value, not a [section] table")
                + (f" (did you mean {near[0]!r}?)" if near else ""),
                column_kind="section",
            )
        for key, raw in table.items():
            name = f"{section}.{key}"
            clause = _BY_NAME.get(name)
            if clause is None:
                known = sorted(c.key for c in CLAUSES if c.section == section)
                guess = difflib.get_close_matches(key, known, n=1)
                raise InvalidInputError(
                    f"a key of [{section}] among {known}",
                    file=source,
                    row=lines.get(name),
                    column=name,
                    got="an unknown key" + (f" (did you mean {guess[0]!r}?)" if guess else ""),
                    column_kind="key",
                )
            values[name] = _check(clause, raw, source, lines.get(name))
            given.add(name)
    _check_consistency(values, source, lines)
    _check_agreed_values(values, given, source, lines)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Contract.of_values(values, sha256=digest, source=source, given=frozenset(given))


def _check(clause: Clause, raw: Any, source: str, line: int | None) -> Any:
    def fail(expected: str) -> InvalidInputError:
        return InvalidInputError(
            expected, file=source, row=line, column=clause.name, got=repr(raw), column_kind="key"
        )

    if clause.kind == "bool":
        if not isinstance(raw, bool):
            raise fail("true or false")
        return raw
    if clause.kind in ("float", "int"):
        if (
            isinstance(raw, bool)
            or not isinstance(raw, int | float)
            or (clause.kind == "int" and not isinstance(raw, int))
        ):
            raise fail(f"a number ({clause.doc})")
        if (
            not math.isfinite(raw)
            or (clause.low is not None and raw < clause.low)
            or (clause.high is not None and raw > clause.high)
        ):
            raise fail(f"a number between {clause.low:g} and {clause.high:g} ({clause.doc})")
        return float(raw) if clause.kind == "float" else raw
    if clause.kind == "scales":
        return _scales(raw, fail)
    if clause.kind == "str":
        if not isinstance(raw, str) or not raw.strip():
            raise fail(f"a non-blank string ({clause.doc})")
        if clause.choices is not None and raw not in clause.choices:
            raise fail(f"one of {list(clause.choices)}")
        return raw
    if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() for v in raw):
        raise fail(f"a list of non-blank strings ({clause.doc})")
    if len(set(raw)) != len(raw):
        raise fail("a list without repeats")
    if clause.choices is not None:
        unknown = [v for v in raw if v not in clause.choices]
        if unknown:
            raise InvalidInputError(
                f"items among {list(clause.choices)}",
                file=source,
                row=line,
                column=clause.name,
                got=repr(unknown[0]),
                column_kind="key",
            )
    return tuple(raw)


def _scales(raw: Any, fail: Callable[[str], InvalidInputError]) -> tuple[tuple[str, float, float], ...]:
    """A table of ``name = [min, max]`` as ((name, min, max), ...), in the file's order."""
    expected = "a table of criterion = [min, max] with finite numbers, min < max"
    if not isinstance(raw, dict) or not raw:
        raise fail(expected)
    out = []
    for name, bounds in raw.items():
        numbers = isinstance(bounds, list) and len(bounds) == 2
        numbers = numbers and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
        if not numbers or not (
            math.isfinite(bounds[0]) and math.isfinite(bounds[1]) and bounds[0] < bounds[1]
        ):
            raise fail(f"{expected} (at {name!r})")
        out.append((str(name), float(bounds[0]), float(bounds[1])))
    return tuple(out)


def _check_consistency(values: dict[str, Any], source: str, lines: Mapping[str, int]) -> None:
    aql = values["acceptance.aql"]
    if not any(math.isclose(aql, column, rel_tol=1e-9) for column in PERCENT_AQLS):
        raise InvalidInputError(
            "an AQL in percent defective, a column of ISO 2859-1 Table 2-A: one of "
            f"{', '.join(f'{a:g}' for a in PERCENT_AQLS)}",
            file=source,
            row=lines.get("acceptance.aql"),
            column="acceptance.aql",
            got=repr(aql),
            column_kind="key",
        )
    classes = values["labels.classes"]
    if classes is not None and len(classes) < 2:
        raise InvalidInputError(
            "at least two classes",
            file=source,
            row=lines.get("labels.classes"),
            column="labels.classes",
            column_kind="key",
        )


def _check_agreed_values(
    values: dict[str, Any], given: set[str], source: str, lines: Mapping[str, int]
) -> None:
    """Values that parse but that no delivery could honour: a class name with spaces around it (labels are
    read stripped), a currency that is not an ISO 4217 code, no share of the work for anyone, an allowed licence
    that names no licence we know, and a file that both allows personal data and blocks on it."""

    def refuse(key: str, expected: str, got: str) -> InvalidInputError:
        return InvalidInputError(
            expected, file=source, row=lines.get(key), column=key, got=got, column_kind="key"
        )

    for name in values["labels.classes"] or ():
        if name != name.strip():
            raise refuse("labels.classes", "class names without spaces at either end", repr(name))
    if not re.fullmatch(r"[A-Z]{3}", str(values["pay.currency"])):
        raise refuse("pay.currency", "an ISO 4217 currency code such as 'USD'", repr(values["pay.currency"]))
    if values["allocation.max_share"] == 0:
        raise refuse("allocation.max_share", "a share above 0 (0 leaves no partner any work)", "0")
    if values["data.allowed_licenses"]:
        from labelpact.ethics.provenance import spdx_id  # loaded only when the contract lists licences

        for name in values["data.allowed_licenses"]:
            if spdx_id(name) is None:
                raise refuse(
                    "data.allowed_licenses", "SPDX licence ids such as 'CC-BY-4.0' (https://spdx.org/licenses/)",
                    repr(name),
                )  # fmt: skip
    personal = values["data.personal_data"]
    if "ethics.block_on" in given and "pii" in values["ethics.block_on"] and personal != "reject":
        raise refuse(
            "ethics.block_on",
            f"no 'pii' here when [data] personal_data = {personal!r}: the two contradict (drop one)",
            repr(list(values["ethics.block_on"])),
        )


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


_SECTION = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*=")


def _key_lines(text: str) -> dict[str, int]:
    """1-based line of each ``[section]`` and ``section.key`` (first occurrence), for error messages."""
    found: dict[str, int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _SECTION.match(line):
            section = match.group(1)
            found.setdefault(section, number)
        elif match := _KEY.match(line):  # a dotted key (quality.min_agreement = 0.5) names its own section
            parts = re.sub(r"\s+", "", match.group(1)).split(".")
            for end in range(len(parts), 0, -1):  # the key and each table it opens
                key = ".".join(parts[:end])
                found.setdefault(f"{section}.{key}" if section else key, number)
    return found


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _strip_position(message: str) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
