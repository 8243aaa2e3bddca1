"""labelpact: keep AI data-labeling partnerships honest and healthy.

The Python API. Names load on first use, so ``import labelpact`` stays fast and importing a pure
package (``labelpact.core``) never drags in the file readers or the store. The aggregators exported here
(``lp.DawidSkene``, ...) also take crowd-kit's pandas DataFrame ``task, worker, label`` (``labelpact.frames``)::

    import labelpact as lp
    a = lp.read_annotations("labels.csv")
    consensus = lp.aggregate(a, method="auto")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it; one table, read by __getattr__, __dir__ and the tests
_EXPORTS: dict[str, str] = {
    "Aggregator": "labelpact.core.aggregators",
    "Agreement": "labelpact.core.agreement",
    "Annotations": "labelpact.core.annotations",
    "Auto": "labelpact.frames",
    "BradleyTerry": "labelpact.core.preferences",
    "Calibration": "labelpact.core.calibration",
    "Comparisons": "labelpact.core.preferences",
    "ConflictError": "labelpact.errors",
    "Consensus": "labelpact.core.consensus",
    "ConvergenceWarning": "labelpact.errors",
    "CopyTests": "labelpact.core.copying",
    "DawidSkene": "labelpact.frames",
    "Delivery": "labelpact.io",
    "Demonstrations": "labelpact.core.demonstrations",
    "EBCC": "labelpact.frames",
    "Estimate": "labelpact.core.agreement",
    "EthicsReport": "labelpact.ethics",
    "ForbiddenError": "labelpact.errors",
    "GLAD": "labelpact.frames",
    "Gold": "labelpact.core.annotations",
    "HeldOutAccuracy": "labelpact.core.consensus",
    "InvalidInputError": "labelpact.errors",
    "LabelIssues": "labelpact.core.label_issues",
    "LabelpactError": "labelpact.errors",
    "MACE": "labelpact.frames",
    "METHODS": "labelpact.core.aggregators",
    "MajorityVote": "labelpact.frames",
    "MinimaxEntropy": "labelpact.frames",
    "NoisyBradleyTerry": "labelpact.core.preferences",
    "NotFoundError": "labelpact.errors",
    "OneCoinDawidSkene": "labelpact.frames",
    "Ratings": "labelpact.core.ratings",
    "SamplingPlan": "labelpact.core.acceptance",
    "Settings": "labelpact.config",
    "Simulation": "labelpact.simulate",
    "StoreError": "labelpact.errors",
    "TaskPayloads": "labelpact.core.annotations",
    "Wawa": "labelpact.frames",
    "WorkerReport": "labelpact.core.workers",
    "WorkerThresholds": "labelpact.core.workers",
    "acceptance_probability": "labelpact.core.acceptance",
    "aggregate": "labelpact.core.consensus",
    "agreement": "labelpact.core.agreement",
    "audit_ethics": "labelpact.ethics",
    "choice_agreement": "labelpact.core.preferences",
    "comparison_graph": "labelpact.core.preferences",
    "copy_tests": "labelpact.core.copying",
    "demonstration_signals": "labelpact.core.demonstrations",
    "expected_calibration_error": "labelpact.core.calibration",
    "find_label_issues": "labelpact.core.label_issues",
    "find_pii": "labelpact.ethics",
    "label_bias": "labelpact.ethics",
    "label_quality_scores": "labelpact.core.label_issues",
    "load_settings": "labelpact.config",
    "pay_audit": "labelpact.ethics",
    "preference_workers": "labelpact.core.preferences",
    "rank_label_issues": "labelpact.core.label_issues",
    "ranking_stability": "labelpact.core.preferences",
    "rater_effects": "labelpact.core.ratings",
    "rating_agreement": "labelpact.core.ratings",
    "read_annotations": "labelpact.io",
    "read_deliverable": "labelpact.io.deliverable",
    "assess_deliverable": "labelpact.services.refinement_assessment",
    "parse_contract": "labelpact.contracts.contract",
    "read_delivery": "labelpact.io",
    "read_demonstrations": "labelpact.io.demonstrations",
    "read_preferences": "labelpact.io.preferences",
    "read_ratings": "labelpact.io.ratings",
    "sampling_plan": "labelpact.core.acceptance",
    "scan_pii": "labelpact.ethics",
    "score_workers": "labelpact.core.workers",
    "simulate_delivery": "labelpact.simulate",
    "simulate_demonstrations": "labelpact.core.demonstrations",
    "simulate_preferences": "labelpact.core.preferences",
    "simulate_ratings": "labelpact.core.ratings",
    "vet_provenance": "labelpact.ethics",
    "wilson_interval": "labelpact.core.intervals",
    "write_annotations": "labelpact.io.export",
}

__all__ = [
    "EBCC",
    "GLAD",
    "MACE",
    "METHODS",
    "Aggregator",
    "Agreement",
    "Annotations",
    "Auto",
    "BradleyTerry",
    "Calibration",
    "Comparisons",
    "ConflictError",
    "Consensus",
    "ConvergenceWarning",
    "CopyTests",
    "DawidSkene",
    "Delivery",
    "Demonstrations",
    "Estimate",
    "EthicsReport",
    "ForbiddenError",
    "Gold",
    "HeldOutAccuracy",
    "InvalidInputError",
    "LabelIssues",
    "LabelpactError",
    "MajorityVote",
    "MinimaxEntropy",
    "NoisyBradleyTerry",
    "NotFoundError",
    "OneCoinDawidSkene",
    "Ratings",
    "SamplingPlan",
    "Settings",
    "Simulation",
    "StoreError",
    "TaskPayloads",
    "Wawa",
    "WorkerReport",
    "WorkerThresholds",
    "__version__",
    "acceptance_probability",
    "aggregate",
    "agreement",
    "assess_deliverable",
    "audit_ethics",
    "choice_agreement",
    "comparison_graph",
    "copy_tests",
    "demonstration_signals",
    "expected_calibration_error",
    "find_label_issues",
    "find_pii",
    "label_bias",
    "label_quality_scores",
    "load_settings",
    "parse_contract",
    "pay_audit",
    "preference_workers",
    "rank_label_issues",
    "ranking_stability",
    "rater_effects",
    "rating_agreement",
    "read_annotations",
    "read_deliverable",
    "read_delivery",
    "read_demonstrations",
    "read_preferences",
    "read_ratings",
    "sampling_plan",
    "scan_pii",
    "score_workers",
    "simulate_delivery",
    "simulate_demonstrations",
    "simulate_preferences",
    "simulate_ratings",
    "vet_provenance",
    "wilson_interval",
    "write_annotations",
]

if TYPE_CHECKING:
    from labelpact.config import Settings, load_settings
    from labelpact.contracts.contract import parse_contract
    from labelpact.core.acceptance import SamplingPlan, acceptance_probability, sampling_plan
    from labelpact.core.aggregators import METHODS, Aggregator
    from labelpact.core.agreement import Agreement, Estimate, agreement
    from labelpact.core.annotations import Annotations, Gold, TaskPayloads
    from labelpact.core.calibration import Calibration, expected_calibration_error
    from labelpact.core.consensus import Consensus, HeldOutAccuracy, aggregate
    from labelpact.core.copying import CopyTests, copy_tests
    from labelpact.core.demonstrations import Demonstrations, demonstration_signals, simulate_demonstrations
    from labelpact.core.intervals import wilson_interval
    from labelpact.core.label_issues import (
        LabelIssues,
        find_label_issues,
        label_quality_scores,
        rank_label_issues,
    )
    from labelpact.core.preferences import (
        BradleyTerry,
        Comparisons,
        NoisyBradleyTerry,
        choice_agreement,
        comparison_graph,
        preference_workers,
        ranking_stability,
        simulate_preferences,
    )
    from labelpact.core.ratings import Ratings, rater_effects, rating_agreement, simulate_ratings
    from labelpact.core.workers import WorkerReport, WorkerThresholds, score_workers
    from labelpact.errors import (
        ConflictError,
        ConvergenceWarning,
        ForbiddenError,
        InvalidInputError,
        LabelpactError,
        NotFoundError,
        StoreError,
    )
    from labelpact.ethics import (
        EthicsReport,
        audit_ethics,
        find_pii,
        label_bias,
        pay_audit,
        scan_pii,
        vet_provenance,
    )
    from labelpact.frames import (
        EBCC,
        GLAD,
        MACE,
        Auto,
        DawidSkene,
        MajorityVote,
        MinimaxEntropy,
        OneCoinDawidSkene,
        Wawa,
    )
    from labelpact.io import Delivery, read_annotations, read_delivery
    from labelpact.io.deliverable import read_deliverable
    from labelpact.io.demonstrations import read_demonstrations
    from labelpact.io.export import write_annotations
    from labelpact.io.preferences import read_preferences
    from labelpact.io.ratings import read_ratings
    from labelpact.services.refinement_assessment import assess_deliverable
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
