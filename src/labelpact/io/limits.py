"""The documented limits on what one delivery may hold, checked at ingest before anything is stored.

A hostile or broken delivery (100,000 distinct "classes", a 10 MB label, a JSON file nested 20,000 levels
deep) is refused with exit 2 and one line, instead of being stored and then asking every analysis for
tens of GiB. The defaults are far above any real labelling project; ``read_delivery(limits=...)``
takes other values. ``LIMITS_TABLE`` is the table ``docs/input-limits.md`` shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["DEFAULT_LIMITS", "LIMITS_TABLE", "Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds on one delivery; each is inclusive (a value equal to the limit is accepted).

    ``max_classes``: distinct labels (analyses hold n_tasks x n_classes arrays, so classes cost memory);
    ``max_label_chars``: characters in one label; ``max_name_chars``: characters in one task or worker id;
    ``max_json_depth``: nesting of JSON arrays and objects (checked on the bytes, before any parser runs).
    """

    max_classes: int = 1_000
    max_label_chars: int = 200
    max_name_chars: int = 1_000
    max_json_depth: int = 64


DEFAULT_LIMITS: Final = Limits()

# (field, what it bounds, why): the table the README and ``labelpact ingest --help`` cite
LIMITS_TABLE: Final = (
    ("max_classes", "distinct labels in one batch", "every analysis holds n_tasks x n_classes numbers"),
    ("max_label_chars", "characters in one label", "a class is a short name; a longer one is a broken file"),
    ("max_name_chars", "characters in one task or worker id", "ids are keys, not payloads"),
    ("max_json_depth", "nesting of JSON arrays and objects", "deep nesting crashes JSON parsers"),
)
