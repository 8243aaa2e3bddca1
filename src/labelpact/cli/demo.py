"""``labelpact demo``: the whole story on simulated deliveries, in a temporary workspace."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np
from rich.console import Console
from rich.rule import Rule

from labelpact.cli.batches import batch_summary_table
from labelpact.cli.quality import worst_workers_table
from labelpact.config import load_settings
from labelpact.io import Delivery
from labelpact.io.export import write_annotations, write_gold
from labelpact.services import add_partner, ingest_batch, set_client
from labelpact.services.quality import agreement_of, consensus_of, workers_of
from labelpact.simulate import Simulation, simulate_delivery
from labelpact.store import Store

__all__ = ["demo"]

_CLASSES = ("negative", "neutral", "positive", "mixed")


@click.command(epilog="Example: labelpact demo --keep")
@click.option("--keep", is_flag=True, help="Keep the temporary workspace and print where it is.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the simulated deliveries.")
def demo(keep: bool, seed: int) -> None:
    """Run the labelpact story on simulated vendor deliveries in a throwaway workspace."""
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    root = Path(tempfile.mkdtemp(prefix="labelpact-demo-"))
    started = time.perf_counter()
    try:
        _story(console, root, seed)
    finally:
        if keep:
            console.print(f"\nWorkspace kept at [bold]{root / 'workspace'}[/]")
        else:
            shutil.rmtree(root, ignore_errors=True)
    console.print(f"\n[dim]demo finished in {time.perf_counter() - started:.1f} s[/]")


def _quality(console: Console, delivery: Delivery, sim: Simulation) -> None:
    """Consensus, agreement and the worst workers of the delivery, checked against the simulation's truth."""
    console.print(Rule("What did the workers really say? Truth inference, agreement, worker scorecards"))
    result = consensus_of(delivery)
    c = result.consensus
    names = np.asarray(c.classes)
    # the file's order of tasks and classes may differ from the simulation's: compare by name
    hidden = dict(zip(sim.annotations.tasks, np.asarray(sim.annotations.classes)[sim.truth], strict=True))
    truth = np.array([hidden[t] for t in c.tasks])
    majority = names[delivery.annotations.label_counts().argmax(axis=1)]
    console.print(
        f"Consensus by [bold]{c.method}[/] in {result.seconds:.2f} s: accuracy against the (hidden) truth "
        f"{np.mean(np.asarray(c.labels) == truth):.1%}, majority vote {np.mean(majority == truth):.1%}; "
        f"{int((c.confidence < 0.7).sum())} tasks below 70% confidence."
    )
    agreement = agreement_of(delivery, n_bootstrap=200)
    alpha = agreement.krippendorff_alpha
    console.print(
        f"Krippendorff's alpha {alpha.value:.3f} (95% CI {alpha.ci[0]:.3f} to {alpha.ci[1]:.3f}), "
        f"Gwet's AC1 {agreement.gwet_ac1.value:.3f}, over {agreement.n_tasks_used:,} tasks."
    )
    report = workers_of(delivery, consensus=c)
    document = report.to_dict()
    console.print(worst_workers_table(document, top=8, title="Worst workers"))
    kinds = dict(zip(sim.annotations.workers, sim.worker_kinds, strict=True))
    flagged = [r["worker"] for r in document["workers"] if r["flags"]]
    bad = {w for w, k in kinds.items() if k in ("random_spammer", "fixed_spammer", "adversarial")}
    caught = len(bad & set(flagged))
    console.print(
        f"The simulation planted {len(bad)} spammers and adversarial workers; the scorecards flag {caught} of them."
    )


def _story(console: Console, root: Path, seed: int) -> None:
    settings = load_settings({}, workspace=root / "workspace")
    console.print(Rule("labelpact demo: one lab, one vendor, one delivery"))
    with Store.open(settings) as store:
        client = set_client(store, "Northwind AI", rivals=["Globex Research", "Initech Labs"])
        partner = add_partner(store, "Acme Labels", equity_stake=None, min_spend_usd=250_000)
        console.print(
            f"Client [bold]{client.name}[/] (rivals: {', '.join(client.rivals)}) buys labels from [bold]{partner.name}[/]."
        )

        sim = simulate_delivery(
            n_tasks=3_000,
            n_workers=400,
            n_classes=len(_CLASSES),
            labels_per_task=3,
            class_names=_CLASSES,
            class_priors=(0.3, 0.35, 0.25, 0.1),
            share_random_spammers=0.03,
            share_fixed_spammers=0.01,
            share_adversarial=0.005,
            duplicate_rate=0.01,
            gold_share=0.05,
            seed=seed,
        )
        kinds = sim.worker_kinds
        console.print(
            f"Acme delivers a sentiment batch: {sim.annotations.n_tasks:,} tasks labelled by "
            f"{sim.annotations.n_workers} workers ({kinds.count('reliable')} reliable, {kinds.count('mediocre')} mediocre, "
            f"{kinds.count('random_spammer') + kinds.count('fixed_spammer')} spammers, {kinds.count('adversarial')} adversarial), "
            f"with {len(sim.gold)} gold honeypots."
        )
        delivery = write_annotations(sim.annotations, root / "acme-sentiment-week1.csv")
        gold = write_gold(sim.annotations, sim.gold, root / "acme-sentiment-gold.csv")

        result = ingest_batch(store, delivery, partner=partner.name, project="sentiment", gold=gold)
        console.print(batch_summary_table(result.batch, title=f"Ingested batch {result.batch.id}"))
        again = ingest_batch(store, delivery, partner=partner.name, project="sentiment", gold=gold)
        console.print(
            f"Ingesting the same file again is a no-op: batch [bold]{again.batch.id}[/] already holds these bytes "
            f"(created={again.created})."
        )
        if result.delivery is not None:  # the first ingest created the batch, so it read the file
            _quality(console, result.delivery, sim)
