"""Read a contract file: UTF-8 TOML, validated clause by clause (``contracts.contract``), with its text."""

from __future__ import annotations

from pathlib import Path

from labelpact.contracts.contract import Contract, parse_contract
from labelpact.errors import InvalidInputError, missing_file
from labelpact.io.text_file import decode_utf8

__all__ = ["read_contract"]


def read_contract(path: str | Path) -> tuple[Contract, str]:
    """The parsed contract in ``path`` and its exact text (the text is what an audit's hash cites)."""
    file = Path(path)
    if not file.is_file():
        raise InvalidInputError("an existing contract file", file=file, got=missing_file(file))
    text = decode_utf8(file, file.read_bytes())  # a BOM (Windows editors write one) is not TOML: dropped
    try:
        return parse_contract(text, source=str(file)), text
    except InvalidInputError:
        raise
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise InvalidInputError(
            "TOML without deeply nested arrays", file=file, got="nesting too deep"
        ) from None
    except ValueError as error:  # tomllib: an integer of more digits than Python converts
        raise InvalidInputError("valid TOML", file=file, got=str(error).split(";")[0]) from None
