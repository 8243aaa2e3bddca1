"""The review sample cannot be known before delivery: each audit draws a secret seed and stores it; the
stored seed draws the same sample again; a redelivery of the same tasks is sampled afresh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labelpact.errors import InvalidInputError
from labelpact.io.export import write_annotations
from labelpact.services.sampling import SAMPLE_SEED_ENV, sample_seed
from labelpact.simulate import simulate_delivery

from .conftest import RunCli


def test_each_audit_draws_its_own_secret_sample(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SAMPLE_SEED_ENV, raising=False)
    sim = simulate_delivery(n_tasks=600, n_workers=30, labels_per_task=3, gold_share=0.0, seed=2)
    first = write_annotations(sim.annotations, tmp_path / "week1.csv")
    rows = first.read_text().splitlines()
    again = tmp_path / "week1-again.csv"  # the same tasks and labels, redelivered in another row order
    again.write_text("\n".join([rows[0], *reversed(rows[1:])]) + "\n")
    assert cli("partner", "add", "Acme").code == 0
    docs = []
    for path in (first, again):
        run = cli("audit", path, "--partner", "Acme", "--project", "p", "--json")
        assert run.code == 0, run.stderr
        docs.append(json.loads(run.stdout))
    samples = [set(d["sample_tasks"]) for d in docs]
    seeds = [d["sampling_plan"]["seed"] for d in docs]
    assert seeds[0] != seeds[1] and samples[0] != samples[1]
    assert len(samples[0] & samples[1]) < len(samples[0]) // 2  # not the same tasks as the first
    # the stored seed draws the same sample again (a reproducible, checkable draw)
    repeat = cli(
        "audit", first, "--partner", "Acme", "--project", "p", "--sample-seed", str(seeds[0]), "--json"
    )
    assert repeat.code == 0, repeat.stderr
    assert set(json.loads(repeat.stdout)["sample_tasks"]) == samples[0]


def test_the_seed_is_secret_unless_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SAMPLE_SEED_ENV, raising=False)
    drawn = {sample_seed() for _ in range(20)}
    assert len(drawn) == 20 and all(0 <= s < 2**62 for s in drawn)
    assert sample_seed(7) == 7
    monkeypatch.setenv(SAMPLE_SEED_ENV, "12")
    assert sample_seed() == 12 and sample_seed(3) == 3
    for bad in ("-7", "x", str(2**62 + 1)):  # what --sample-seed refuses, so a stored seed can be given back
        monkeypatch.setenv(SAMPLE_SEED_ENV, bad)
        with pytest.raises(InvalidInputError, match="0 to"):
            sample_seed()
    with pytest.raises(InvalidInputError, match="0 to"):
        sample_seed(-1)
