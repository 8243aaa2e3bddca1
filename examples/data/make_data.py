"""Regenerate the small example delivery the README's tour uses (seeded: the same bytes every time).

Run: ``.venv/bin/python examples/data/make_data.py``. Writes, next to this file:
``acme-week1.csv`` (1,200 sentiment tasks, 3 labels each, with time on task), ``acme-week1-gold.csv``
(60 honeypots), ``acme-week1-tasks.csv`` (the texts, their source and licence; three leak an email or a
card number) and ``acme-week1-preds.csv`` (a model's out-of-sample class probabilities).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import Simulation, simulate_delivery
from labelpact.simulate.payloads import simulate_payloads, underpay_workers, write_tasks

HERE = Path(__file__).resolve().parent
CLASSES = ("negative", "neutral", "positive", "mixed")


def simulate() -> Simulation:
    """The seeded simulation behind the files, truth included (the README replay answers a review with it)."""
    return simulate_delivery(
        n_tasks=1_200,
        n_workers=150,
        n_classes=4,
        labels_per_task=3,
        class_names=CLASSES,
        class_priors=(0.3, 0.35, 0.25, 0.1),
        share_random_spammers=0.03,
        share_fixed_spammers=0.01,
        duplicate_rate=0.01,
        gold_share=0.05,
        median_duration_s=12.0,
        seed=2026,
    )


def main() -> None:
    sim = simulate()
    a, _ = underpay_workers(sim.annotations, share=0.1, price_per_label=0.08, pay_floor_per_hour=15.0, seed=1)
    write_annotations(a, HERE / "acme-week1.csv")
    write_gold(a, sim.gold, HERE / "acme-week1-gold.csv")
    payloads = simulate_payloads(a.tasks, seed=4, email_share=0.0017, card_share=0.0009)
    write_tasks(payloads, HERE / "acme-week1-tasks.csv")
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(a.n_tasks, a.n_classes))
    logits[np.arange(a.n_tasks), sim.truth] += 2.2
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    columns = {"task": pa.array(a.tasks)} | {
        c: pa.array(np.round(probs[:, k], 6)) for k, c in enumerate(a.classes)
    }
    table = pa.table(columns)
    sums = np.sum([table[c].to_numpy() for c in a.classes], axis=0)
    last = a.classes[-1]
    table = table.set_column(
        table.column_names.index(last), last, pa.array(np.round(table[last].to_numpy() + 1 - sums, 6))
    )
    pacsv.write_csv(table, HERE / "acme-week1-preds.csv")


if __name__ == "__main__":
    main()
