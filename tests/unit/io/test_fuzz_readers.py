"""A bounded fuzz of every reader (a few seconds): random edits of valid CSV, TSV, JSON Lines, Parquet,
Label Studio JSON (full and JSON_MIN) and contract TOML end in success with the row count an independent
reader finds, or in one ``InvalidInputError`` line; never another exception.

The mutations and the oracle live in ``benchmarks/fuzz.py``, which runs them for as long as asked and
prints the counts; here hypothesis draws the edits, so a failure shrinks to a small one.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelpact.errors import InvalidInputError
from labelpact.io import read_delivery


def _load_fuzz() -> ModuleType:
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "fuzz.py"
    spec = importlib.util.spec_from_file_location("labelpact_fuzz", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzz()

_OPS = st.lists(
    st.tuples(
        st.sampled_from(("insert", "replace", "delete", "duplicate", "truncate", "repeat")),
        st.integers(0, 1 << 16),
        st.sampled_from((1, 2, 5, 40, 300, 2000)),
        st.sampled_from(fuzz.ALPHABET),
    ),
    min_size=1,
    max_size=4,
)
_FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_every_seed_is_read_whole_before_any_mutation(tmp_path: Path) -> None:
    for seed in fuzz.SEEDS:
        assert fuzz.check(seed, seed.data, tmp_path) == "ok", seed.kind


@pytest.mark.parametrize("kind", [seed.kind for seed in fuzz.SEEDS])
@_FAST
@given(ops=_OPS)
def test_a_mutated_file_is_read_right_or_refused_in_one_line(kind: str, ops: list, tmp_path: Path) -> None:
    seed = next(s for s in fuzz.SEEDS if s.kind == kind)
    assert fuzz.check(seed, fuzz.mutate(seed.data, ops), tmp_path) in ("ok", "refused")


_CELL = st.text(alphabet=st.sampled_from(list('ab1.0"\n\r\t ,=-@[{\\é\u2028')), max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(_CELL, _CELL, st.one_of(st.none(), _CELL)), min_size=1, max_size=8))
def test_parquet_with_any_text_values_is_read_right_or_refused(cells: list, tmp_path: Path) -> None:
    """Value-level fuzz: Parquet holds any string exactly, so every value reaches the checks unchanged."""
    path = tmp_path / "v.parquet"
    task, worker, label = (list(column) for column in zip(*cells, strict=True))
    pq.write_table(pa.table({"task": task, "worker": worker, "label": label}), path)
    try:
        d = read_delivery(path)
    except InvalidInputError as error:
        message = str(error)
    else:
        message = ""
        assert d.n_rows == len(cells)
        names = (*d.annotations.classes, *d.annotations.tasks, *d.annotations.workers)
        assert all("\n" not in name and "\r" not in name for name in names)
    assert "\n" not in message and "\r" not in message
