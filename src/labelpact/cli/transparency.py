"""``transparency``: publish a project's Croissant card (or its EU AI Act mapping), or check a card."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from labelpact.cli.common import DATETIME, common_options, make_output, open_store, safe
from labelpact.errors import InvalidInputError
from labelpact.services.transparency import check_card_file, publish_card

__all__ = ["PROBLEMS", "transparency"]

PROBLEMS = 2  # exit status of --check when the card breaks the profile, like bad input


@click.command(
    epilog="\b\nExample: labelpact transparency --project reviews --as-of 2025-12-31 --out card.jsonld\n"
    "         labelpact transparency --check card.jsonld"
)
@click.option(
    "--project", metavar="NAME", default=None, help="The project whose accepted consensus the card describes."
)
@click.option("--partner", metavar="NAME", default=None, help="Only this partner's batches of the project.")
@click.option(
    "--as-of", type=DATETIME, default=None, help="As the store stood at the end of this date (default today)."
)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Where to write the card (.jsonld)."
)
@click.option(
    "--profile",
    type=click.Choice(["croissant", "eu-ai-act"]),
    default="croissant",
    show_default=True,
    help="croissant: the card and its consensus files; eu-ai-act: Article 10(2) / Annex IV 2(d) evidence as JSON.",
)
@click.option(
    "--check",
    "check",
    type=click.Path(path_type=Path),
    default=None,
    help="Check a card against labelpact's RAI profile.",
)
@common_options
def transparency(
    project: str | None,
    partner: str | None,
    as_of: datetime | None,
    out: Path | None,
    profile: str,
    check: Path | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Write the Croissant 1.1 card of a project's accepted consensus with every RAI 1.0 property measured,
    attested or marked not attested, beside the CSV files it describes; or --check a card (exit 2 on problems)."""
    output = make_output(as_json)
    if check is not None:
        problems = check_card_file(check)
        output.emit(
            {"file": str(check), "ok": not problems, "problems": problems},
            lambda: output.stdout.print(
                f"{safe(check.name)}: passes labelpact's RAI profile (20 properties)"
                if not problems
                else f"{safe(check.name)}: fails labelpact's RAI profile ({len(problems)} problem(s), on stderr)"
            ),
        )
        if problems:
            for line in problems:
                click.echo(line if not as_json else json.dumps({"problem": line}), err=True)
            raise click.exceptions.Exit(PROBLEMS)
        return
    if project is None:
        raise InvalidInputError("--project NAME (or --check FILE)", column="--project", column_kind="option")
    if out is None:
        raise InvalidInputError("--out FILE", column="--out", column_kind="option")
    with open_store(workspace, db) as store:
        published = publish_card(
            store,
            project,
            out,
            partner=partner,
            as_of=None if as_of is None else as_of.date(),
            profile="eu-ai-act" if profile == "eu-ai-act" else "croissant",
        )
    doc = published.document

    def render() -> None:
        if profile == "eu-ai-act":
            s = doc["summary"]
            output.stdout.print(
                f"Wrote the EU AI Act mapping to {out}: {s['held']} items held, {s['partial']} partial, "
                f"{s['missing']} missing"
            )
            return
        sources = list(doc["rai"].values())
        output.stdout.print(
            f"Wrote {out}: {doc['n_published']} of {doc['n_batches']} batches published; RAI properties "
            + ", ".join(
                f"{sources.count(s)} {s}"
                for s in ("measured", "measured and attested", "attested", "not attested")
            )
        )
        for f in doc["files"]:
            output.stdout.print(
                f"  {safe(f['name'])}  sha256 {f['sha256'][:16]}...  {f['size_bytes']:,} bytes"
            )

    output.emit(doc, render)
