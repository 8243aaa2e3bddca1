"""Use cases: each function takes a store and plain values, does one thing a user asked, and returns records."""

from labelpact.services.ingest import IngestResult, file_sha256, ingest_batch
from labelpact.services.workspace import add_partner, add_project, set_client

__all__ = ["IngestResult", "add_partner", "add_project", "file_sha256", "ingest_batch", "set_client"]
