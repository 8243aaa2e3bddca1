"""Use cases of publishing: gather a project's facts from the store as known on a date, and write its
Croissant card (with the consensus files it describes), its EU AI Act mapping, or its readable report.

Everything is read as of ``as_of``: batches delivered after it, disputes opened and events dated after it
are invisible; each batch counts by its latest audit. Attestations describe the data rather than a moment,
so the latest statement on file counts. The same store and ``as_of`` give the same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from labelpact.errors import InvalidInputError, NotFoundError
from labelpact.io.export import UNQUOTE_PATTERN, neutralise_reversibly, write_csv_table
from labelpact.report import (
    DistributionFile,
    Edition,
    FieldFacts,
    ProjectFacts,
    build_card,
    card_text,
    check_card,
    eu_ai_act,
    render_report,
    report_pdf,
)
from labelpact.services.card_check import check_card_file
from labelpact.services.ingest import file_sha256
from labelpact.services.project_facts import project_facts
from labelpact.services.refinement_assessment import TABLE_ROLE
from labelpact.services.review import consensus_table
from labelpact.services.staged_files import StagedFiles, staged_files
from labelpact.store import Store

__all__ = [
    "Published",
    "check_card_file",
    "project_facts",
    "publish_card",
    "publish_report",
]

Profile = Literal["croissant", "eu-ai-act"]
ReportFormat = Literal["html", "pdf"]


@dataclass(frozen=True, slots=True)
class Published:
    """What a publish call wrote: the main file and the files beside it, with a summary for ``--json``."""

    path: Path
    files: tuple[Path, ...]
    document: dict[str, Any]


_BATCH = FieldFacts("batch", "sc:Text", "The delivered batch (first 12 hex digits of its SHA-256).")


def _with_batch(table: pa.Table, batch: str) -> pa.Table:
    return table.add_column(0, "batch", pa.array([batch] * table.num_rows, pa.string()))


def _csv_file(
    stage: StagedFiles,
    table: pa.Table,
    path: Path,
    name: str,
    description: str,
    fields: tuple[FieldFacts, ...],
    key: tuple[str, ...],
) -> DistributionFile:
    """Stage ``table``'s ``fields`` as the CSV going to ``path`` and describe the file for the card."""
    staged = stage.path(path)
    # formulas quoted for spreadsheets, reversibly: the card's regex transform gives the values back
    table = table.select([f.name for f in fields])
    written = neutralise_reversibly(table)
    quoted = tuple(n for n in table.column_names if not written[n].equals(table[n].cast(written[n].type)))
    write_csv_table(written, staged)
    return DistributionFile(
        id=f"{name}-csv",
        name=path.name,
        encoding_format="text/csv",
        sha256=file_sha256(staged),
        size_bytes=staged.stat().st_size,
        description=description,
        fields=fields,
        key=key,
        text_regex=UNQUOTE_PATTERN,
        quoted=quoted,
    )


def _consensus_files(
    stage: StagedFiles, store: Store, facts: ProjectFacts, folder: Path, stem: str
) -> tuple[DistributionFile, ...]:
    """Write the published consensus (``batch, task, label, confidence``) and its per-class probabilities."""
    tables = []
    for audit in (store.get_audit(a.audit) for a in facts.included):
        table = consensus_table(store, audit)
        table = table.filter(pc.is_valid(table["label"]))  # a task nobody labelled is left out, not imputed
        probas = [n for n in table.column_names if n.startswith("p_")]
        tables.append(_with_batch(table.select(["task", "label", "confidence", *probas]), audit.batch))
    classes: list[str] = []
    for a in facts.included:
        classes += [c for c in a.classes if c not in classes]
    columns = ["batch", "task", "label", "confidence"] + [f"p_{c}" for c in classes]
    if tables:
        merged = pa.concat_tables(tables, promote_options="default")
    else:
        merged = pa.table(
            {
                c: pa.array([], pa.string() if c in ("batch", "task", "label") else pa.float64())
                for c in columns
            }
        )
    for name in columns:
        if name not in merged.column_names:
            merged = merged.append_column(name, pa.nulls(merged.num_rows, pa.float64()))
    task = FieldFacts("task", "sc:Text", "The task (item) identifier as delivered.")
    consensus = (
        _BATCH,
        task,
        FieldFacts("label", "sc:Text", "The consensus class."),
        FieldFacts("confidence", "sc:Float", "The probability of the consensus class."),
    )
    probabilities = tuple(
        FieldFacts(n, "sc:Float", f"Probability that the task's class is {n[2:]}.") for n in columns[4:]
    )
    return (
        _csv_file(
            stage, merged, folder / f"{stem}.consensus.csv", "consensus",
            "The published label of each task and its confidence.", consensus, ("batch", "task"),
        ),
        _csv_file(
            stage, merged, folder / f"{stem}.probabilities.csv", "probabilities",
            "Per-class probabilities of each task's true class.", (_BATCH, task, *probabilities), ("batch", "task"),
        ),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _KindTable:
    """How a deliverable kind's published audits become one file beside the card (their audits' tables,
    ``refinement_assessment.TABLE_ROLE``): what the file holds, its columns beside the batch, and its key."""

    description: str
    fields: tuple[FieldFacts, ...]
    key: tuple[str, ...]


_KIND_TABLES: dict[str, _KindTable] = {
    "preferences": _KindTable(
        "Each compared item of each published preference batch: its Bradley-Terry score, its group and its rank in the group.",
        (
            FieldFacts("item", "sc:Text", "The compared item (a response) as delivered."),
            FieldFacts(
                "score", "sc:Float", "Its Bradley-Terry strength on the log scale; higher is preferred."
            ),
            FieldFacts(
                "group",
                "sc:Integer",
                "Its group: items of different groups were never compared, even through others, so their "
                "scores and ranks cannot be compared (1 the largest group).",
            ),
            FieldFacts("rank", "sc:Integer", "Its rank in its group, 1 the most preferred."),
        ),
        ("batch", "item"),
    ),
    "ratings": _KindTable(
        "Each rated task of each published ratings batch, per criterion: the consensus score corrected "
        "for each rater's offset, with its 95% normal-theory interval.",
        (
            FieldFacts("task", "sc:Text", "The task (item) identifier as delivered."),
            FieldFacts("criterion", "sc:Text", "The rubric criterion."),
            FieldFacts("score", "sc:Float", "The consensus score on the criterion's scale."),
            FieldFacts("low", "sc:Float", "The lower end of its 95% interval."),
            FieldFacts("high", "sc:Float", "The upper end of its 95% interval."),
        ),
        ("batch", "task", "criterion"),
    ),
    "demonstrations": _KindTable(
        "Each answer of each published demonstrations batch: how many signals of a language model's "
        "writing it shows and its near-duplicate cluster (-1: none).",
        (
            FieldFacts("task", "sc:Text", "The task (prompt) identifier as delivered."),
            FieldFacts("worker", "sc:Text", "The writer, as the partner names them."),
            FieldFacts("llm_signals", "sc:Integer", "Signals of a language model's writing in the answer."),
            FieldFacts("near_duplicate_cluster", "sc:Integer", "The answer's near-duplicate cluster, or -1."),
        ),
        ("batch", "task", "worker"),
    ),
}


def _no_nan(table: pa.Table) -> pa.Table:
    """NaN (an interval a single rater cannot give) as an empty cell: Croissant's floats have no NaN."""
    for i, name in enumerate(table.column_names):
        column = table[name]
        if pa.types.is_floating(column.type):
            table = table.set_column(i, name, pc.if_else(pc.is_nan(column), None, column))
    return table


def _deliverable_files(
    stage: StagedFiles, store: Store, facts: ProjectFacts, folder: Path, stem: str
) -> tuple[DistributionFile, ...]:
    """Per deliverable kind with published batches, one CSV of their audits' tables (item scores, consensus
    scores or answer signals), each row with its batch."""
    written = []
    for kind, audits in facts.published_by_kind().items():
        spec, role = _KIND_TABLES[kind], TABLE_ROLE[kind]
        tables = []
        for a in audits:
            file = store.get_audit(a.audit).file(role)
            if file is None:
                raise NotFoundError(f"audit {a.audit} has no stored {role} table")
            columns = [f.name for f in spec.fields]
            tables.append(
                _with_batch(_no_nan(pq.read_table(store.blob_path(file), columns=columns)), a.batch)
            )
        path = folder / f"{stem}.{kind}.csv"
        fields = (_BATCH, *spec.fields)
        table = pa.concat_tables(tables)
        written.append(_csv_file(stage, table, path, kind, spec.description, fields, spec.key))
    return tuple(written)


def publish_card(
    store: Store,
    project: str,
    out: str | Path,
    *,
    partner: str | None = None,
    as_of: dt.date | None = None,
    profile: Profile = "croissant",
) -> Published:
    """Write the Croissant card (and beside it the consensus and probability CSVs it describes, and one CSV
    per deliverable kind with published batches: item scores, consensus scores, answer signals), or with
    ``profile="eu-ai-act"`` the EU AI Act mapping as JSON. The card passes ``check_card`` by construction."""
    target = _output(out)
    if profile == "eu-ai-act":
        facts = project_facts(store, project, partner=partner, as_of=as_of, edition="partner")
        document = eu_ai_act(facts)
        with staged_files() as stage:
            text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            stage.path(target).write_text(text, "utf-8")
        return Published(target, (), {"out": str(target), "profile": profile, "summary": document["summary"]})
    if profile != "croissant":
        raise InvalidInputError(
            "a profile of croissant or eu-ai-act", column="profile", column_kind="field", got=repr(profile)
        )
    facts = project_facts(store, project, partner=partner, as_of=as_of, edition="partner")
    stem = target.stem or "card"  # the whole name but its extension: card.2025-12-31.jsonld, not card
    with staged_files() as stage:  # every file or none: a failure leaves no file written or replaced
        card_path = stage.path(target)
        files = _consensus_files(stage, store, facts, target.parent, stem)
        files += _deliverable_files(stage, store, facts, target.parent, stem)
        card = build_card(dataclasses.replace(facts, files=files, card_name=target.name))
        problems = check_card(card)
        if problems:  # pragma: no cover - a card that fails its own profile is a bug
            raise InvalidInputError("a card that passes labelpact's profile", got="; ".join(problems))
        card_path.write_text(card_text(card), encoding="utf-8")
    sources = card["raiSources"]
    return Published(
        target,
        tuple(target.parent / f.name for f in files),
        {
            "out": str(target),
            "files": [{"name": f.name, "sha256": f.sha256, "size_bytes": f.size_bytes} for f in files],
            "n_batches": len(facts.audits),
            "n_published": len(facts.included) + len(facts.published_deliverables),
            "rai": {key: entry["source"] for key, entry in sorted(sources.items())},
        },
    )


def publish_report(
    store: Store,
    out: str | Path,
    *,
    project: str | None = None,
    partner: str | None = None,
    as_of: dt.date | None = None,
    edition: Edition = "client",
    fmt: ReportFormat | None = None,
) -> Published:
    """Write the readable report of a project (or of every project a partner delivered to, with
    ``partner`` alone) as self-contained HTML or as PDF; ``fmt`` None: by the extension (``.pdf``: PDF)."""
    target = _output(out)
    fmt = _report_format(target, fmt)
    if project is None:
        if partner is None:
            raise InvalidInputError(
                "a project, or a partner whose projects to report on", column="project", column_kind="field"
            )
        projects = sorted({b.project for b in store.list_batches(partner=partner)})
        if not projects:
            raise NotFoundError(f"partner {partner!r} has delivered no batch yet")
        project = projects[0] if len(projects) == 1 else _one_of(projects, partner)
    facts = project_facts(store, project, partner=partner, as_of=as_of, edition=edition)
    html = render_report(facts, edition=edition)
    with staged_files() as stage:
        staged = stage.path(target)
        if fmt == "pdf":
            staged.write_bytes(report_pdf(html))
        else:
            staged.write_text(html, encoding="utf-8")
    return Published(
        target,
        (),
        {
            "out": str(target),
            "format": fmt,
            "edition": edition,
            "project": project,
            "partner": partner,
            "as_of": facts.as_of.isoformat(),
            "n_batches": len(facts.audits),
        },
    )


def _report_format(target: Path, fmt: str | None) -> ReportFormat:
    """The report's format: ``fmt``, else the extension's; refused when the extension names the other one."""
    by_suffix: dict[str, ReportFormat] = {".pdf": "pdf", ".html": "html", ".htm": "html"}
    named = by_suffix.get(target.suffix.lower())
    if fmt is None:
        return named or "html"
    if fmt not in ("html", "pdf"):
        raise InvalidInputError("a format of html or pdf", column="fmt", column_kind="field", got=repr(fmt))
    if named is not None and named != fmt:
        raise InvalidInputError(
            f"{named} for {target.name} (or an output ending in .{fmt})",
            column="fmt",
            column_kind="field",
            got=fmt,
        )
    return "pdf" if fmt == "pdf" else "html"


def _output(out: str | Path) -> Path:
    """The output path, refused (before anything is read or written) unless its folder exists and it is
    not a folder itself."""
    target = Path(out)
    if not target.parent.is_dir():
        raise InvalidInputError("an existing folder for the output", file=target.parent, got="no such folder")
    if target.is_dir():
        raise InvalidInputError("a file path to write", file=target, got="a directory")
    return target


def _one_of(projects: Sequence[str], partner: str) -> str:
    raise InvalidInputError(
        f"the project to report on: {partner} delivered to {len(projects)} projects ({', '.join(projects)})",
        column="project",
        column_kind="field",
    )
