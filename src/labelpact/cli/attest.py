"""``attest``: file a partner's or the lab's statements for the transparency card (who, what, when)."""

from __future__ import annotations

from pathlib import Path

import click

from labelpact.cli.common import common_options, make_output, open_store
from labelpact.errors import InvalidInputError
from labelpact.services.attest import attest as attest_file

__all__ = ["attest"]


@click.command(
    epilog='\b\nExample: labelpact attest "Acme Labels" --file acme-attest.toml\n'
    "         labelpact attest --project reviews --file project-attest.toml"
)
@click.argument("partner", required=False, default=None)
@click.option(
    "--project", metavar="NAME", default=None, help="Statements about a project (instead of a PARTNER)."
)
@click.option(
    "--file", "file", type=click.Path(path_type=Path), required=True, help="The TOML file of statements."
)
@click.option(
    "--by", "by", metavar="NAME", default=None, help="Who attests (default: attested_by in the file)."
)
@common_options
def attest(
    partner: str | None,
    project: str | None,
    file: Path,
    by: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Store statements deliveries cannot show (annotator demographics, platform, intended uses...) about
    PARTNER or --project NAME; the card quotes them as attested, with who and when."""
    if (partner is None) == (project is None):
        raise InvalidInputError(
            "a PARTNER or --project NAME (one of them)", column="PARTNER", column_kind="argument"
        )
    output = make_output(as_json)
    with open_store(workspace, db) as store:
        record = attest_file(store, file, partner=partner, project=project, attested_by=by)
    doc = {
        "attestation": record.id,
        "subject": record.subject,
        "attested_by": record.attested_by,
        "attested_at": record.attested_at.isoformat(),
        "sha256": record.sha256,
        "statements": sorted(record.statements),
    }
    output.emit(
        doc,
        lambda: output.stdout.print(
            f"Attestation {record.id} of {record.subject} by {record.attested_by}: "
            + ", ".join(sorted(record.statements))
        ),
    )
