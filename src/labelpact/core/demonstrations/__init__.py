"""Written demonstrations (supervised fine-tuning answers): the data contract, MinHash near-duplicates,
templates, speed, quality rules and LLM-use signals (signals, never verdicts). Pure: numpy, scipy, stdlib."""

from labelpact.core.demonstrations.demonstrations import Demonstrations
from labelpact.core.demonstrations.minhash import (
    NearDuplicates,
    lsh_bands,
    minhash_signatures,
    near_duplicates,
    normalise,
)
from labelpact.core.demonstrations.signals import TELL_WORDS, DemonstrationSignals, demonstration_signals
from labelpact.core.demonstrations.simulate import SimulatedDemonstrations, simulate_demonstrations

__all__ = [
    "TELL_WORDS",
    "DemonstrationSignals",
    "Demonstrations",
    "NearDuplicates",
    "SimulatedDemonstrations",
    "demonstration_signals",
    "lsh_bands",
    "minhash_signatures",
    "near_duplicates",
    "normalise",
    "simulate_demonstrations",
]
