"""The command group: every subcommand registered in one place."""

from __future__ import annotations

import click

from labelpact import __version__
from labelpact.cli.allocate import allocate
from labelpact.cli.audit import audit, issues, review
from labelpact.cli.audits import audits, consensus
from labelpact.cli.batches import batches, ingest
from labelpact.cli.demo import demo
from labelpact.cli.disputes import dispute, disputes
from labelpact.cli.ethics import ethics
from labelpact.cli.events import event, events
from labelpact.cli.health import health
from labelpact.cli.quality import aggregate, agreement, workers
from labelpact.cli.risk import risk
from labelpact.cli.verify import verify
from labelpact.cli.workspace import client, partner, project

__all__ = ["cli"]


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
    epilog="Example: labelpact ingest delivery.csv --partner Acme --project sentiment",
)
@click.version_option(__version__, prog_name="labelpact")
def cli() -> None:
    """labelpact keeps AI data-labeling partnerships honest: audit deliveries, track partners, publish reports."""


for command in (
    ingest,
    aggregate,
    agreement,
    workers,
    issues,
    audit,
    review,
    ethics,
    audits,
    consensus,
    dispute,
    disputes,
    health,
    allocate,
    risk,
    batches,
    client,
    partner,
    project,
    event,
    events,
    verify,
    demo,
):
    cli.add_command(command)
