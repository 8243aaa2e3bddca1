"""What a Croissant loader needs of a card besides its RAI values: a schema.org Dataset with a name, its
files as a list of FileObjects or FileSets, record sets whose fields read from those files, and ``@id``s a
loader accepts (mlcroissant refuses any with whitespace, even URL-escaped). One line per problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["structure_problems"]

_DATASET = {"sc:Dataset", "schema:Dataset", "https://schema.org/Dataset", "http://schema.org/Dataset"}
_FILE_TYPES = {"cr:FileObject", "cr:FileSet", "sc:FileObject", "sc:FileSet"}
_WHITESPACE = re.compile(r"\s")


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type")
    return {v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)}


def _ids(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every ``@id`` value below ``node`` with its path, ``@context`` left out (it holds IRIs, not nodes)."""
    stack = [(node, path)]
    while stack:  # iterative: a card nested deep must not exhaust the interpreter's stack
        item, where = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "@id":
                    yield where, value
                elif key != "@context":
                    stack.append((value, f"{where}.{key}"))
        elif isinstance(item, list):
            stack.extend((value, f"{where}[{i}]") for i, value in enumerate(item))


def _list_of_objects(card: dict[str, Any], key: str) -> tuple[list[dict[str, Any]], list[str]]:
    value = card.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        return [], [f"{key}: expected a list of objects, got {type(value).__name__}"]
    return value, []


def _field_sources(record_sets: list[dict[str, Any]], files: set[str]) -> Iterator[str]:
    """Fields whose ``source`` names a file object or file set the card does not distribute."""
    for i, rs in enumerate(record_sets):
        fields = rs.get("field", [])
        for j, field in enumerate(fields if isinstance(fields, list) else [fields]):
            source = field.get("source") if isinstance(field, dict) else None
            if not isinstance(source, dict):
                continue
            for kind in ("fileObject", "fileSet"):
                ref = source.get(kind)
                target = ref.get("@id") if isinstance(ref, dict) else None
                if ref is not None and target not in files:
                    yield (
                        f"recordSet[{i}].field[{j}].source.{kind}: expected the @id of a file in "
                        f"distribution, got {target!r}"
                    )


def structure_problems(card: dict[str, Any]) -> list[str]:
    """The problems of ``card`` (a parsed JSON object) as a Croissant dataset, apart from its RAI values."""
    problems = []
    if not _types(card) & _DATASET:
        problems.append(f"@type: expected sc:Dataset (a schema.org Dataset), got {card.get('@type')!r}")
    name = card.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"name: expected a non-blank text, got {name!r}")
    files, bad = _list_of_objects(card, "distribution")
    problems += bad
    for i, f in enumerate(files):
        if not _types(f) & _FILE_TYPES or not isinstance(f.get("@id"), str):
            problems.append(f"distribution[{i}]: expected a cr:FileObject or cr:FileSet with an @id")
    record_sets, bad = _list_of_objects(card, "recordSet")
    problems += bad
    known = {f["@id"] for f in files if isinstance(f.get("@id"), str)}
    problems += _field_sources(record_sets, known)
    for where, value in _ids(card, ""):
        if not isinstance(value, str) or _WHITESPACE.search(value):
            problems.append(
                f"@id at {where.lstrip('.') or 'the top level'}: expected an identifier without whitespace "
                f"(Croissant loaders refuse it, even URL-escaped), got {value!r}"
            )
    return problems
