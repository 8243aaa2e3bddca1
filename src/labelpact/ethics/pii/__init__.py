"""Personal data in task payloads: the scan (``scan``), its compiled patterns and masks (``patterns``), check
digits of cards, IBANs and national identifiers (``checksums``), person names from offline lists (``names``),
free texts with their personal values masked (``redact``).
"""

from __future__ import annotations

from labelpact.ethics.pii.redact import redact_pii
from labelpact.ethics.pii.scan import (
    ENTITIES,
    PHONE_SHAPED,
    PHONE_VALID,
    Entity,
    NameDetector,
    PiiFinding,
    PiiReport,
    find_pii,
    installed_name_model,
    scan_pii,
)

__all__ = [
    "ENTITIES",
    "PHONE_SHAPED",
    "PHONE_VALID",
    "Entity",
    "NameDetector",
    "PiiFinding",
    "PiiReport",
    "find_pii",
    "installed_name_model",
    "redact_pii",
    "scan_pii",
]
