"""Suite-wide settings: property tests draw the same examples on every run, so CI is reproducible.

Set ``HYPOTHESIS_PROFILE=explore`` to search with fresh random examples (and many more of them).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("reproducible", derandomize=True, database=None)
settings.register_profile("explore", max_examples=1_000, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))
