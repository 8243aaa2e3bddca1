"""A delivery rebuilt from what the store keeps of it, so that a stored batch can be audited without its file.

The normalised Parquet (``io.normalised``) holds the coded annotations and gold exactly as they were read;
the task payloads come from the stored tasks file, or from the stored labels file when it carries them
(Label Studio exports). The counts that reading found (abstentions, duplicates...) are the batch's own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from labelpact.core.annotations import Annotations, Gold, TaskPayloads, natural_order
from labelpact.errors import InvalidInputError
from labelpact.io.delivery import Delivery, read_delivery
from labelpact.io.normalised import read_normalised
from labelpact.io.reference import read_tasks

__all__ = ["StoredFiles", "read_stored_delivery"]


@dataclass(frozen=True, slots=True)
class StoredFiles:
    """Where a stored batch's files lie and what reading its labels file counted when it was stored."""

    normalised: Path
    labels: Path
    source_name: str
    format: str
    n_rows: int
    n_abstentions: int
    n_cancelled: int
    n_duplicates: int
    tasks: Path | None = None


def read_stored_delivery(files: StoredFiles, *, classes: Sequence[str] | None = None) -> Delivery:
    """The delivery as ``read_delivery`` of the original files gave it, with ``classes`` as the class order.

    ``classes`` (a contract's) recodes the labels and gold to that vocabulary; a label outside it is an
    error, as when reading the file. Without, the classes are the labels used, in natural order, which is
    what reading the file without a class list gives.
    """
    annotations, gold = read_normalised(files.normalised)
    annotations, gold = _recode(annotations, gold, classes, files.source_name)
    empty = np.bincount(annotations.task, minlength=annotations.n_tasks) == 0
    return Delivery(
        annotations=annotations,
        gold=gold,
        payloads=_payloads(files, annotations.classes),
        source=Path(files.source_name),
        format=files.format,
        n_rows=files.n_rows,
        n_abstentions=files.n_abstentions,
        n_cancelled=files.n_cancelled,
        n_duplicates=files.n_duplicates,
        n_duplicates_dropped=0,
        tasks_without_labels=tuple(annotations.tasks[i] for i in np.flatnonzero(empty)),
        columns=MappingProxyType({}),
    )


def _recode(
    a: Annotations, gold: Gold | None, classes: Sequence[str] | None, source: str
) -> tuple[Annotations, Gold | None]:
    """The annotations and gold with ``classes`` (else the used labels in natural order) as the vocabulary."""
    used = np.unique(a.label)
    target = (
        tuple(str(c).strip() for c in classes)
        if classes is not None
        else natural_order(a.classes[int(k)] for k in used)
    )
    if target == a.classes:
        return a, gold
    position = {name: k for k, name in enumerate(target)}
    needed = np.union1d(used, gold.label) if gold is not None else used
    outside = [a.classes[int(k)] for k in needed if a.classes[int(k)] not in position]
    if outside:
        raise InvalidInputError(
            f"a label in {list(target)}", file=source, column="label", got=repr(outside[0])
        )
    lookup = np.array([position.get(name, -1) for name in a.classes], dtype=np.intp)
    recoded = dataclasses.replace(a, label=lookup[a.label], classes=target)
    return recoded, None if gold is None else dataclasses.replace(gold, label=lookup[gold.label])


def _payloads(files: StoredFiles, classes: tuple[str, ...]) -> TaskPayloads | None:
    """The stored tasks file's payloads; else those the labels file carries (Label Studio), else None."""
    if files.tasks is not None:
        return read_tasks(files.tasks)
    if files.format == "labelstudio-json":  # its tasks' data, whichever Choices control held the labels
        return read_tasks(files.labels, format=files.format)
    try:
        return read_delivery(files.labels, classes=classes, format=files.format).payloads
    except InvalidInputError:  # a file that needed column options to be read carries no task fields
        return None
