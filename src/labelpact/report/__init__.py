"""Transparency outputs built from plain facts: the Croissant 1.1 card with its RAI 1.0 values, labelpact's
profile check of a card, the EU AI Act mapping, and the readable HTML (and PDF) report.

Pure builders: they take ``facts.ProjectFacts`` (filled by ``services.transparency``) and return documents;
they never read a store. The same facts give the same bytes.
"""

from labelpact.report.croissant import build_card, card_text
from labelpact.report.eu_ai_act import eu_ai_act
from labelpact.report.facts import (
    AttestationFacts,
    AuditFacts,
    ContractFacts,
    DisputeFacts,
    DistributionFile,
    Edition,
    Estimate,
    EventFacts,
    FieldFacts,
    HealthFacts,
    PartnerFacts,
    ProjectFacts,
)
from labelpact.report.html import EDITIONS, render_report, report_pdf
from labelpact.report.profile import check_card
from labelpact.report.rai import RaiValue, rai_values
from labelpact.report.vocabulary import NOT_ATTESTED, RAI_PROPERTIES, RaiProperty

__all__ = [
    "EDITIONS",
    "NOT_ATTESTED",
    "RAI_PROPERTIES",
    "AttestationFacts",
    "AuditFacts",
    "ContractFacts",
    "DisputeFacts",
    "DistributionFile",
    "Edition",
    "Estimate",
    "EventFacts",
    "FieldFacts",
    "HealthFacts",
    "PartnerFacts",
    "ProjectFacts",
    "RaiProperty",
    "RaiValue",
    "build_card",
    "card_text",
    "check_card",
    "eu_ai_act",
    "rai_values",
    "render_report",
    "report_pdf",
]
