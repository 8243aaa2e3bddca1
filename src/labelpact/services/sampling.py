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

__all__ = ["MAX_SAMPLE_SEED", "SAMPLE_SEED_ENV", "sample_seed"]

SAMPLE_SEED_ENV = "LABELPACT_SAMPLE_SEED"
MAX_SAMPLE_SEED = 2**62  # seeds are 0..MAX_SAMPLE_SEED, as `audit --sample-seed` takes them


def sample_seed(seed: int | None = None) -> int:
    """``seed`` when given; else ``LABELPACT_SAMPLE_SEED`` when set; else a secret seed drawn now (62 bits)."""
    if seed is None:
        text = os.environ.get(SAMPLE_SEED_ENV, "").strip()
        if not text:
            return secrets.randbits(62)
        seed = int(text) if text.isdecimal() else -1
        column, got = SAMPLE_SEED_ENV, repr(text)
    else:
        column, got = "sample_seed", repr(seed)
    if not 0 <= int(seed) <= MAX_SAMPLE_SEED:
        raise InvalidInputError(
            f"an integer seed of the review sample, 0 to {MAX_SAMPLE_SEED}",
            column=column,
            column_kind="field",
            got=got,
        )
    return int(seed)
