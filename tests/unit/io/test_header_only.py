"""A delimited file holding only its header, with or without a final line end, is refused at line 2 with
"only the header" (pyarrow cannot skip the one unterminated line: its own message named no line)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from labelpact.errors import InvalidInputError
from labelpact.io import read_delivery, read_gold


@pytest.mark.parametrize("end", ["", "\n", "\r\n", "\r"], ids=["none", "lf", "crlf", "cr"])
@pytest.mark.parametrize(
    ("name", "header"),
    [("h.csv", "task,worker,label"), ("h.tsv", "task\tworker\tlabel"), ("b.csv", "\ufefftask,worker,label")],
)
def test_a_header_alone_is_only_the_header(tmp_path: Path, name: str, header: str, end: str) -> None:
    path = tmp_path / name
    path.write_text(header + end, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"line 2.*only the header"):
        read_delivery(path)


def test_a_gzip_header_alone_is_only_the_header(tmp_path: Path) -> None:
    path = tmp_path / "h.csv.gz"
    path.write_bytes(gzip.compress(b"task,worker,label"))
    with pytest.raises(InvalidInputError, match=r"line 2.*only the header"):
        read_delivery(path)


def test_a_gold_header_alone_is_only_the_header(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("task,worker,label\nt1,w1,a\n", encoding="utf-8")
    (tmp_path / "g.csv").write_text("task,label", encoding="utf-8")
    annotations = read_delivery(tmp_path / "a.csv").annotations
    with pytest.raises(InvalidInputError, match=r"line 2.*only the header"):
        read_gold(tmp_path / "g.csv", annotations)


def test_one_row_without_a_line_end_is_read(tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text("task,worker,label\nt1,w1,a", encoding="utf-8")
    assert read_delivery(tmp_path / "one.csv").annotations.tasks == ("t1",)
