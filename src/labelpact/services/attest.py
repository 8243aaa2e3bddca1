"""Use case: file statements for the transparency card that deliveries cannot show (annotator demographics,
intended uses, the annotation platform...), from a partner or about a project, kept verbatim and dated.

The file is TOML: an optional ``attested_by = "name, role"`` and a ``[rai]`` table of RAI 1.0 property
names (``dataUseCases = "..."``; the ``rai:`` prefix is optional), plus ``license`` for a project::

    attested_by = "Dana Ortiz, Head of Data"
    license = "https://creativecommons.org/licenses/by/4.0/"
    [rai]
    dataUseCases = "Fine-tuning and evaluation of the support-ticket sentiment model."
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from labelpact.errors import InvalidInputError, missing_file
from labelpact.io.text_file import decode_utf8
from labelpact.report import RAI_PROPERTIES, AttestationFacts
from labelpact.store import Store
from labelpact.store.attestations import AttestationRecord

__all__ = ["ATTESTABLE", "attest", "list_attestations", "parse_attestation"]

# Statements are text: the one DateTime property, the collection timeframe, is the card's own measure of the
# delivery dates, and a statement about it could never be shown.
ATTESTABLE = tuple(p.name for p in RAI_PROPERTIES if p.range == "Text")
_MEASURED_ONLY = tuple(p.name for p in RAI_PROPERTIES if p.range != "Text")
_MAX_BYTES = 1 << 20
_MAX_CHARS = 20_000  # one statement


def _statement(value: Any, where: str, file: Path) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(
            "a non-blank text", file=file, column=where, got=repr(value), column_kind="key"
        )
    if len(value) > _MAX_CHARS:
        raise InvalidInputError(
            f"at most {_MAX_CHARS:,} characters",
            file=file,
            column=where,
            got=f"{len(value):,}",
            column_kind="key",
        )
    if "\x00" in value:  # PostgreSQL cannot store it in text, and the service refuses it
        raise InvalidInputError(
            "a text without NUL characters",
            file=file,
            column=where,
            got=f"U+0000 at character {value.index(chr(0)) + 1}",
            column_kind="key",
        )
    return value.strip()


def parse_attestation(text: str, *, file: Path, project: bool) -> tuple[str | None, dict[str, str]]:
    """``(attested_by, statements)`` of an attestation file; unknown keys are errors that name the nearest."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError("TOML", file=file, got=str(error)) from None
    allowed_top = {"attested_by", "rai", *(("license",) if project else ())}
    for key in document:
        if key not in allowed_top:
            close = difflib.get_close_matches(key, [*allowed_top, *ATTESTABLE], n=1)
            if key == "license":  # the card's licence is the lab's to state, not a vendor's
                hint = " (a project attestation's key: labelpact attest --project NAME)"
            elif close:
                hint = f" (did you mean {close[0]!r}{' under [rai]' if close[0] in ATTESTABLE else ''}?)"
            else:
                hint = ""
            raise InvalidInputError(
                f"keys {', '.join(sorted(allowed_top))}",
                file=file,
                column=key,
                got=key + hint,
                column_kind="key",
            )
    by = document.get("attested_by")
    attested_by = None if by is None else _statement(by, "attested_by", file)
    rai = document.get("rai", {})
    if not isinstance(rai, dict):
        raise InvalidInputError(
            "a [rai] table", file=file, column="rai", got=type(rai).__name__, column_kind="key"
        )
    statements: dict[str, str] = {}
    for key, value in rai.items():
        name = key.removeprefix("rai:")
        if name in _MEASURED_ONLY:
            raise InvalidInputError(
                "an attestable RAI 1.0 property (the card measures this one from the delivery dates)",
                file=file,
                column=f"rai.{key}",
                got=key,
                column_kind="key",
            )
        if name not in ATTESTABLE:
            close = difflib.get_close_matches(name, ATTESTABLE, n=1, cutoff=0.6)
            raise InvalidInputError(
                "an RAI 1.0 property name" + (f" (did you mean {close[0]!r}?)" if close else ""),
                file=file,
                column=f"rai.{key}",
                got=key,
                column_kind="key",
            )
        if name in statements:  # "rai:dataUseCases" beside dataUseCases: one would be dropped
            raise InvalidInputError(
                "each property once (the 'rai:' prefix is optional)",
                file=file,
                column=f"rai.{key}",
                got=f"{name} given twice",
                column_kind="key",
            )
        statements[name] = _statement(value, f"rai.{key}", file)
    if "license" in document:
        statements["license"] = _statement(document["license"], "license", file)
    if not statements:
        raise InvalidInputError("at least one statement under [rai]", file=file, got="none")
    return attested_by, statements


def attest(
    store: Store,
    file: str | Path,
    *,
    partner: str | None = None,
    project: str | None = None,
    attested_by: str | None = None,
) -> AttestationRecord:
    """Store the statements of ``file`` about one partner or one project, with who attested and when."""
    path = Path(file)
    try:
        raw = path.read_bytes()[: _MAX_BYTES + 1]
    except FileNotFoundError:
        raise InvalidInputError("an existing attestation file", file=path, got=missing_file(path)) from None
    if len(raw) > _MAX_BYTES:
        raise InvalidInputError(f"at most {_MAX_BYTES:,} bytes", file=path, got="a larger file")
    text = decode_utf8(path, raw)  # a BOM is dropped; an undecodable byte is named by line and offset
    by, statements = parse_attestation(text, file=path, project=project is not None)
    who = attested_by or by or store.actor
    return store.add_attestation(
        partner=partner, project=project, attested_by=who, toml=text, statements=statements
    )


def list_attestations(store: Store) -> list[AttestationFacts]:
    """Every attestation as report facts, oldest first."""
    return [
        AttestationFacts(
            id=r.id,
            subject=r.subject,
            attested_by=r.attested_by,
            attested_at=r.attested_at,
            sha256=r.sha256,
            statements=tuple(sorted(r.statements.items())),
        )
        for r in store.list_attestations()
    ]
