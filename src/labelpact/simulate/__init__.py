"""Seeded simulations with known truth: deliveries (``delivery``), task payloads and pay (``payloads``), a year
of partnerships (``year``). PURE: numpy, the stdlib and ``labelpact.core``; ``labelpact demo`` runs on them.
"""

from __future__ import annotations

from labelpact.simulate.delivery import Simulation, WorkerKind, simulate_delivery

__all__ = ["Simulation", "WorkerKind", "simulate_delivery"]
