"""``labelpact transparency --check``: read a card file as strict JSON (no duplicate keys, no NaN, nesting
bounded on the bytes before the parser runs) and list its problems against labelpact's profile, and those
of the files it names beside it (their SHA-256 must be the card's).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any

from labelpact.errors import InvalidInputError, missing_file
from labelpact.io.limits import Limits
from labelpact.io.nesting import check_json_depth
from labelpact.report import check_card
from labelpact.services.ingest import file_sha256

__all__ = ["check_card_file"]


class _Duplicates:
    """An ``object_pairs_hook`` that keeps the first value of a repeated key and remembers the key."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        counts = Counter(key for key, _ in pairs)
        self.keys += sorted(key for key, n in counts.items() if n > 1)
        out: dict[str, Any] = {}
        for key, value in pairs:
            out.setdefault(key, value)
        return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"the non-standard JSON constant {name}")


def _read(source: Path) -> tuple[Any, list[str]]:
    """The parsed card and the keys given twice in one object; ``InvalidInputError`` for anything not JSON."""
    if not source.is_file():
        raise InvalidInputError("an existing card file", file=source, got=missing_file(source))
    limit = Limits().max_json_depth
    check_json_depth(lambda: source.open("rb"), file=source, limit=limit, per_line=False)
    duplicates = _Duplicates()
    try:
        text = source.read_text(encoding="utf-8")
        card = json.loads(text, object_pairs_hook=duplicates, parse_constant=_no_constant)
    except UnicodeDecodeError as error:
        raise InvalidInputError("a JSON-LD document in UTF-8", file=source, got=str(error)) from None
    except json.JSONDecodeError as error:
        raise InvalidInputError("a JSON-LD document", file=source, row=error.lineno, got=error.msg) from None
    except ValueError as error:  # parse_constant: NaN, Infinity, -Infinity (RFC 8259 has none)
        raise InvalidInputError("a JSON-LD document (RFC 8259 JSON)", file=source, got=str(error)) from None
    return card, duplicates.keys


def _local(url: Any) -> PurePosixPath | None:
    """A ``contentUrl`` that names a file beside the card (relative, no scheme, no ``..``), else None."""
    if not isinstance(url, str) or not url or ":" in url or url.startswith(("/", "\\")):
        return None
    path = PurePosixPath(url)
    return None if ".." in path.parts else path


def _file_problems(card: Any, folder: Path) -> list[str]:
    """The files the card names beside it whose bytes are not the ones it describes (SHA-256, size)."""
    files = card.get("distribution") if isinstance(card, dict) else None
    problems = []
    for i, entry in enumerate(files if isinstance(files, list) else ()):
        local = _local(entry.get("contentUrl")) if isinstance(entry, dict) else None
        if local is None or not (folder / local).is_file():
            continue  # a remote file, or a card checked without its files
        actual = file_sha256(folder / local)
        said = entry.get("sha256")
        if not isinstance(said, str) or said.lower() != actual:
            problems.append(
                f"distribution[{i}] {local}: expected its sha256 to be the file's ({actual}), got {said!r}"
            )
    return problems


def check_card_file(path: str | Path) -> list[str]:
    """The problems of a card file, one line each (``card.jsonld: rai:x: ...``); [] when it passes."""
    source = Path(path)
    card, duplicates = _read(source)
    problems = [
        f"{key}: given more than once in one JSON object (a JSON-LD processor may keep either value)"
        for key in duplicates
    ]
    problems += check_card(card) + _file_problems(card, source.parent)
    return [f"{source.name}: {problem}" for problem in problems]
