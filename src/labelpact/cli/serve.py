"""``labelpact serve``: the REST API (FastAPI on uvicorn) on this workspace's store."""

from __future__ import annotations

import shlex
import signal
from pathlib import Path
from types import FrameType

import click
from rich.console import Console
from rich.rule import Rule

from labelpact.cli.common import settings_from
from labelpact.config import load_settings
from labelpact.services.users import add_user
from labelpact.services.workspace import open_workspace

__all__ = ["serve", "serve_hint"]


@click.command(
    epilog=(
        "Example: labelpact serve --workspace .labelpact --port 8000\n\n"
        "Keys come from 'labelpact user add NAME --role client|partner:NAME'; send them as "
        "'Authorization: Bearer KEY'. OpenAPI at /openapi.json."
    )
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port.")
@click.option(
    "--max-upload-mb",
    type=click.IntRange(min=1),
    default=2048,
    show_default=True,
    help="Largest request body.",
)
@click.option(
    "--job-workers", type=click.IntRange(min=1), default=2, show_default=True, help="Background job threads."
)
@click.option(
    "--workspace",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Workspace folder (default ./.labelpact; env LABELPACT_WORKSPACE).",
)
@click.option(
    "--db",
    metavar="URL",
    default=None,
    help="Database URL (default: SQLite in the workspace; env LABELPACT_DB).",
)
def serve(
    host: str, port: int, max_upload_mb: int, job_workers: int, workspace: Path | None, db: str | None
) -> None:
    """Serve the REST API until interrupted (Ctrl-C or SIGTERM finish the requests and jobs in flight)."""
    import uvicorn

    from labelpact.server import ServerConfig, create_app

    settings = settings_from(workspace, db)
    config = ServerConfig(settings=settings, max_body_bytes=max_upload_mb << 20, job_workers=job_workers)
    app = create_app(settings, config=config)
    click.echo(
        f"labelpact serve: dashboard at http://{host}:{port}/ (sign in with an API key), "
        f"REST API at http://{host}:{port}/api/v1 (OpenAPI at /openapi.json); Ctrl-C stops",
        err=True,
    )
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again under the handler found before
    # it started: with the default one the process died with 143 instead of the documented exit 0.
    before = signal.signal(signal.SIGTERM, _exit_zero)
    try:
        uvicorn.run(
            app, host=host, port=port, log_level="info", timeout_graceful_shutdown=30, access_log=False
        )
    finally:
        signal.signal(signal.SIGTERM, before)


def _exit_zero(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve_hint(console: Console, workspace: Path, partner: str) -> None:
    """Add a client and a ``partner`` user to a kept demo workspace and print how to serve it to both."""
    with open_workspace(load_settings({}, workspace=workspace), create=True, write=True) as store:
        client_key = add_user(store, "demo-analyst", role="client").key
        partner_key = add_user(store, "demo-vendor", role=f"partner:{partner}").key
    url = "http://127.0.0.1:8000/api/v1"
    console.print(Rule("Serve it: the dashboard and REST API where the lab and its vendors meet"))
    console.print(f"labelpact serve --workspace {shlex.quote(str(workspace))}", markup=False, soft_wrap=True)
    console.print("then open http://127.0.0.1:8000/ in a browser and paste a key to sign in:", markup=False)
    console.print(
        f"  the lab's analyst (role client: every partner, risk, allocation): {client_key}",
        markup=False,
        soft_wrap=True,  # a key split over two lines cannot be pasted
    )
    console.print(
        f"  {partner} (role partner: only its own batches, audits, findings, disputes): {partner_key}",
        markup=False,
        soft_wrap=True,
    )
    console.print("or call the REST API with the same keys:", markup=False)
    console.print(
        f'  curl -H "Authorization: Bearer {client_key}" {url}/audits', markup=False, soft_wrap=True
    )
    console.print(
        f'  curl -H "Authorization: Bearer {partner_key}" {url}/batches', markup=False, soft_wrap=True
    )
