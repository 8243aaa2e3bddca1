"""Use case: calibrate the partnership-risk model on the user's own history, and use it afterwards.

``fit_history`` reads a HISTORY CSV (one row per relationship-month; see ``partners.risk.fit``), fits the
effect sizes (penalised toward the model in use: the workspace's saved fit, else the library fit) and, with ``save``, keeps the fitted priors in the
workspace (``risk_priors.toml``), where every later ``labelpact health`` and ``allocate`` picks them up.
"""

from __future__ import annotations

import csv
from pathlib import Path

from labelpact.errors import InvalidInputError, missing_file
from labelpact.partners.risk import RiskPriors, load_priors
from labelpact.partners.risk.fit import FittedRisk, fit_risk, history_from_rows, priors_toml
from labelpact.partners.risk.library import CaseFit, library_priors, load_cases
from labelpact.partners.risk.profile import shaped_fit
from labelpact.store import Store

__all__ = ["PRIORS_FILE", "fit_history", "fit_library", "is_case_library", "workspace_priors"]

PRIORS_FILE = "risk_priors.toml"


def _rows(path: Path) -> tuple[list[dict[str, str | None]], list[int]]:
    """The HISTORY file's rows by column, and the line each starts on: a BOM allowed (as ``events import``
    allows it), blank lines skipped, a header naming a column twice or a row of another width refused."""
    if not path.is_file():
        raise InvalidInputError("an existing HISTORY file", file=path, got=missing_file(path))
    rows: list[dict[str, str | None]] = []
    lines: list[int] = []
    header: list[str] | None = None
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            end = 0  # the line the previous record ended on: a quoted cell may span lines
            for cells in reader:
                start, end = end + 1, reader.line_num
                if not cells:
                    continue
                if header is None:
                    header = [c.strip() for c in cells]
                    twice = [c for i, c in enumerate(header) if c in header[:i]]
                    if twice:
                        raise InvalidInputError("each column once", file=path, row=start, column=twice[0])
                    continue
                if len(cells) != len(header):
                    raise InvalidInputError(
                        f"{len(header)} cells as in the header",
                        file=path,
                        row=start,
                        got=f"{len(cells)} cells",
                    )
                rows.append(dict(zip(header, cells, strict=True)))
                lines.append(start)
    except UnicodeDecodeError as error:
        raise InvalidInputError("UTF-8 text", file=path, got=f"undecodable bytes at {error.start}") from None
    except csv.Error as error:
        raise InvalidInputError("a CSV file", file=path, row=reader.line_num, got=str(error)) from None
    return rows, lines


def is_case_library(path: str | Path) -> bool:
    """Whether ``path`` is in the case-library format (a ``.json`` case file or a folder of them)."""
    target = Path(path)
    return target.is_dir() or target.suffix.lower() == ".json"


def fit_history(
    store: Store | None, path: str | Path, *, penalty: float = 1.0, save: bool = False
) -> FittedRisk:
    """Fit the risk model to a HISTORY CSV, starting from (and shrunk toward) the model forecasts use now; with
    ``save``, the workspace's forecasts use it from now on (a fit without ``save`` needs no workspace: ``store``
    may be None, and the library fit is the start)."""
    file = Path(path)
    rows, lines = _rows(file)
    # shrink toward the model in use, not the raw sourced priors: an effect or half-life the history does
    # not measure keeps the value every forecast uses now (the library fit, or this workspace's own)
    start = (workspace_priors(store) if store is not None else None) or library_priors()
    fitted = fit_risk(history_from_rows(rows, source=str(file), lines=lines), priors=start, penalty=penalty)
    if save:
        _save(store, fitted.priors)
    return fitted


def fit_library(
    store: Store | None, path: str | Path, *, penalty: float = 1.0, save: bool = False
) -> CaseFit:
    """Fit the risk model to case files (``partners/data/cases`` format) as the shipped default model is
    fitted (``profile.shaped_fit``: memory profiled, intercepts anchored): effects with intervals and the
    cases behind them; with ``save``, the workspace's forecasts use the fitted effects and half-lives."""
    fit = shaped_fit(load_cases(path), penalty=penalty)
    if save:
        _save(store, fit.priors)
    return fit


def _save(store: Store | None, priors: RiskPriors) -> None:
    if store is None:
        raise InvalidInputError("a workspace to save the fit in", column="save", column_kind="field")
    target = store.settings.workspace / PRIORS_FILE
    staging = target.with_suffix(".toml.tmp")
    staging.write_text(priors_toml(priors), encoding="utf-8")
    staging.replace(target)  # atomic: a forecast never reads half a file


def workspace_priors(store: Store) -> RiskPriors | None:
    """The fitted priors saved in this workspace, or None (the packaged, sourced priors apply)."""
    file = store.settings.workspace / PRIORS_FILE
    if not file.is_file():
        return None
    return load_priors(file.read_text(encoding="utf-8"), source=str(file))
