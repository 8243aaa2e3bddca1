"""The ethics clauses of a contract checked one by one (``ethics_reasons``), and the policy findings share.

Personal data follows ``data.personal_data`` (reject when ``ethics.block_on`` lists ``pii``), except that
findings which are all low-confidence guesses (below ``GUESS_BELOW``) send to review, never reject; other kinds
reject when ``ethics.block_on`` lists them, else review; a clause without its inputs is ``unchecked``.
"""

from __future__ import annotations

from collections import Counter

from labelpact.contracts.contract import Contract
from labelpact.contracts.findings import Outcome, Reason
from labelpact.ethics import EthicsReport
from labelpact.ethics.bias import SliceStats
from labelpact.ethics.pay import PayReport

__all__ = [
    "GUESS_BELOW",
    "LICENSE_KINDS",
    "blocks_on",
    "ethics_reasons",
    "money",
    "pct",
    "pii_policy",
    "worse_flags",
]

LICENSE_KINDS = {
    "disallowed": "disallowed_license",
    "unknown": "unknown_license",
    "missing": "missing_license",
    "conflicting": "conflicting_license",
}
_LICENSE_WORDS = {
    "disallowed_license": "a licence the contract does not allow",
    "unknown_license": "a licence that is no SPDX id we know",
    "missing_license": "no licence",
    "conflicting_license": "a source given under different licences",
}
_QUALITY_FLAGS = {"agreement": "agreement_diff", "gold_accuracy": "accuracy_diff"}
# a finding below this ordinal confidence is a guess (a name from word lists, a phone number outside its
# plan: ethics.pii.scan); under personal_data = "reject", guesses alone send the batch to review
GUESS_BELOW = 0.8
_PII_OUTCOME: dict[str, Outcome] = {"reject": "reject", "review": "review", "allow": "met"}


def blocks_on(contract: Contract, kind: str) -> bool:
    return kind in (contract.ethics.block_on or ())


def pii_policy(contract: Contract) -> str:
    """What personal data does: ``data.personal_data`` (a file that also lists ``pii`` in ``ethics.block_on`` must
    say ``reject``: ``contracts.contract`` refuses the contradiction)."""
    return str(contract.personal_data)


def money(value: float | None, currency: str) -> str:
    return "unknown" if value is None else f"{value:.2f} {currency}"


def pct(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.0%}"


def worse_flags(s: SliceStats) -> list[str]:
    """The quality flags of a slice where it is worse than the rest (a better slice is no harm to it)."""
    return [flag for flag, diff in _QUALITY_FLAGS.items() if flag in s.flags and getattr(s, diff) < 0]


def _quality_tested(s: SliceStats) -> bool:
    """Whether a slice's agreement or gold accuracy was tested against the rest (a p-value, not NaN)."""
    return any(p == p for p in (s.agreement_p, s.accuracy_p))  # NaN != NaN


def _outcome_for(contract: Contract, kind: str) -> Outcome:
    return "reject" if blocks_on(contract, kind) else "review"


def _pii_reasons(report: EthicsReport, contract: Contract) -> list[Reason]:
    policy = pii_policy(contract)
    if report.pii is None:
        return [
            Reason(
                "data.personal_data",
                "unchecked",
                f"personal data is to {policy}, but no task payloads (--tasks) were given to scan",
                limit=policy,
            )
        ]
    n = len(report.pii.findings)
    if n == 0 and report.n_unscanned:
        return [
            Reason(
                "data.personal_data",
                "unchecked",
                f"no personal data in the tasks with payloads, but {report.n_unscanned:,} of the batch's tasks "
                "have none (--tasks) and were not scanned",
                limit=policy,
            )
        ]
    if n == 0 and not report.pii.n_bytes:
        return [
            Reason(
                "data.personal_data",
                "unchecked",
                f"personal data is to {policy}, but the task payloads hold no field value to scan (0 bytes)",
                limit=policy,
            )
        ]
    if n == 0:
        return [Reason("data.personal_data", "met", "no personal data found", measured=0, limit=policy)]
    outcome = _PII_OUTCOME[policy]
    tasks = len(report.pii.tasks_with())
    guesses = Counter(f.entity for f in report.pii.findings if f.confidence < GUESS_BELOW)
    n_guesses = sum(guesses.values())
    if outcome == "reject" and n_guesses == n:
        outcome = "review"  # list-based guesses alone are not proof enough to reject: a person looks
    said = ", ".join(f"{k} {entity}" for entity, k in sorted(guesses.items()))
    return [
        Reason(
            "data.personal_data",
            outcome,
            f"{n} personal value(s) in {tasks} task(s); the contract says {policy}"
            + (
                f"; {n_guesses} of them are low-confidence guesses (confidence below {GUESS_BELOW}: {said})"
                if n_guesses
                else ""
            )
            + (
                "; guesses alone send the batch to review, not to rejection"
                if n_guesses == n and policy == "reject"
                else ""
            ),
            measured=n,
            limit=policy,
        )
    ]


def _license_reasons(report: EthicsReport, contract: Contract) -> list[Reason]:
    allowed = contract.data.allowed_licenses
    if allowed is None:
        return []
    if report.provenance is None:
        return [
            Reason(
                "data.allowed_licenses",
                "unchecked",
                "the contract lists allowed licences, but no task payloads (--tasks) name their sources",
                limit=list(allowed),
            )
        ]
    tasks: dict[str, set[str]] = {}
    for f in report.provenance.findings:
        tasks.setdefault(LICENSE_KINDS[f.kind], set()).update(f.tasks)
    if not tasks and report.n_unscanned:
        return [
            Reason(
                "data.allowed_licenses",
                "unchecked",
                f"every task with a payload carries an allowed licence, but {report.n_unscanned:,} of the "
                "batch's tasks have no payload (--tasks) and were not checked",
                limit=list(allowed),
            )
        ]
    if not tasks:
        n = sum(report.provenance.tasks_by_license.values())
        return [
            Reason(
                "data.allowed_licenses", "met", f"all {n} task(s) carry an allowed licence", 0, list(allowed)
            )
        ]
    return [
        Reason(
            "data.allowed_licenses",
            _outcome_for(contract, kind),
            f"{len(tasks[kind])} task(s) with {_LICENSE_WORDS[kind]}"
            + (" (blocks acceptance: ethics.block_on)" if blocks_on(contract, kind) else ""),
            measured=len(tasks[kind]),
            limit=0,
        )
        for kind in LICENSE_KINDS.values()
        if kind in tasks
    ]


def _pay_reasons(report: EthicsReport, contract: Contract, too_fast_share: float) -> list[Reason]:
    floor = contract.pay.pay_floor_per_hour
    if floor is None:
        return []
    pay = report.pay
    if pay is None:
        why = "pay.price_per_label is not set" if contract.pay.price_per_label is None else "no labels"
        return [Reason("pay.pay_floor_per_hour", "unchecked", f"cannot compute pay: {why}", limit=floor)]
    known = [w.hourly_pay for w in pay.workers if w.hourly_pay is not None]
    if not known:
        return [
            Reason(
                "pay.pay_floor_per_hour",
                "unchecked",
                "no label has a time on task (duration_s, or started_at and submitted_at)",
                limit=floor,
            )
        ]
    lowest = min(known)
    below = pay.workers_below_floor
    # the floor is met only when every worker's pay is known: 1 of 10 workers timed tells nothing of the 9
    outcome: Outcome = _outcome_for(contract, "pay_below_floor") if below else "met"
    if not below and pay.n_workers_unknown:
        outcome = "unchecked"
    reasons = [
        Reason(
            "pay.pay_floor_per_hour",
            outcome,
            (
                f"{len(below)} of {len(known)} worker(s) ({pct(pay.share_workers_below_floor)}, "
                f"{pct(pay.share_hours_below_floor)} of the hours) earn below the floor; "
                f"lowest {money(lowest, pay.currency)} per hour"
                if below
                else f"every timed worker earns at least the floor; lowest {money(lowest, pay.currency)}"
            )
            + _pay_coverage(pay)
            + (
                f"; tasks worked in parallel: {pay.hours_overlapping:.3g} overlapping hour(s) counted once "
                "(the union of each worker's started_at to submitted_at intervals)"
                if pay.hours_overlapping > 0
                else ""
            ),
            measured=lowest,
            limit=floor,
        )
    ]
    timed = sum(w.n_timed for w in pay.workers)
    fast_share = pay.n_annotations_too_fast / timed if timed else 0.0
    if fast_share >= too_fast_share and pay.n_annotations_too_fast:
        reasons.append(
            Reason(
                "pay.pay_floor_per_hour",
                "review",
                f"{fast_share:.1%} of the timed labels were too fast to have been read: their time records "
                "(and the pay computed from them) are doubtful",
                measured=fast_share,
                limit=too_fast_share,
            )
        )
    return reasons


def _pay_coverage(pay: PayReport) -> str:
    """What the pay verdict stands on, when some workers' pay is unknown: workers, labels and hours covered."""
    if not pay.n_workers_unknown:
        return ""
    known = [w for w in pay.workers if w.hourly_pay is not None]
    labels = sum(w.n_labels for w in pay.workers)
    covered = sum(w.n_labels for w in known)
    hours = sum(w.hours for w in known)
    return (
        f"; pay is known for only {len(known)} of {len(pay.workers)} worker(s) ({covered:,} of {labels:,} "
        f"labels, {hours:.3g} hours): {pay.n_workers_unknown} worker(s) have no plausible time on task"
    )


def _bias_reasons(report: EthicsReport, contract: Contract) -> list[Reason]:
    if not report.bias:
        if blocks_on(contract, "bias") and "ethics.block_on" in contract.given:
            return [
                Reason(
                    "ethics.block_on",
                    "unchecked",
                    "bias blocks acceptance, but no slice column was given",
                    limit="bias",
                )
            ]
        return []
    worse = [s for b in report.bias for s in b.slices if worse_flags(s)]
    n_slices = sum(len(b.slices) for b in report.bias)
    testable = [s for b in report.bias if len(b.slices) > 1 for s in b.slices if _quality_tested(s)]
    if not worse and not testable:
        # nothing was compared: no slice value, a single slice, or no slice with a quality test
        columns = ", ".join(f"{b.column} ({len(b.slices)} slice(s))" for b in report.bias)
        return [
            Reason(
                "ethics.block_on",
                "unchecked",
                f"no two slices could be compared for agreement or gold accuracy: {columns}",
                limit="bias",
            )
        ]
    if not worse:
        return [
            Reason(
                "ethics.block_on", "met", f"no slice of {n_slices} has significantly worse labels", 0, "bias"
            )
        ]
    return [
        Reason(
            "ethics.block_on",
            _outcome_for(contract, "bias"),
            f"{len(worse)} of {n_slices} slice(s) have significantly worse labels than the rest"
            + (" (bias blocks acceptance)" if blocks_on(contract, "bias") else ""),
            measured=len(worse),
            limit=0,
        )
    ]


def ethics_reasons(report: EthicsReport, contract: Contract, *, too_fast_share: float = 0.05) -> list[Reason]:
    """One reason per ethics clause the contract sets (and per licence problem found), in clause order."""
    return [
        *_pii_reasons(report, contract),
        *_license_reasons(report, contract),
        *_pay_reasons(report, contract, too_fast_share),
        *_bias_reasons(report, contract),
    ]
