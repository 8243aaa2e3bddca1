"""``labelpact demo``: the whole story on simulated deliveries, in a temporary workspace."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import numpy as np
from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from labelpact.cli.audit import render_audit
from labelpact.cli.batches import batch_summary_table
from labelpact.cli.demo_year import year_story
from labelpact.cli.ethics import render_ethics
from labelpact.cli.quality import worst_workers_table
from labelpact.config import load_settings
from labelpact.core.annotations import Annotations
from labelpact.io import Delivery
from labelpact.io.export import write_annotations, write_gold
from labelpact.services import add_partner, ingest_batch, set_client
from labelpact.services.audit import audit_batch
from labelpact.services.quality import agreement_of, consensus_of, workers_of
from labelpact.services.review import review_sample
from labelpact.simulate import Simulation, simulate_delivery
from labelpact.simulate.payloads import simulate_payloads, underpay_workers, write_tasks
from labelpact.store import Store

__all__ = ["demo"]

_CLASSES = ("negative", "neutral", "positive", "mixed")
_PAY = 0.25 * 0.6  # what reaches an annotator per label under the demo contract


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


DEMO_CONTRACT = """\
# The demo's contract: what Northwind AI's vendors sign up to (see examples/contracts/ for more).
[labels]
classes = ["negative", "neutral", "positive", "mixed"]

[quality]
method = "auto"
min_gold_accuracy = 0.85
min_agreement = 0.40
max_error_rate = 0.08
max_flagged_worker_share = 0.10

[acceptance]
aql = 2.5
inspection_level = "II"

[pay]
price_per_label = 0.25
currency = "USD"
pay_floor_per_hour = 15.0
annotator_share = 0.6

[data]
allowed_licenses = ["CC-BY-4.0", "CC0-1.0", "MIT"]
personal_data = "reject"

[allocation]
max_share = 0.6
"""


def _simulate(seed: int, *, k: int, spammers: float, mediocre: float, adversarial: float) -> Simulation:
    return simulate_delivery(
        n_tasks=3_000,
        n_workers=400,
        n_classes=len(_CLASSES),
        labels_per_task=k,
        class_names=_CLASSES,
        class_priors=(0.3, 0.35, 0.25, 0.1),
        share_random_spammers=spammers,
        share_fixed_spammers=spammers / 3,
        share_adversarial=adversarial,
        share_mediocre=mediocre,
        duplicate_rate=0.01,
        gold_share=0.05,
        median_duration_s=12.0,
        seed=seed,
    )


def _fairly_paid(sim: Simulation) -> Annotations:
    """The delivery of a vendor that pays every annotator at least the contract's floor (0.25 x 0.6 per label)."""
    annotations, _ = underpay_workers(
        sim.annotations, share=0.0, price_per_label=_PAY, pay_floor_per_hour=15.0
    )
    return annotations


def _story(console: Console, root: Path, seed: int) -> None:
    settings = load_settings({}, workspace=root / "workspace")
    contract = root / "contract.toml"
    contract.write_text(DEMO_CONTRACT, encoding="utf-8")
    console.print(Rule("labelpact demo: one lab, two vendors, three deliveries"))
    with Store.open(settings) as store:
        client = set_client(store, "Northwind AI", rivals=["Globex Research", "Initech Labs"])
        acme = add_partner(store, "Acme Labels", min_spend_usd=250_000, contract=contract)
        borealis = add_partner(store, "Borealis Data", min_spend_usd=120_000, contract=contract)
        console.print(
            f"Client [bold]{client.name}[/] (rivals: {', '.join(client.rivals)}) buys sentiment labels from "
            f"[bold]{acme.name}[/] and [bold]{borealis.name}[/] under one contract (AQL 2.5%, gold accuracy >= 85%, "
            "alpha >= 0.40, error rate <= 8%, at most 10% of workers flagged, no personal data)."
        )

        sim = _simulate(seed, k=5, spammers=0.02, mediocre=0.15, adversarial=0.0)
        kinds = sim.worker_kinds
        console.print(
            f"\n[bold]{acme.name}[/] delivers week 1: {sim.annotations.n_tasks:,} tasks, 5 labels each, by "
            f"{sim.annotations.n_workers} workers ({kinds.count('reliable')} reliable, {kinds.count('mediocre')} mediocre, "
            f"{kinds.count('random_spammer') + kinds.count('fixed_spammer')} spammers), with {len(sim.gold)} gold honeypots."
        )
        delivery = write_annotations(_fairly_paid(sim), root / "acme-sentiment-week1.csv")
        gold = write_gold(sim.annotations, sim.gold, root / "acme-sentiment-gold.csv")
        result = ingest_batch(store, delivery, partner=acme.name, project="sentiment", gold=gold)
        console.print(batch_summary_table(result.batch, title=f"Ingested batch {result.batch.id}"))
        again = ingest_batch(store, delivery, partner=acme.name, project="sentiment", gold=gold)
        console.print(
            f"Ingesting the same file again is a no-op: batch [bold]{again.batch.id}[/] already holds these bytes "
            f"(created={again.created})."
        )
        if result.delivery is not None:  # the first ingest created the batch, so it read the file
            _quality(console, result.delivery, sim)
        console.print(Rule(f"Does {acme.name}'s batch meet the contract? labelpact audit"))
        audited = audit_batch(store, delivery, partner=acme.name, project="sentiment", gold=gold)
        render_audit(console, audited.document)

        console.print(Rule(f"{borealis.name} delivers a weaker batch"))
        weak = _simulate(seed + 1, k=3, spammers=0.05, mediocre=0.45, adversarial=0.01)
        delivery = write_annotations(_fairly_paid(weak), root / "borealis-sentiment-week1.csv")
        gold = write_gold(weak.annotations, weak.gold, root / "borealis-sentiment-gold.csv")
        audited = audit_batch(store, delivery, partner=borealis.name, project="sentiment", gold=gold)
        render_audit(console, audited.document)
        if audited.document["verdict"] == "review":
            _review(console, store, audited.document, weak, root)
        _leaky(console, store, borealis.name, root, seed)
        _ledger(console, store)
        year_story(console, store, root / "year", seed)


def _leaky(console: Console, store: Store, partner: str, root: Path, seed: int) -> None:
    """Week 2: the texts carry customers' emails and card numbers and a quarter of the workforce is underpaid."""
    console.print(Rule(f"{partner}, week 2: personal data in the texts, annotators paid below the floor"))
    sim = _simulate(seed + 2, k=3, spammers=0.02, mediocre=0.2, adversarial=0.0)
    a, underpaid = underpay_workers(
        sim.annotations, share=0.25, price_per_label=_PAY, pay_floor_per_hour=15.0, seed=seed
    )
    payloads = simulate_payloads(
        a.tasks, seed=seed, email_share=0.004, card_share=0.002, disallowed_share=0.01
    )
    delivery = write_annotations(a, root / "borealis-sentiment-week2.csv")
    gold = write_gold(a, sim.gold, root / "borealis-sentiment-week2-gold.csv")
    tasks = write_tasks(payloads, root / "borealis-sentiment-week2-tasks.csv")
    console.print(
        f"The delivery comes with its task texts ({len(payloads.task):,} reviews with source and licence); "
        f"the vendor paid {len(underpaid)} of its workers less per hour than the contract's floor."
    )
    audited = audit_batch(store, delivery, partner=partner, project="sentiment", gold=gold, tasks=tasks)
    render_audit(console, audited.document)
    ethics = audited.document["ethics"]
    if ethics is not None:
        render_ethics(console, ethics, title="Ethics audit of week 2")


def _review(console: Console, store: Store, doc: dict[str, Any], sim: Simulation, root: Path) -> None:
    """A reviewer re-labels the sampled tasks (here: the simulation's truth) and the plan decides."""
    truth = dict(zip(sim.annotations.tasks, np.asarray(sim.annotations.classes)[sim.truth], strict=True))
    answers = root / "borealis-review.csv"
    answers.write_text(
        "task,label\n" + "".join(f"{t},{truth[t]}\n" for t in doc["sample_tasks"]), encoding="utf-8"
    )
    console.print(
        f"A reviewer re-labels the {len(doc['sample_tasks'])} sampled tasks; "
        f"[bold]labelpact review {doc['audit']} --results {answers.name}[/] applies the plan:"
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
