"""The REST service (``labelpact serve``): FastAPI routes that parse a request, call a service and render.

No logic lives here: every route calls the use case the CLI calls (``labelpact.services``), behind the
visibility rules of ``services.access``; the JSON bodies are the CLI's ``--json`` documents.
"""

from labelpact.server.app import ServerConfig, create_app

__all__ = ["ServerConfig", "create_app"]
