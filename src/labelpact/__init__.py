"""labelpact: keep AI data-labeling partnerships honest and healthy.

The Python API. Names load on first use, so ``import labelpact`` stays fast and importing a pure
package (``labelpact.core``) never drags in the file readers or the store::

    import labelpact as lp
    a = lp.read_annotations("labels.csv")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it; one table, read by __getattr__, __dir__ and the tests
_EXPORTS: dict[str, str] = {
    "Annotations": "labelpact.core.annotations",
    "ConflictError": "labelpact.errors",
    "ConvergenceWarning": "labelpact.errors",
    "Delivery": "labelpact.io",
    "ForbiddenError": "labelpact.errors",
    "Gold": "labelpact.core.annotations",
    "InvalidInputError": "labelpact.errors",
    "LabelpactError": "labelpact.errors",
    "NotFoundError": "labelpact.errors",
    "Settings": "labelpact.config",
    "Simulation": "labelpact.simulate",
    "StoreError": "labelpact.errors",
    "TaskPayloads": "labelpact.core.annotations",
    "load_settings": "labelpact.config",
    "read_annotations": "labelpact.io",
    "read_delivery": "labelpact.io",
    "simulate_delivery": "labelpact.simulate",
    "write_annotations": "labelpact.io.export",
}

__all__ = [
    "Annotations",
    "ConflictError",
    "ConvergenceWarning",
    "Delivery",
    "ForbiddenError",
    "Gold",
    "InvalidInputError",
    "LabelpactError",
    "NotFoundError",
    "Settings",
    "Simulation",
    "StoreError",
    "TaskPayloads",
    "__version__",
    "load_settings",
    "read_annotations",
    "read_delivery",
    "simulate_delivery",
    "write_annotations",
]

if TYPE_CHECKING:
    from labelpact.config import Settings, load_settings
    from labelpact.core.annotations import Annotations, Gold, TaskPayloads
    from labelpact.errors import (
        ConflictError,
        ConvergenceWarning,
        ForbiddenError,
        InvalidInputError,
        LabelpactError,
        NotFoundError,
        StoreError,
    )
    from labelpact.io import Delivery, read_annotations, read_delivery
    from labelpact.io.export import write_annotations
    from labelpact.simulate import Simulation, simulate_delivery


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'labelpact' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
