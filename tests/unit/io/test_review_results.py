"""A reviewer's sheet names each sampled task once: a task our sheet quoted against spreadsheet formulas
(``'=A1``) and the same task typed back unquoted (``=A1``) are one task, and the second row is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from labelpact.errors import InvalidInputError
from labelpact.io.predictions import read_review_results


def test_one_task_under_two_spellings_is_one_task_answered_twice(tmp_path: Path) -> None:
    sheet = tmp_path / "sample.csv"
    sheet.write_text("task,defective\n'=A1,no\nt2,no\n=A1,yes\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        read_review_results(sheet, tasks=["=A1", "t2"], classes=["x", "y"], consensus=np.array([0, 1]))
    assert caught.value.column == "task" and "one row per task" in str(caught.value)
    assert "line 4" in str(caught.value)


def test_the_quoted_spelling_alone_reads_as_its_task(tmp_path: Path) -> None:
    sheet = tmp_path / "sample.csv"
    sheet.write_text("task,defective\n'=A1,yes\nt2,no\n", encoding="utf-8")
    answers = read_review_results(sheet, tasks=["=A1", "t2"], classes=["x", "y"], consensus=np.array([0, 1]))
    assert answers.task.tolist() == [0, 1] and answers.defective.tolist() == [True, False]


def test_a_sheet_with_both_answer_columns_is_refused(tmp_path: Path) -> None:
    # three corrected labels beside defective=no: one of the two answers had to be ignored silently
    sheet = tmp_path / "sample.csv"
    sheet.write_text("task,label,defective\nt1,y,no\nt2,y,no\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="not both") as caught:
        read_review_results(sheet, tasks=["t1", "t2"], classes=["x", "y"], consensus=np.array([0, 0]))
    assert (caught.value.row, caught.value.column) == (1, "defective")


def test_numbers_a_spreadsheet_wrote_read_as_in_parquet(tmp_path: Path) -> None:
    # a sheet saved with 1.0/0.0 (Parquet's 1.0 already read as yes); 2.0 is still not an answer
    sheet = tmp_path / "sample.csv"
    sheet.write_text("task,defective\nt1,1.0\nt2,0.0\n", encoding="utf-8")
    answers = read_review_results(sheet, tasks=["t1", "t2"], classes=["x", "y"], consensus=np.array([0, 1]))
    assert answers.defective.tolist() == [True, False]
    sheet.write_text("task,defective\nt1,2.0\nt2,0.0\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="yes or no"):
        read_review_results(sheet, tasks=["t1", "t2"], classes=["x", "y"], consensus=np.array([0, 1]))
