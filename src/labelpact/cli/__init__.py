"""The ``labelpact`` command: parse, call a service, render. Exit 0 on success, 2 on bad input, 1 otherwise."""

from __future__ import annotations

from labelpact.cli.app import cli
from labelpact.cli.exits import main

__all__ = ["cli", "main"]
