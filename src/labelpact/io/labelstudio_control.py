"""Which control of a Label Studio full export holds the labels, found before its annotations are read.

A project may have several Choices controls (``topic`` and ``tone``): the labels are the results whose
``from_name`` is the one ``--label-column`` names, or the only Choices control there is. An export with no
Choices result at all is refused by what it holds instead: spans or regions (NER ``labels``), or the
results another kind's reader takes (``pairwise``: preferences, ``rating``: ratings, ``textarea``:
demonstrations), so that the user is not told the file has no labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from labelpact.errors import InvalidInputError

__all__ = ["OTHER_KINDS", "choice_control", "is_choice_result"]

# result type -> the deliverable kind (``--kind``) whose reader takes it
OTHER_KINDS: Final = {"pairwise": "preferences", "rating": "ratings", "textarea": "demonstrations"}

# (task index, annotation id) of the first annotation holding a control's (or a result type's) results
Place = tuple[int, object]


def is_choice_result(result: object) -> bool:
    """Whether a result object is a Choices answer (its ``value`` holds ``choices``)."""
    return isinstance(result, dict) and isinstance(result.get("value"), dict) and "choices" in result["value"]


def choice_control(path: Path, tasks: list[dict[str, Any]], label_column: str | None) -> str | None:
    """The ``from_name`` of the Choices control whose results are the labels; None when no annotation
    chose anything (every task is then unlabelled, as before).

    ``label_column`` picks the control when the export has one of that name. With one Choices control a
    name that matches none is ignored (a full export never read ``--label-column`` before); with several,
    the user must name one, and an export without any Choices result is refused by what it holds.
    """
    controls, others = _result_places(tasks)
    if label_column is not None and label_column in controls:
        return label_column
    if len(controls) == 1:
        return next(iter(controls))
    if len(controls) > 1:
        shown = ", ".join(repr(name) for name in controls)
        index, annotation = list(controls.values())[1]
        expected = "one Choices control in this Label Studio export (name it with --label-column)"
        got = f"several: {shown}"
        if label_column is not None:
            expected = "--label-column naming a Choices control of this Label Studio export"
            got = f"{label_column!r}; its Choices controls are {shown}"
        raise _refusal(path, (index, annotation), expected, got)
    if others:
        _refuse_other_results(path, others)
    return None


def _result_places(tasks: list[dict[str, Any]]) -> tuple[dict[str, Place], dict[str, Place]]:
    """Where each Choices control (by ``from_name``) and each other result type first appears, in the
    order they appear; cancelled annotations are skipped, as the reader skips their results."""
    controls: dict[str, Place] = {}
    others: dict[str, Place] = {}
    for index, task in enumerate(tasks):
        annotations = task.get("annotations")
        for ann in annotations if isinstance(annotations, list) else []:
            if not isinstance(ann, dict) or ann.get("was_cancelled"):
                continue
            results = ann.get("result")
            for result in results if isinstance(results, list) else []:
                if is_choice_result(result):
                    controls.setdefault(str(result.get("from_name")), (index, ann.get("id")))
                elif isinstance(result, dict):
                    others.setdefault(str(result.get("type")), (index, ann.get("id")))
    return controls, others


def _refuse_other_results(path: Path, others: dict[str, Place]) -> None:
    """Refuse an export without Choices results, naming the first result type it holds instead and,
    when another kind's reader takes that type, the ``--kind`` to read it with."""
    kind, (index, annotation) = next(iter(others.items()))
    expected = "Label Studio Choices results (one class per task) for labels"
    got = f"only {', '.join(repr(k) for k in others)} results"
    if kind in OTHER_KINDS:
        other = OTHER_KINDS[kind]
        expected = f"Label Studio Choices results for labels (this export holds {other}: --kind {other})"
    elif kind.endswith("labels"):  # labels, rectanglelabels, hypertextlabels...: a span or a region
        got += ": spans or regions (NER), not task-level classes, which are not supported"
    else:
        got += ", which are not read as labels"
    raise _refusal(path, (index, annotation), expected, got)


def _refusal(path: Path, place: Place, expected: str, got: str) -> InvalidInputError:
    """The one-line refusal of an export's results, naming the task (1-based) and the annotation."""
    index, annotation = place
    return InvalidInputError(
        f"annotation {annotation}: {expected}",
        file=path,
        row=index + 1,
        unit="task",
        column="result",
        got=got,
    )
