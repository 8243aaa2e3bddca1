"""``docs/cli.md`` is generated from the commands' ``--help`` and must be current."""

from __future__ import annotations

from .cli_reference import REFERENCE, render


def test_cli_reference_is_up_to_date() -> None:
    text = render()
    assert "\n## labelpact aggregate\n" in text and "\n## labelpact partner add\n" in text
    assert REFERENCE.read_text(encoding="utf-8") == text, (
        "docs/cli.md is out of date: run `.venv/bin/python tests/integration/cli_reference.py --write`"
    )
