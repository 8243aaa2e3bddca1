"""Read a contract file: UTF-8 TOML, validated clause by clause (``contracts.contract``), with its text."""

from __future__ import annotations

from pathlib import Path

from labelpact.contracts.contract import Contract, parse_contract
from labelpact.errors import InvalidInputError, missing_file
from labelpact.io.text_file import decode_utf8

__all__ = ["parse_contract_text", "read_contract"]


def read_contract(path: str | Path) -> tuple[Contract, str]:
    """The parsed contract in ``path`` and its exact text (the text is what an audit's hash cites)."""
    file = Path(path)
    if not file.is_file():
        raise InvalidInputError("an existing contract file", file=file, got=missing_file(file))
    text = decode_utf8(file, file.read_bytes())  # a BOM (Windows editors write one) is not TOML: dropped
    return parse_contract_text(text, source=str(file)), text


def parse_contract_text(text: str, *, source: str) -> Contract:
    """The contract in TOML ``text`` (a file's, or a request's field named ``source``): every way the text
    can be wrong is an ``InvalidInputError`` naming ``source``, including the two that ``tomllib`` raises
    as Python errors rather than TOML errors (the CLI answers exit 2 and the service 422, never a crash)."""
    try:
        return parse_contract(text, source=source)
    except InvalidInputError:
        raise
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise InvalidInputError(
            "TOML without deeply nested arrays", file=source, got="nesting too deep"
        ) from None
    except ValueError as error:  # tomllib: an integer of more digits than Python converts
        raise InvalidInputError("valid TOML", file=source, got=str(error).split(";")[0]) from None
