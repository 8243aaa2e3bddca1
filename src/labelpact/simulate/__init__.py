"""Seeded simulations with known truth: deliveries (``delivery``), task payloads and pay (``payloads``), a year
of partnerships (``year``), labels over many classes (``many_classes``). PURE: numpy, the stdlib and ``labelpact.core``; ``labelpact demo`` runs on them.
"""

from __future__ import annotations

from labelpact.simulate.delivery import Simulation, WorkerKind, simulate_delivery
from labelpact.simulate.many_classes import simulate_many_classes

__all__ = ["Simulation", "WorkerKind", "simulate_delivery", "simulate_many_classes"]
