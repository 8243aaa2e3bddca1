"""One contract key (:class:`Clause`): the row type of the clause tables in ``clauses`` and ``refinement_clauses``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Clause", "ClauseKind"]

ClauseKind = Literal["float", "int", "str", "bool", "str_list", "scales"]


@dataclass(frozen=True, slots=True)
class Clause:
    """One contract key: where it lives, its type, its allowed range or choices, its default and meaning.

    A ``scales`` clause is a TOML table of ``name = [min, max]`` (a rubric's criteria and their ranges).
    """

    section: str
    key: str
    kind: ClauseKind
    default: Any
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"
