"""The use cases behind ``labelpact demo``: simulated deliveries written as files, and the numbers the story tells.

The demo runs the same services a user runs (ingest, audit, review, health, allocation) on deliveries
simulated here (``labelpact.simulate``), whose hidden truth lets the story say how well each was caught.
The CLI only narrates: it calls these and renders what they return.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Final

import numpy as np

from labelpact.io import Delivery
from labelpact.io.export import write_annotations, write_gold
from labelpact.services.audit import audit_batch
from labelpact.services.events import import_events
from labelpact.services.health import partner_health
from labelpact.services.quality import agreement_of, consensus_of, workers_of
from labelpact.services.workspace import add_partner
from labelpact.simulate import Simulation, simulate_delivery
from labelpact.simulate.payloads import simulate_payloads, underpay_workers, write_tasks
from labelpact.simulate.year import VENDORS, YearBatch, simulate_year, year_events
from labelpact.store import Store

__all__ = [
    "DEMO_CONTRACT",
    "QUARTERS",
    "VENDOR_NAMES",
    "YEAR_PROJECT",
    "DemoBatch",
    "QualityCheck",
    "QuarterRow",
    "audit_year_until",
    "check_quality",
    "quarter_rows",
    "simulated_delivery",
    "year_batches",
    "year_setup",
]

_CLASSES = ("negative", "neutral", "positive", "mixed")
_PAY = 0.25 * 0.6  # what reaches an annotator per label under the demo contract

DEMO_CONTRACT: Final = """\
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

_YEAR_CONTRACT: Final = """\
[labels]
classes = ["negative", "neutral", "positive", "mixed"]
[quality]
method = "mv"
min_gold_accuracy = 0.80
max_error_rate = 0.12
[acceptance]
aql = 6.5
[pay]
price_per_label = {price}
[allocation]
max_share = 0.6
"""
QUARTERS: Final = (date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31))
YEAR_PROJECT: Final = "reviews"
VENDOR_NAMES: Final = tuple(v.name for v in VENDORS)


@dataclass(frozen=True, slots=True)
class DemoBatch:
    """A simulated delivery written to files, with the hidden truth the story compares against."""

    labels: Path
    gold: Path
    tasks: Path | None
    n_tasks: int
    n_workers: int
    n_gold: int
    kinds: tuple[str, ...]  # one per worker: reliable, mediocre, random_spammer, fixed_spammer, adversarial
    workers: tuple[str, ...]
    truth: dict[str, str]  # task -> its true class
    n_underpaid: int = 0
    n_payloads: int = 0


def simulated_delivery(
    root: Path,
    stem: str,
    seed: int,
    *,
    k: int,
    spammers: float,
    mediocre: float,
    adversarial: float,
    underpaid_share: float = 0.0,
    payloads: bool = False,
    side_seed: int | None = None,
) -> DemoBatch:
    """Simulate 3,000 tasks x ``k`` labels by 400 workers and write ``root/{stem}.csv``, its gold and (with
    ``payloads``) task texts carrying some personal data; ``underpaid_share`` of workers paid below the floor.
    ``side_seed`` (default ``seed``) seeds who is underpaid and the texts."""
    side = seed if side_seed is None else side_seed
    sim = _simulate(seed, k=k, spammers=spammers, mediocre=mediocre, adversarial=adversarial)
    if underpaid_share:
        a, underpaid = underpay_workers(
            sim.annotations, share=underpaid_share, price_per_label=_PAY, pay_floor_per_hour=15.0, seed=side
        )
    else:  # a vendor that pays every annotator at least the contract's floor (0.25 x 0.6 per label)
        a, underpaid = underpay_workers(
            sim.annotations, share=0.0, price_per_label=_PAY, pay_floor_per_hour=15.0
        )
    labels = write_annotations(a, root / f"{stem}.csv")
    gold_stem = stem if payloads else stem.rsplit("-", 1)[0]  # week 1 files share one gold name per vendor
    gold = write_gold(sim.annotations if not payloads else a, sim.gold, root / f"{gold_stem}-gold.csv")
    tasks, n_payloads = None, 0
    if payloads:
        texts = simulate_payloads(
            a.tasks, seed=side, email_share=0.004, card_share=0.002, disallowed_share=0.01
        )
        tasks = write_tasks(texts, root / f"{stem}-tasks.csv")
        n_payloads = len(texts.task)
    truth = dict(
        zip(sim.annotations.tasks, np.asarray(sim.annotations.classes)[sim.truth].tolist(), strict=True)
    )
    return DemoBatch(
        labels=labels,
        gold=gold,
        tasks=tasks,
        n_tasks=sim.annotations.n_tasks,
        n_workers=sim.annotations.n_workers,
        n_gold=len(sim.gold),
        kinds=tuple(sim.worker_kinds),
        workers=tuple(sim.annotations.workers),
        truth=truth,
        n_underpaid=len(underpaid),
        n_payloads=n_payloads,
    )


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


@dataclass(frozen=True, slots=True)
class QualityCheck:
    """Consensus, agreement and worker scorecards of a delivery, scored against the simulation's truth."""

    method: str
    seconds: float
    accuracy: float  # of the consensus against the hidden truth
    majority_accuracy: float  # of a plain majority vote
    n_low_confidence: int
    alpha: float
    alpha_ci: tuple[float, float]
    gwet_ac1: float
    n_tasks_used: int
    workers: dict[str, Any]  # the ``labelpact workers --json`` document
    n_planted: int  # spammers and adversarial workers the simulation planted
    n_caught: int  # of them, flagged by the scorecards


def check_quality(delivery: Delivery, simulated: DemoBatch) -> QualityCheck:
    """Truth inference, agreement and scorecards of ``delivery``, checked against ``simulated``'s truth."""
    result = consensus_of(delivery)
    c = result.consensus
    names = np.asarray(c.classes)
    # the file's order of tasks and classes may differ from the simulation's: compare by name
    truth = np.array([simulated.truth[t] for t in c.tasks])
    majority = names[delivery.annotations.label_counts().argmax(axis=1)]
    agreement = agreement_of(delivery, n_bootstrap=200)
    alpha = agreement.krippendorff_alpha
    document = workers_of(delivery, consensus=c).to_dict()
    kinds = dict(zip(simulated.workers, simulated.kinds, strict=True))
    flagged = {r["worker"] for r in document["workers"] if r["flags"]}
    bad = {w for w, kind in kinds.items() if kind in ("random_spammer", "fixed_spammer", "adversarial")}
    return QualityCheck(
        method=c.method,
        seconds=result.seconds,
        accuracy=float(np.mean(np.asarray(c.labels) == truth)),
        majority_accuracy=float(np.mean(majority == truth)),
        n_low_confidence=int((c.confidence < 0.7).sum()),
        alpha=float(alpha.value),
        alpha_ci=(float(alpha.ci[0]), float(alpha.ci[1])),
        gwet_ac1=float(agreement.gwet_ac1.value),
        n_tasks_used=agreement.n_tasks_used,
        workers=document,
        n_planted=len(bad),
        n_caught=len(bad & flagged),
    )


# -- the year of three partnerships ---------------------------------------------------------------
def _moment(day: date) -> datetime:
    return datetime.combine(day, time(17, 0), tzinfo=UTC)


def _contract(root: Path, vendor: str) -> Path:
    return root / f"{vendor.split()[0].lower()}-contract.toml"


def year_setup(store: Store, root: Path) -> tuple[str, int]:
    """Write each vendor's contract, add the vendors that are missing and import the year's ledger of
    events; returns the client's rival the ledger names and the number of events added."""
    root.mkdir(parents=True, exist_ok=True)
    client = store.get_client()
    rival = client.rivals[0] if client is not None and client.rivals else "Globex Research"
    for vendor in VENDORS:
        contract = _contract(root, vendor.name)
        contract.write_text(_YEAR_CONTRACT.format(price=vendor.price_per_label), encoding="utf-8")
        if vendor.name not in {p.name for p in store.list_partners()}:
            add_partner(
                store, vendor.name, since=vendor.since, min_spend_usd=vendor.min_spend_usd, contract=contract
            )
    ledger = root / "events.json"
    ledger.write_text(json.dumps(year_events(rival), indent=1), encoding="utf-8")
    return rival, import_events(store, ledger).n_added


def year_batches(seed: int) -> list[YearBatch]:
    """Every vendor's batches of the year, in delivery order."""
    return simulate_year(seed=seed)


def audit_year_until(store: Store, root: Path, batches: Sequence[YearBatch], position: int, end: date) -> int:
    """Audit ``batches[position:]`` delivered on or before ``end`` (each written to files first); returns
    the position of the first batch not audited."""
    while position < len(batches) and batches[position].delivered <= end:
        batch = batches[position]
        stem = f"{batch.vendor.split()[0].lower()}-w{batch.week:02d}"
        labels = write_annotations(batch.simulation.annotations, root / f"{stem}.csv")
        gold = write_gold(batch.simulation.annotations, batch.simulation.gold, root / f"{stem}-gold.csv")
        audit_batch(
            store,
            labels,
            partner=batch.vendor,
            project=YEAR_PROJECT,
            gold=gold,
            contract=_contract(root, batch.vendor),
            delivered_at=_moment(batch.delivered),
            due_at=_moment(batch.due),
            n_bootstrap=200,
        )
        position += 1
    return position


@dataclass(frozen=True, slots=True)
class QuarterRow:
    """One vendor's quarter: batches, verdicts, gold error, punctuality, alarms and breakdown risk."""

    vendor: str
    n_batches: int
    n_accepted: int
    gold_error: float | None
    on_time: float | None
    alarms: tuple[str, ...]  # the charts that alarmed
    risk: float
    top_driver: tuple[str, float] | None  # (signal, effect) of the strongest adverse signal


def quarter_rows(store: Store, start: date, end: date) -> list[QuarterRow]:
    """Each vendor of the year's story over the quarter ``start``..``end``, as its health says on ``end``."""
    rows = []
    for vendor in VENDORS:
        health = partner_health(store, vendor.name, as_of=end, horizon_days=180)
        records = [r for r in health.records if r.delivered >= start]
        errors = [r.defective / r.inspected for r in records if r.inspected]
        timed = [r.on_time for r in records if r.on_time is not None]
        alarms = [a for a in (health.alarms.worse() if health.alarms else ()) if start <= a.date <= end]
        risk = health.risk
        drivers = sorted(risk.contributions, key=lambda c: -c.effect)
        top = drivers[0] if drivers and drivers[0].effect > 0.005 else None
        rows.append(
            QuarterRow(
                vendor=vendor.name,
                n_batches=len(records),
                n_accepted=sum(r.verdict == "accept" for r in records),
                gold_error=float(np.mean(errors)) if errors else None,
                on_time=float(np.mean(timed)) if timed else None,
                alarms=tuple(sorted({a.chart for a in alarms})),
                risk=risk.probability,
                top_driver=None if top is None else (top.signal, top.effect),
            )
        )
    return rows
