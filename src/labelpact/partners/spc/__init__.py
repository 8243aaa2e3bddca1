"""Statistical process control over a partner's audit series: the series and what every chart shares
(``series``), charts of the defect share and the alarms of a series (``charts``), individuals charts with
the Western Electric zone rules (``zone_rules``).
"""

from __future__ import annotations

from labelpact.partners.spc.charts import (
    Chart,
    CusumChart,
    EwmaChart,
    PChart,
    QualityAlarms,
    cusum_chart,
    ewma_chart,
    p_chart,
    quality_alarms,
)
from labelpact.partners.spc.series import DEFAULT_BASELINE, HIGHER_IS_BETTER, Alarm, AuditSeries
from labelpact.partners.spc.zone_rules import WE_RULES, IndividualsChart, individuals_chart

__all__ = [
    "DEFAULT_BASELINE",
    "HIGHER_IS_BETTER",
    "WE_RULES",
    "Alarm",
    "AuditSeries",
    "Chart",
    "CusumChart",
    "EwmaChart",
    "IndividualsChart",
    "PChart",
    "QualityAlarms",
    "cusum_chart",
    "ewma_chart",
    "individuals_chart",
    "p_chart",
    "quality_alarms",
]
