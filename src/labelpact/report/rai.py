"""The 20 Croissant RAI 1.0 values of a project, each written from measured facts, attestations, or both,
or explicitly marked not attested (``NOT_ATTESTED``), with the evidence (audit and attestation ids) behind it.

Pooled numbers (``pooled.pooled``) are over the published batches (``ProjectFacts.included``).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from labelpact.report.facts import ProjectFacts
from labelpact.report.pooled import Pooled, pooled
from labelpact.report.rai_annotation import (
    alpha_text,
    annotation_analysis,
    annotation_platform,
    annotation_protocol,
    annotations_per_item,
    audit_ids,
    machine_tools,
    partner_names,
    unlooked_label_errors,
)
from labelpact.report.vocabulary import NOT_ATTESTED, RAI_PROPERTIES, Source, percent

__all__ = ["RaiValue", "rai_values"]


@dataclass(frozen=True, slots=True)
class RaiValue:
    """The published text of one RAI property, where it came from, and the ids it rests on."""

    name: str
    text: str
    source: Source
    evidence: tuple[str, ...]


def _combine(
    facts: ProjectFacts, name: str, measured: str | None, evidence: tuple[str, ...], missing: str
) -> RaiValue:
    """Measured text and attested statements together; ``NOT_ATTESTED`` with ``missing`` when neither."""
    statements = facts.attested(name)
    attested = " ".join(
        f"{a.subject.split(':', 1)[0].capitalize()} {a.subject.split(':', 1)[1]} attests "
        f'({a.attested_by}, {a.attested_at.date().isoformat()}, {a.id}): "{text.strip()}"'
        for a, text in statements
    )
    ids = evidence + tuple(a.id for a, _ in statements)
    if measured and attested:
        return RaiValue(name, f"Measured: {measured} {attested}", "measured and attested", ids)
    if measured:
        return RaiValue(name, f"Measured: {measured}", "measured", ids)
    if attested:
        return RaiValue(name, attested, "attested", ids)
    return RaiValue(name, f"{NOT_ATTESTED}: {missing}", "not attested", ids)


def _other_kinds(facts: ProjectFacts) -> str:
    """``, with 2 preferences batches (3,000 annotations)`` for published batches of other kinds, else ``""``."""
    parts = [
        f"{len(batches)} {kind} batches ({sum(a.n_annotations for a in batches):,} annotations)"
        for kind, batches in facts.published_by_kind().items()
    ]
    return f", with {' and '.join(parts)}" if parts else ""


def _collection(facts: ProjectFacts, p: Pooled) -> tuple[str | None, tuple[str, ...]]:
    audits = facts.audits
    if not audits:
        return None, ()
    formats = Counter(a.format for a in audits)
    return (
        f"{len(audits)} batches of human annotations delivered by {partner_names(facts)} between "
        f"{audits[0].delivered.isoformat()} and {audits[-1].delivered.isoformat()} "
        f"({', '.join(f'{n} {f}' for f, n in sorted(formats.items()))}); each delivery stored immutably by "
        f"the SHA-256 of its bytes and audited on arrival. {p.n_batches} batches of labels "
        f"({p.n_tasks:,} tasks, {p.n_annotations:,} annotations) are published{_other_kinds(facts)}; "
        f"{len(audits) - p.n_batches - len(facts.published_deliverables)} were not accepted and are left out.",
        audit_ids(audits),
    )


def _collection_type(facts: ProjectFacts) -> str | None:
    if not facts.audits:
        return None
    return (
        "Manual Human Curator: labels given by the annotation workforces of "
        f"{partner_names(facts)}, one row per task, worker and label."
    )


def _missing(facts: ProjectFacts) -> str | None:
    audits = facts.audits
    if not audits:
        return None
    unlabelled = sum(a.n_tasks_without_labels for a in audits)
    abstain = sum(a.n_abstentions for a in audits)
    cancelled = sum(a.n_cancelled for a in audits)
    dupes = sum(a.n_duplicates for a in audits)
    return (
        f"Across {len(audits)} delivered batches: {unlabelled:,} tasks arrived without a label, "
        f"{abstain:,} annotations were abstentions, {cancelled:,} were cancelled and {dupes:,} were "
        "duplicates of an earlier annotation by the same worker; none of these count as labels."
    )


def _raw(facts: ProjectFacts) -> tuple[str | None, tuple[str, ...]]:
    scanned = [a for a in facts.audits if a.licenses]
    if not scanned:
        return None, ()
    by_license: Counter[str] = Counter()
    for a in scanned:
        by_license.update(dict(a.licenses))
    parts = ", ".join(f"{lic} {n:,} tasks" for lic, n in sorted(by_license.items()))
    disallowed = sum(a.disallowed_tasks for a in scanned)
    return (
        f"Task payloads with their source and licence came with {len(scanned)} of {len(facts.audits)} "
        f"batches: {parts}; {disallowed:,} tasks carried a licence a contract does not allow.",
        audit_ids(scanned),
    )


def _timeframe(facts: ProjectFacts) -> str | None:
    if not facts.audits:
        return None
    return f"{facts.audits[0].delivered.isoformat()}/{facts.audits[-1].delivered.isoformat()}"


def _preprocessing(facts: ProjectFacts) -> str | None:
    if not facts.audits:
        return None
    return (
        "Each delivery is read into (task, worker, label) with column aliases resolved; duplicate "
        "annotations, abstentions and cancelled ones are dropped; labels outside the contract's classes are "
        "refused. Only batches accepted by their audit, or by a reviewer's sample, and not rejected by a "
        "reviewer's sample since, enter the published "
        f"consensus: {len(facts.included)} of {len(facts.audits)}."
    )


def _imputation(facts: ProjectFacts) -> str | None:
    if not facts.audits:
        return None
    return (
        "No imputation: a task without any label gets no consensus label and is left out of the export; "
        "no label is invented for a missing annotation."
    )


def _manipulation(facts: ProjectFacts) -> tuple[str | None, tuple[str, ...]]:
    included = facts.included
    if not included:
        return None, ()
    methods = Counter(a.method for a in included)
    return (
        "The published label of a task is the consensus of its workers' labels by truth inference ("
        + ", ".join(f"{m}: {n} batches" for m, n in sorted(methods.items()))
        + "), with per-class probabilities (calibrated where gold allowed) and the confidence of the chosen "
        "class. Worker labels are not edited; label-error candidates are flagged, not changed.",
        audit_ids(included),
    )


def _personal(facts: ProjectFacts) -> tuple[str | None, tuple[str, ...]]:
    audits = facts.audits
    scanned = [a for a in audits if a.pii_scanned]
    if not audits:
        return None, ()
    if not scanned:
        return (
            f"No task payloads were delivered with the {len(audits)} batches, so no text was scanned for "
            "personal data.",
            audit_ids(audits),
        )
    entities: Counter[str] = Counter()
    for a in scanned:
        entities.update(dict(a.pii))
    leaked = [a for a in scanned if a.pii_tasks]
    detectors = sorted({f"{k}: {v}" for a in scanned for k, v in a.pii_detectors})
    text = f"{len(scanned)} of {len(audits)} batches came with task payloads, scanned for personal data"
    text += f" ({'; '.join(detectors)})" if detectors else ""
    if not leaked:
        text += "; none was found."
    else:
        found = ", ".join(f"{n} {e}" for e, n in sorted(entities.items()))
        excluded = [a for a in leaked if not a.included]
        text += (
            f"; {sum(a.pii_tasks for a in leaked)} tasks in {len(leaked)} batches carried personal data "
            f"({found}). Remedy: {len(excluded)} of those batches were not accepted and are not published"
        )
        kept = [a.batch for a in leaked if a.included]
        text += f"; published despite it: {', '.join(kept)}." if kept else "."
    unscanned = len(audits) - len(scanned)
    if unscanned:
        text += f" {unscanned} batches came without payloads and were not scanned."
    return text, audit_ids(scanned)


def _biases(facts: ProjectFacts) -> tuple[str | None, tuple[str, ...]]:
    included = facts.included
    if not included:
        return None, ()
    slices = [f"{a.batch}: {b}" for a in facts.audits for b in a.bias]
    worst: list[tuple[float, str, str]] = [
        (value, label, a.batch) for a in included for label, value in a.agreement_by_class
    ]
    text = ""
    if worst:
        by_class: dict[str, list[float]] = {}
        for value, label, _ in worst:
            by_class.setdefault(label, []).append(value)
        medians = sorted((statistics.median(v), k) for k, v in by_class.items())
        text += "Per-class agreement (median alpha): " + ", ".join(f"{k} {alpha_text(m)}" for m, k in medians)
        text += f"; the hardest class is {medians[0][1]}. "
    text += (
        "Slice bias tests: " + "; ".join(slices) + "."
        if slices
        else "No slice columns were delivered, so label bias across slices was not tested."
    )
    return text, audit_ids(included)


def _limitations(facts: ProjectFacts, p: Pooled) -> tuple[str | None, tuple[str, ...]]:
    if not facts.audits:
        return None, ()
    text = ""
    if p.error_rate is not None:
        text += f"About {percent(p.error_rate)} of published labels are estimated wrong"
        text += (
            f" (a batch's 95% upper bound reaches {percent(p.error_upper)}). "
            if p.error_upper is not None
            else ". "
        )
    if p.label_error_rate is not None:
        text += f"{percent(p.label_error_rate)} of published tasks are label-error candidates (weak or contradicted consensus). "
    text += unlooked_label_errors(facts)
    unverified = p.n_batches - p.n_verified
    if unverified:
        text += f"{unverified} published batches rest on model-only error estimates (not verified). "
    rejected = [a for a in facts.audits if not a.published]
    if rejected:
        text += f"{len(rejected)} delivered batches are left out (not accepted), so coverage is partial. "
    unscanned = sum(1 for a in facts.audits if not a.pii_scanned)
    if unscanned:
        text += f"{unscanned} batches were not scanned for personal data (no payloads). "
    return text.strip() or "No limitation was measured.", audit_ids(facts.audits)


def rai_values(facts: ProjectFacts) -> dict[str, RaiValue]:
    """The value of every RAI 1.0 property for ``facts``, keyed by property name (no ``rai:`` prefix)."""
    p = pooled(facts.included)
    all_ids = audit_ids(facts.audits)
    collection, collection_ids = _collection(facts, p)
    raw, raw_ids = _raw(facts)
    manipulation, manipulation_ids = _manipulation(facts)
    personal, personal_ids = _personal(facts)
    protocol, protocol_ids = annotation_protocol(facts, p)
    platform, platform_ids = annotation_platform(facts)
    analysis, analysis_ids = annotation_analysis(facts, p)
    tools, tools_ids = machine_tools(facts)
    biases, biases_ids = _biases(facts)
    limitations, limitations_ids = _limitations(facts, p)
    no_batch = "no batch has been delivered yet"
    unpublished = (
        "no label batch is published yet (the published batches of other kinds are in dataAnnotationAnalysis)"
        if facts.published_deliverables
        else "no batch is published yet"
    )
    measured: dict[str, tuple[str | None, tuple[str, ...], str]] = {
        "dataCollection": (collection, collection_ids, no_batch),
        "dataCollectionType": (_collection_type(facts), all_ids, no_batch),
        "dataCollectionMissingData": (_missing(facts), all_ids, no_batch),
        "dataCollectionRawData": (
            raw,
            raw_ids,
            "no batch came with task payloads naming their source and licence, and nobody attested them",
        ),
        "dataPreprocessingProtocol": (_preprocessing(facts), all_ids, no_batch),
        "dataImputationProtocol": (_imputation(facts), all_ids, no_batch),
        "dataManipulationProtocol": (manipulation, manipulation_ids, unpublished),
        "dataReleaseMaintenancePlan": (
            None,
            (),
            "the project has not stated its release and maintenance plan",
        ),
        "personalSensitiveInformation": (personal, personal_ids, no_batch),
        "dataAnnotationProtocol": (protocol, protocol_ids, no_batch),
        "dataAnnotationPlatform": (
            platform,
            platform_ids,
            f"no partner named its annotation platform ({partner_names(facts)})",
        ),
        "dataAnnotationAnalysis": (analysis, analysis_ids, unpublished),
        "annotationsPerItem": (
            annotations_per_item(facts, p),
            audit_ids(facts.included + facts.published_deliverables),
            unpublished,
        ),
        "annotatorDemographics": (
            None,
            (),
            f"no partner attested its annotators' demographics ({partner_names(facts)}); they cannot be "
            "measured from deliveries",
        ),
        "machineAnnotationTools": (tools, tools_ids, no_batch),
        "dataSocialImpact": (None, (), "the project has not stated the data's social impact"),
        "dataBiases": (biases, biases_ids, unpublished),
        "dataLimitations": (limitations, limitations_ids, no_batch),
        "dataUseCases": (None, (), "the project has not stated its intended use cases"),
    }
    values = {
        name: _combine(facts, name, text, ids, missing) for name, (text, ids, missing) in measured.items()
    }
    timeframe = _timeframe(facts)
    values["dataCollectionTimeframe"] = (
        RaiValue("dataCollectionTimeframe", timeframe, "measured", all_ids)
        if timeframe
        else RaiValue("dataCollectionTimeframe", f"{NOT_ATTESTED}: {no_batch}", "not attested", ())
    )
    return {prop.name: values[prop.name] for prop in RAI_PROPERTIES}
