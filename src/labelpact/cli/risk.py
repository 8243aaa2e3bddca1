"""``risk fit``: calibrate the breakdown forecast on your own relationship history."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from labelpact.cli.common import common_options, make_output, open_store
from labelpact.services.risk import PRIORS_FILE, fit_history, fit_library, is_case_library

__all__ = ["risk"]


@click.group()
def risk() -> None:
    """The partnership-risk model behind ``labelpact health``."""


@risk.command(
    "fit",
    epilog="Example: labelpact risk fit history.csv --save (or a folder of case files: labelpact risk fit cases/)",
)
@click.argument("history", type=click.Path(path_type=Path))
@click.option(
    "--penalty", type=float, default=1.0, show_default=True, help="Pull toward the sourced priors (0: none)."
)
@click.option(
    "--save", is_flag=True, help=f"Keep the fit in the workspace ({PRIORS_FILE}) for later forecasts."
)
@common_options
def fit(
    history: Path, penalty: float, save: bool, workspace: Path | None, db: str | None, as_json: bool
) -> None:
    """Estimate the effect sizes from a HISTORY CSV of relationship-months, or from case files (a .json
    case or a folder of them, as in the packaged library); report effects, Brier score and calibration."""
    out = make_output(as_json)
    library = is_case_library(history)
    fit = fit_library if library else fit_history
    if save:  # only saving needs the workspace
        with open_store(workspace, db) as store:
            doc = fit(store, history, penalty=penalty, save=True).to_dict() | {"saved": True}
    else:
        doc = fit(None, history, penalty=penalty).to_dict() | {"saved": False}

    def render() -> None:
        out.stdout.print(
            f"{doc['n_relationships']:,} relationships, {doc['n_rows']:,} relationship-months; Brier score "
            f"{doc['brier']:.4f} (base rate alone {doc['brier_reference']:.4f}); converged: {doc['converged']}"
        )
        if library:
            out.stdout.print(
                f"{doc['n_cases']} cases, {doc['n_breakups']} of them breakups; the intercepts below are the "
                "library's (it over-represents breakups): forecasts keep the sourced five-year base rate"
            )
        table = Table(title="Effects (log-odds per unit)", title_justify="left")
        extra = ("90% interval", "cases", "breakups") if library else ()
        for name in ("effect", "prior", "estimate", "se", *extra):
            table.add_column(name, justify="left" if name == "effect" else "right")
        for e in doc["effects"]:
            se = "-" if e["se"] is None else f"{e['se']:.3f}"
            more = (
                (f"[{e['interval'][0]:.2f}, {e['interval'][1]:.2f}]", str(e["n_cases"]), str(e["n_breakups"]))
                if library
                else ()
            )
            table.add_row(e["name"], f"{e['prior']:.3f}", f"{e['estimate']:.3f}", se, *more)
        out.stdout.print(table)
        cal = Table(title="Calibration by decile of predicted monthly hazard", title_justify="left")
        for name in ("n", "predicted", "observed"):
            cal.add_column(name, justify="right")
        for b in doc["calibration"]:
            cal.add_row(f"{b['n']:,}", f"{b['predicted']:.4f}", f"{b['observed']:.4f}")
        out.stdout.print(cal)
        if save:
            out.stdout.print(f"Saved: forecasts in this workspace now use these effects ({PRIORS_FILE}).")

    out.emit(doc, render)
