"""``cli.engine.pick`` hands the command's ``warn`` on to a Dask service that takes one (the ethics scan's
"payloads cover N of M tasks" warning was dropped under ``--engine dask``), and not to one that does not."""

from __future__ import annotations

from typing import Any

from labelpact.cli.engine import pick


def test_warn_reaches_a_dask_service_that_takes_it() -> None:
    heard: list[str] = []

    def with_warn(path: str, *, scheduler: str | None, warn: Any = None) -> str:
        if warn is not None:
            warn(f"{path} on {scheduler}")
        return path

    def without_warn(path: str, *, scheduler: str | None) -> str:
        return f"{path} on {scheduler}"

    call = pick("dask", "tcp://h:8786", lambda *a, **k: None, with_warn)
    assert call("parts", warn=heard.append) == "parts" and heard == ["parts on tcp://h:8786"]
    assert (
        pick("dask", None, lambda *a, **k: None, without_warn)("parts", warn=heard.append) == "parts on None"
    )
