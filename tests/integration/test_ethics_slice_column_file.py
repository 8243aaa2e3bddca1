"""``labelpact ethics --slice-column`` naming no field of the tasks file says which file it looked in."""

from __future__ import annotations

from pathlib import Path

from .conftest import RunCli


def test_an_unknown_slice_column_names_the_tasks_file(cli: RunCli, tmp_path: Path) -> None:
    labels, tasks = tmp_path / "labels.csv", tmp_path / "tasks.csv"
    labels.write_text("task,worker,label\nt1,w1,a\nt1,w2,a\nt2,w1,b\nt2,w2,b\n", encoding="utf-8")
    tasks.write_text("task,text,lang\nt1,hello,en\nt2,hallo,de\n", encoding="utf-8")
    run = cli("ethics", labels, "--tasks", tasks, "--slice-column", "nope")
    assert run.code == 2
    assert run.stderr.count("\n") == 1
    assert (
        f"{tasks}, slice column 'nope': expected a field of the tasks file among ['lang', 'text']"
        in run.stderr
    )
