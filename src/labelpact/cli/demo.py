"""``labelpact demo``: the whole story on simulated deliveries, in a temporary workspace."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from labelpact.cli.audit import render_audit
from labelpact.cli.batches import batch_summary_table
from labelpact.cli.common import DataConsole, safe
from labelpact.cli.demo_publish import publish_story
from labelpact.cli.demo_rlhf import rlhf_story
from labelpact.cli.demo_year import year_story
from labelpact.cli.ethics import render_ethics
from labelpact.cli.quality import worst_workers_table
from labelpact.cli.serve import serve_hint
from labelpact.config import load_settings
from labelpact.services import add_partner, ingest_batch, set_client
from labelpact.services.audit import audit_batch
from labelpact.services.demo import DEMO_CONTRACT, DemoBatch, check_quality, simulated_delivery
from labelpact.services.review import review_sample
from labelpact.services.workspace import open_workspace

if TYPE_CHECKING:
    from labelpact.io import Delivery
    from labelpact.store import Store

__all__ = ["demo"]


@click.command(epilog="Example: labelpact demo --keep")
@click.option("--keep", is_flag=True, help="Keep the temporary workspace and print where it is.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the simulated deliveries.")
def demo(keep: bool, seed: int) -> None:
    """Run the labelpact story on simulated partner deliveries in a throwaway workspace."""
    console = DataConsole(highlight=False, width=None if sys.stdout.isatty() else 120)
    root = Path(tempfile.mkdtemp(prefix="labelpact-demo-"))
    started = time.perf_counter()
    try:
        _story(console, root, seed)
        if keep:
            serve_hint(console, root / "workspace", "Acme Labels")
        else:
            console.print("\nRun [bold]labelpact demo --keep[/] to keep this workspace and serve it.")
    finally:
        if keep:
            console.print(f"\nWorkspace kept at [bold]{root / 'workspace'}[/]")
        else:
            shutil.rmtree(root, ignore_errors=True)
    console.print(f"\n[dim]demo finished in {time.perf_counter() - started:.1f} s[/]")


def _quality(console: Console, delivery: Delivery, sim: DemoBatch) -> None:
    """Consensus, agreement and the worst workers of the delivery, checked against the simulation's truth."""
    console.print(Rule("What did the workers really say? Truth inference, agreement, worker scorecards"))
    check = check_quality(delivery, sim)
    console.print(
        f"Consensus by [bold]{check.method}[/] in {check.seconds:.2f} s: accuracy against the (hidden) truth "
        f"{check.accuracy:.1%}, majority vote {check.majority_accuracy:.1%}; "
        f"{check.n_low_confidence} tasks below 70% confidence."
    )
    console.print(
        f"Krippendorff's alpha {check.alpha:.3f} (95% CI {check.alpha_ci[0]:.3f} to {check.alpha_ci[1]:.3f}), "
        f"Gwet's AC1 {check.gwet_ac1:.3f}, over {check.n_tasks_used:,} tasks."
    )
    console.print(worst_workers_table(check.workers, top=8, title="Worst workers"))
    console.print(
        f"The simulation planted {check.n_planted} spammers and adversarial workers; the scorecards flag "
        f"{check.n_caught} of them."
    )


def _story(console: Console, root: Path, seed: int) -> None:
    settings = load_settings({}, workspace=root / "workspace")
    contract = root / "contract.toml"
    contract.write_text(DEMO_CONTRACT, encoding="utf-8")
    console.print(Rule("labelpact demo: one lab, two vendors, three deliveries"))
    with open_workspace(settings, create=True, write=True) as store:
        client = set_client(store, "Northwind AI", rivals=["Globex Research", "Initech Labs"])
        acme = add_partner(store, "Acme Labels", min_spend_usd=250_000, contract=contract)
        borealis = add_partner(store, "Borealis Data", min_spend_usd=120_000, contract=contract)
        console.print(
            f"Client [bold]{safe(client.name)}[/] (rivals: {safe(', '.join(client.rivals))}) buys sentiment labels from "
            f"[bold]{safe(acme.name)}[/] and [bold]{safe(borealis.name)}[/] under one contract (AQL 2.5%, gold accuracy >= 85%, "
            "alpha >= 0.40, error rate <= 8%, at most 10% of workers flagged, no personal data)."
        )

        sim = simulated_delivery(
            root, "acme-sentiment-week1", seed, k=5, spammers=0.02, mediocre=0.15, adversarial=0.0
        )
        kinds = sim.kinds
        console.print(
            f"\n[bold]{safe(acme.name)}[/] delivers week 1: {sim.n_tasks:,} tasks, 5 labels each, by "
            f"{sim.n_workers} workers ({kinds.count('reliable')} reliable, {kinds.count('mediocre')} mediocre, "
            f"{kinds.count('random_spammer') + kinds.count('fixed_spammer')} spammers), with {sim.n_gold} gold honeypots."
        )
        delivery, gold = sim.labels, sim.gold
        result = ingest_batch(store, delivery, partner=acme.name, project="sentiment", gold=gold)
        console.print(batch_summary_table(result.batch, title=f"Ingested batch {result.batch.id}"))
        again = ingest_batch(store, delivery, partner=acme.name, project="sentiment", gold=gold)
        console.print(
            f"Ingesting the same file again is a no-op: batch [bold]{again.batch.id}[/] already holds these bytes "
            f"(created={again.created})."
        )
        if result.delivery is not None:  # the first ingest created the batch, so it read the file
            _quality(console, result.delivery, sim)
        console.print(Rule(f"Does {safe(acme.name)}'s batch meet the contract? labelpact audit"))
        audited = audit_batch(store, delivery, partner=acme.name, project="sentiment", gold=gold)
        render_audit(console, audited.document)

        console.print(Rule(f"{safe(borealis.name)} delivers a weaker batch"))
        weak = simulated_delivery(
            root, "borealis-sentiment-week1", seed + 1, k=3, spammers=0.05, mediocre=0.45, adversarial=0.01
        )
        audited = audit_batch(store, weak.labels, partner=borealis.name, project="sentiment", gold=weak.gold)
        render_audit(console, audited.document)
        if audited.document["verdict"] == "review":
            _review(console, store, audited.document, weak, root)
        _leaky(console, store, borealis.name, root, seed)
        rlhf_story(console, store, root / "rlhf", seed)
        _ledger(console, store)
        year_story(console, store, root / "year", seed)
        publish_story(console, store, root / "published", project="reviews", as_of=date(2025, 12, 31))


def _leaky(console: Console, store: Store, partner: str, root: Path, seed: int) -> None:
    """Week 2: the texts carry customers' emails and card numbers and a quarter of the workforce is underpaid."""
    console.print(Rule(f"{partner}, week 2: personal data in the texts, annotators paid below the floor"))
    sim = simulated_delivery(
        root,
        "borealis-sentiment-week2",
        seed + 2,
        k=3,
        spammers=0.02,
        mediocre=0.2,
        adversarial=0.0,
        underpaid_share=0.25,
        payloads=True,
        side_seed=seed,
    )
    console.print(
        f"The delivery comes with its task texts ({sim.n_payloads:,} reviews with source and licence); "
        f"the vendor paid {sim.n_underpaid} of its workers less per hour than the contract's floor."
    )
    audited = audit_batch(
        store, sim.labels, partner=partner, project="sentiment", gold=sim.gold, tasks=sim.tasks
    )
    render_audit(console, audited.document)
    ethics = audited.document["ethics"]
    if ethics is not None:
        render_ethics(console, ethics, title="Ethics audit of week 2")


def _review(console: Console, store: Store, doc: dict[str, Any], sim: DemoBatch, root: Path) -> None:
    """A reviewer re-labels the sampled tasks (here: the simulation's truth) and the plan decides."""
    truth = sim.truth
    answers = root / "borealis-review.csv"
    answers.write_text(
        "task,label\n" + "".join(f"{t},{truth[t]}\n" for t in doc["sample_tasks"]), encoding="utf-8"
    )
    console.print(
        f"A reviewer re-labels the {len(doc['sample_tasks'])} sampled tasks; "
        f"[bold]labelpact review {doc['audit']} --results {safe(answers.name)}[/] applies the plan:"
    )
    outcome = review_sample(store, doc["audit"], answers, reviewer="demo reviewer").document
    style = "bold green" if outcome["decision"] == "accept" else "bold red"
    console.print(
        f"[{style}]{outcome['decision'].upper()}[/]: {outcome['n_defective']} defective of {outcome['n_inspected']} "
        f"(accept with at most {outcome['accept_number']}, reject at {outcome['reject_number']})."
    )


def _ledger(console: Console, store: Store) -> None:
    """Every audit is kept: the list a vendor manager starts from."""
    console.print(Rule("Everything is stored: labelpact audits list"))
    table = Table()
    for name in ("audit", "partner", "batch", "verdict", "review", "findings"):
        table.add_column(name)
    for record in store.list_audits():
        reviews = store.list_reviews(record.id)
        table.add_row(
            record.id,
            record.partner,
            record.batch,
            record.verdict,
            reviews[0].decision if reviews else "-",
            str(len(record.findings)),
        )
    console.print(table)
