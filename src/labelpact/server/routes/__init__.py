"""The v1 routes, one module per resource; each route parses, calls a service and renders."""

from labelpact.server.routes import audits, batches, disputes, ledger, meta, partners

ROUTERS = (meta.router, partners.router, batches.router, audits.router, disputes.router, ledger.router)

__all__ = ["ROUTERS"]
