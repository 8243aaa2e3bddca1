"""``labelpact demo``: the whole story on simulated deliveries, in a temporary workspace."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import click
from rich.console import Console
from rich.rule import Rule

from labelpact.cli.batches import batch_summary_table
from labelpact.config import load_settings
from labelpact.io.export import write_annotations, write_gold
from labelpact.services import add_partner, ingest_batch, set_client
from labelpact.simulate import simulate_delivery
from labelpact.store import Store

__all__ = ["demo"]

_CLASSES = ("negative", "neutral", "positive", "mixed")


@click.command(epilog="Example: labelpact demo --keep")
@click.option("--keep", is_flag=True, help="Keep the temporary workspace and print where it is.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the simulated deliveries.")
def demo(keep: bool, seed: int) -> None:
    """Run the labelpact story on simulated vendor deliveries in a throwaway workspace."""
    console = Console(highlight=False)
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
