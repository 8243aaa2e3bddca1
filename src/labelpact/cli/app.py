"""The command group: every subcommand registered in one place, each module imported only when it runs.

To add a command, add its row to ``COMMANDS`` (``"name": "module:object"``) and the first paragraph of
its docstring to ``SUMMARIES`` (what ``labelpact --help`` lists without importing any command module; a
test checks each against the command). ``labelpact aggregate ...`` imports ``cli.quality`` and what it
calls, nothing else; ``cli.add_command`` still works for a command imported eagerly.
"""

from __future__ import annotations

import importlib
from typing import Final

import click

from labelpact import __version__

__all__ = ["COMMANDS", "SUMMARIES", "cli"]

COMMANDS: Final[dict[str, str]] = {
    "aggregate": "labelpact.cli.quality:aggregate",
    "agreement": "labelpact.cli.quality:agreement",
    "allocate": "labelpact.cli.allocate:allocate",
    "attest": "labelpact.cli.attest:attest",
    "audit": "labelpact.cli.audit:audit",
    "audits": "labelpact.cli.audits:audits",
    "batches": "labelpact.cli.batches:batches",
    "client": "labelpact.cli.workspace:client",
    "consensus": "labelpact.cli.audits:consensus",
    "demo": "labelpact.cli.demo:demo",
    "dispute": "labelpact.cli.disputes:dispute",
    "disputes": "labelpact.cli.disputes:disputes",
    "ethics": "labelpact.cli.ethics:ethics",
    "event": "labelpact.cli.events:event",
    "events": "labelpact.cli.events:events",
    "health": "labelpact.cli.health:health",
    "ingest": "labelpact.cli.batches:ingest",
    "issues": "labelpact.cli.audit:issues",
    "log": "labelpact.cli.log:log",
    "partner": "labelpact.cli.workspace:partner",
    "project": "labelpact.cli.workspace:project",
    "report": "labelpact.cli.report:report",
    "review": "labelpact.cli.audit:review",
    "risk": "labelpact.cli.risk:risk",
    "serve": "labelpact.cli.serve:serve",
    "simulate": "labelpact.cli.deliverables:simulate",
    "transparency": "labelpact.cli.transparency:transparency",
    "user": "labelpact.cli.users:user",
    "verify": "labelpact.cli.verify:verify",
    "workers": "labelpact.cli.quality:workers",
}

# command -> the first paragraph of its help, as ``labelpact --help`` shortens it (checked by a test)
SUMMARIES: Final[dict[str, str]] = {
    "aggregate": "Infer the true label of every task from the workers' labels (truth inference).",
    "agreement": "How much workers agree: Krippendorff's alpha, Fleiss' kappa, Gwet's AC1, percent agreement, "
    "Cohen's kappa.",
    "allocate": "Suggest the split of the next work: most expected correct labels per dollar, within each "
    "contract's allocation.max_share, discounted by each partnership's breakdown risk.",
    "attest": "Store statements deliveries cannot show (annotator demographics, platform, intended uses...) "
    "about PARTNER or --project NAME; the card quotes them as attested, with who and when.",
    "audit": "Audit a delivered batch against the contract: verdict, reasons, findings and a sampling plan, "
    "stored.",
    "audits": "Past audits: every audit of every batch is kept; nothing is overwritten.",
    "batches": "Delivered batches: list them or show one.",
    "client": "Who runs this workspace (the lab buying labels) and which companies are its rivals.",
    "consensus": "The consensus labels audits stored.",
    "demo": "Run the labelpact story on simulated partner deliveries in a throwaway workspace.",
    "dispute": "Contest a finding (the partner) and settle it (the client); every step is in the audit log.",
    "disputes": "List disputes, newest first.",
    "ethics": "Personal data in the tasks, their licences, label bias across slices and annotators' "
    "effective pay.",
    "event": "Record one dated fact about a partner (a stake, a layoff, an executive leaving).",
    "events": "The ledger of events about partners: import a file of them, list them with what they mean.",
    "health": "A partner's scorecard, process-control alarms and the forecast that the partnership breaks "
    "down.",
    "ingest": "Validate a delivered batch and store it immutably; the same bytes twice are a no-op that says so.",
    "issues": "Labels that out-of-sample model predictions say are wrong (confident learning), worst first.",
    "log": "Print the request log of the REST service, oldest first; it is append-only in the database.",
    "partner": "Partners (the vendors that deliver labels): add, list and show them.",
    "project": "Projects that batches are delivered to (ingest creates a missing one).",
    "report": "Write a self-contained report (inline CSS and SVG, no external request): verdicts, quality "
    "over time, agreement and error estimates with intervals, ethics, disputes, and for the client events "
    "and forecast.",
    "review": "Decide accept or reject from a reviewer's answers for an audit's sample, by its ISO 2859-1 plan.",
    "risk": "The partnership-risk model behind ``labelpact health``.",
    "serve": "Serve the REST API until interrupted (Ctrl-C or SIGTERM finish the requests and jobs in "
    "flight).",
    "simulate": "Write a simulated delivery with known truth: labels, preferences, ratings or demonstrations, "
    "with spammers, position-biased raters and LLM-pasting writers.",
    "transparency": "Write the Croissant 1.1 card of a project's accepted consensus with every RAI 1.0 "
    "property measured, attested or marked not attested, beside the CSV files it describes; or --check a "
    "card (exit 2 on problems).",
    "user": "Users of the REST service and their API keys (roles admin, client, partner:NAME).",
    "verify": "Check the whole workspace: every stored file's SHA-256, every contract, the database; exit 2 "
    "if damaged.",
    "workers": "Scorecards per worker: gold accuracy, agreement with the consensus, spammer score, speed, "
    "copying.",
}


def load_command(name: str) -> click.Command:
    """Import the command ``COMMANDS`` names ``name`` (``KeyError`` for one it does not)."""
    module, _, attribute = COMMANDS[name].partition(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{COMMANDS[name]} is not a click command")
    return command


class LazyGroup(click.Group):
    """A group whose ``COMMANDS`` are imported when one runs or shows its own help, not to list them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``labelpact --help``, from ``SUMMARIES`` where a command is not loaded yet."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in self.commands or name not in SUMMARIES:
                command = self.get_command(ctx, name)
                if command is None or command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(limit)))
            else:
                rows.append((name, click.Command(name, help=SUMMARIES[name]).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
    epilog="Example: labelpact ingest delivery.csv --partner Acme --project sentiment",
)
@click.version_option(__version__, prog_name="labelpact")
def cli() -> None:
    """labelpact keeps AI data-labeling partnerships honest: audit batches, judge them against contracts,
    track partners' health and risk, dispute findings, publish transparency cards and reports."""
