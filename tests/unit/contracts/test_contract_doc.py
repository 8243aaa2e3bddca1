"""docs/contract.md lists the contract keys generated from the clause table; this test keeps it current.

Refresh it after a change to ``CLAUSES`` with ``.venv/bin/python tests/unit/contracts/test_contract_doc.py --write``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from labelpact.contracts.clauses import CLAUSES, clauses_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "contract.md"
START, END = "<!-- clauses: start -->", "<!-- clauses: end -->"


def refreshed(text: str) -> str:
    """``text`` with the generated key tables between the markers."""
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{clauses_markdown()}{END}{tail}"


def test_the_contract_doc_lists_every_key_as_the_clause_table_says() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text == refreshed(text), (
        "docs/contract.md is out of date: run .venv/bin/python tests/unit/contracts/test_contract_doc.py --write"
    )
    for clause in CLAUSES:
        assert f"| `{clause.name}` |" in text


def test_refresh_replaces_only_the_generated_part() -> None:
    stale = f"intro\n{START}\n| `old.key` |\n{END}\nafter\n"
    fresh = refreshed(stale)
    assert fresh.startswith(f"intro\n{START}\n### `[labels]`") and fresh.endswith(f"{END}\nafter\n")
    assert "old.key" not in fresh and refreshed(fresh) == fresh


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    DOC.write_text(refreshed(DOC.read_text(encoding="utf-8")), encoding="utf-8")
