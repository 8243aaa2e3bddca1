"""``report``: the readable transparency report of a project or a partner, as one HTML (or PDF) file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from labelpact.cli.common import DATETIME, common_options, make_output, open_store, safe
from labelpact.services.transparency import publish_report

__all__ = ["report"]


@click.command(
    epilog="\b\nExample: labelpact report --project reviews --as-of 2025-12-31 --out report.html\n"
    '         labelpact report --partner "Acme Labels" --edition partner --out acme.pdf --format pdf'
)
@click.option("--project", metavar="NAME", default=None, help="The project to report on.")
@click.option(
    "--partner", metavar="NAME", default=None, help="Only this partner's batches (its projects, if alone)."
)
@click.option(
    "--as-of", type=DATETIME, default=None, help="As the store stood at the end of this date (default today)."
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Where to write the report.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "pdf"]),
    default=None,
    help="html or pdf [default: by --out's extension: .pdf is pdf, anything else html].",
)
@click.option(
    "--edition",
    type=click.Choice(["client", "partner"]),
    default="client",
    show_default=True,
    help="client: everything; partner: without the events ledger, control charts and forecast.",
)
@common_options
def report(
    project: str | None,
    partner: str | None,
    as_of: datetime | None,
    out: Path,
    fmt: str | None,
    edition: str,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Write a self-contained report (inline CSS and SVG, no external request): verdicts, quality over time,
    agreement and error estimates with intervals, ethics, disputes, and for the client events and forecast."""
    output = make_output(as_json)
    with open_store(workspace, db) as store:
        published = publish_report(
            store,
            out,
            project=project,
            partner=partner,
            as_of=None if as_of is None else as_of.date(),
            edition="partner" if edition == "partner" else "client",
            fmt=None if fmt is None else "pdf" if fmt == "pdf" else "html",
        )
    doc = published.document
    output.emit(
        doc,
        lambda: output.stdout.print(
            f"Wrote the {doc['edition']} report of {safe(doc['project'])} as of {doc['as_of']} ({doc['n_batches']} "
            f"batches) to {out}"
        ),
    )
