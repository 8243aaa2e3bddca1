from __future__ import annotations

import threading
import warnings
from pathlib import Path

import pytest

from labelpact.config import load_settings
from labelpact.errors import (
    ConflictError,
    ConvergenceWarning,
    ForbiddenError,
    InvalidInputError,
    LabelpactError,
    NotFoundError,
    StoreError,
    exit_code,
    http_status,
    quiet_convergence,
    warn_convergence,
)


def test_invalid_input_renders_one_line_with_file_row_column() -> None:
    error = InvalidInputError("a worker id", file="labels.csv", row=7, column="worker", got="a blank\ncell")
    assert str(error) == "labels.csv, line 7, column 'worker': expected a worker id, got a blank cell"
    assert (error.file, error.row, error.column) == ("labels.csv", 7, "worker")


def test_invalid_input_without_location_is_just_the_expectation() -> None:
    assert str(InvalidInputError("a number", got="'x'")) == "expected a number, got 'x'"


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (InvalidInputError("x"), 2, 422),
        (NotFoundError("unknown partner"), 2, 404),
        (ForbiddenError("no"), 2, 403),
        (ConflictError("twice"), 2, 409),
        (StoreError("down"), 1, 503),
        (RuntimeError("bug"), 1, 500),
    ],
)
def test_one_mapping_for_exit_codes_and_http(error: Exception, code: int, status: int) -> None:
    assert exit_code(error) == code
    assert http_status(error) == status


def test_errors_are_also_builtin_kinds() -> None:
    assert issubclass(InvalidInputError, ValueError)
    assert issubclass(NotFoundError, LookupError)
    assert str(NotFoundError("unknown partner 'X'")) == "unknown partner 'X'"
    assert issubclass(StoreError, LabelpactError)


def test_settings_precedence(tmp_path: Path) -> None:
    env = {"LABELPACT_WORKSPACE": str(tmp_path / "env-ws"), "LABELPACT_DB": "postgresql://u:p@127.0.0.1/db"}
    from_env = load_settings(env)
    assert from_env.workspace == tmp_path / "env-ws"
    assert from_env.db_url == "postgresql+psycopg://u:p@127.0.0.1/db"
    explicit = load_settings(env, workspace=tmp_path / "cli-ws", db="sqlite:///x.db")
    assert explicit.workspace == tmp_path / "cli-ws"
    assert explicit.db_url == "sqlite:///x.db"
    default = load_settings({}, workspace=tmp_path)
    assert default.db_url == f"sqlite:///{(tmp_path / 'labelpact.db').resolve()}"
    assert default.is_sqlite
    assert default.blob_root == tmp_path / "blobs"


def test_quiet_convergence_silences_its_own_thread_only() -> None:
    """A trial fit's silence in one thread (a server job) must not swallow another thread's warning, as the
    process-wide ``warnings.catch_warnings`` did; the warning names the caller's line."""
    inside, warned = threading.Event(), threading.Event()

    def trial() -> None:
        with quiet_convergence():
            inside.set()
            warned.wait(5)
            warn_convergence("trial fit stopped")  # silent: this thread is quiet

    def delivered() -> None:
        inside.wait(5)
        warn_convergence("delivered fit stopped")  # heard, while the other thread is quiet
        warned.set()

    with warnings.catch_warnings(record=True) as heard:
        warnings.simplefilter("always")
        threads = [threading.Thread(target=trial), threading.Thread(target=delivered)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        with quiet_convergence():
            warn_convergence("quiet here too")
        warn_convergence("and heard again after the block")
    assert [str(w.message) for w in heard] == ["delivered fit stopped", "and heard again after the block"]
    assert all(w.category is ConvergenceWarning for w in heard)
    assert heard[-1].filename == __file__
