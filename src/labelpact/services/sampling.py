"""The seed of an audit's ISO 2859-1 sample: secret unless the caller fixes it.

The sample is drawn by a keyed hash of each task's name (``core.keyed.name_keys``), so the same labels in any
row order get the same sample. With a public seed a vendor could compute which tasks will be reviewed before
it delivers, label those carefully and cut corners elsewhere: the reviewed sample would then verify only the
work the vendor chose to show (a hunter's simulation: batches 9-12% wrong, every reviewed sample clean, every
batch accepted). So an audit draws a fresh secret seed (``secrets``) unless it is given one, and stores it
with the sampling plan: the sample can be drawn again from the stored audit, and a redelivered batch is
sampled afresh. ``LABELPACT_SAMPLE_SEED`` fixes it for reproducible demos and tests, never for a vendor who
knows the number.
"""

from __future__ import annotations

import os
import secrets

from labelpact.errors import InvalidInputError

__all__ = ["SAMPLE_SEED_ENV", "sample_seed"]

SAMPLE_SEED_ENV = "LABELPACT_SAMPLE_SEED"


def sample_seed(seed: int | None = None) -> int:
    """``seed`` when given; else ``LABELPACT_SAMPLE_SEED`` when set; else a secret seed drawn now (62 bits)."""
    if seed is not None:
        return int(seed)
    text = os.environ.get(SAMPLE_SEED_ENV, "").strip()
    if not text:
        return secrets.randbits(62)
    try:
        return int(text)
    except ValueError:
        raise InvalidInputError(
            "an integer seed of the review sample",
            column=SAMPLE_SEED_ENV,
            column_kind="field",
            got=repr(text),
        ) from None
