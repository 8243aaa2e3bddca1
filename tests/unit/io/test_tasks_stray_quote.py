"""The tasks file is refused at a stray quote that swallows the rows after it, as the labels file is."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelpact.errors import InvalidInputError
from labelpact.io import read_tasks


def test_a_stray_quote_is_refused_at_its_line_and_column(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.csv"
    tasks.write_text(
        'task,text\nt1,"Great product, 5 stars\nt2,Call me at 415-555-2671\nt3,fine\nt4,"my ssn is 536-22-1234"\n'
    )
    with pytest.raises(InvalidInputError) as raised:
        read_tasks(tasks)
    message = str(raised.value)
    assert message.startswith(f"{tasks}, line 2, column 'text': ")
    assert "stray quote" in message and "\n" not in message


def test_a_text_wrapped_over_two_lines_is_one_value(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.csv"
    tasks.write_text('task,text\nt1,"Great product,\nstill the same review"\nt2,fine\n')
    payloads = read_tasks(tasks)
    assert payloads.task == ("t1", "t2")
    assert payloads.fields["text"] == ("Great product,\nstill the same review", "fine")
