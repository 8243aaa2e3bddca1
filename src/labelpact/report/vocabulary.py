"""The Croissant and Croissant RAI 1.0 vocabulary a card uses: namespaces, the JSON-LD context, the 20 RAI
properties with their ranges, and how numbers are written in text.

Property names are the official ones of ``croissant_rai.ttl`` (mlcommons/croissant, RAI 1.0): mlcroissant
spells two of them differently internally (``dataCollectionTimeFrame``, ``dataDataManipulationProtocol``),
so a card written to please it would lose them; ``profile.check_card`` catches both spellings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "CONFORMS_TO",
    "CONTEXT",
    "CROISSANT",
    "LP",
    "NOT_ATTESTED",
    "RAI",
    "RAI_PROPERTIES",
    "RAI_SPEC",
    "RaiProperty",
    "Source",
    "percent",
]

CROISSANT: Final = "http://mlcommons.org/croissant/1.1"
RAI_SPEC: Final = "http://mlcommons.org/croissant/RAI/1.0"
RAI: Final = "http://mlcommons.org/croissant/RAI/"
LP: Final = "https://labelpact.dev/ns/transparency/"  # labelpact's own terms: where each RAI value came from
CONFORMS_TO: Final = (CROISSANT, RAI_SPEC)
NOT_ATTESTED: Final = "Not attested"  # how a value nobody measured or stated begins

# The Croissant 1.1 context (as the working group's 1.1 example datasets write it) with the RAI and
# labelpact prefixes.
CONTEXT: Final[dict[str, object]] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileObject": "cr:fileObject",
    "fileProperty": "cr:fileProperty",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "lp": LP,
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "rai": RAI,
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

Source = Literal["measured", "attested", "measured and attested", "not attested"]
Range = Literal["Text", "DateTime"]


@dataclass(frozen=True, slots=True)
class RaiProperty:
    """One RAI 1.0 property: its name (without ``rai:``), range, and what labelpact can know of it.

    ``measurable``: labelpact computes a value from the deliveries and audits; otherwise only an
    attestation (``labelpact attest``) can fill it.
    """

    name: str
    range: Range
    measurable: bool
    comment: str

    @property
    def key(self) -> str:
        return f"rai:{self.name}"


RAI_PROPERTIES: Final[tuple[RaiProperty, ...]] = (
    RaiProperty("dataCollection", "Text", True, "how the data was collected"),
    RaiProperty("dataCollectionType", "Text", True, "the kind of collection (recommended values)"),
    RaiProperty("dataCollectionMissingData", "Text", True, "missing data"),
    RaiProperty("dataCollectionRawData", "Text", True, "the raw data: its sources"),
    RaiProperty(
        "dataCollectionTimeframe", "DateTime", True, "start and end of collection, ISO 8601 interval"
    ),
    RaiProperty("dataPreprocessingProtocol", "Text", True, "steps that made the data ready for ML"),
    RaiProperty("dataImputationProtocol", "Text", True, "imputation, if any"),
    RaiProperty("dataManipulationProtocol", "Text", True, "manipulation, if any"),
    RaiProperty("dataReleaseMaintenancePlan", "Text", False, "versioning, maintainers, deprecation"),
    RaiProperty("personalSensitiveInformation", "Text", True, "personal and sensitive information"),
    RaiProperty("dataAnnotationProtocol", "Text", True, "how the annotations were made: workforce, tasks"),
    RaiProperty("dataAnnotationPlatform", "Text", False, "platform or tool used by human annotators"),
    RaiProperty("dataAnnotationAnalysis", "Text", True, "from raw annotations to labels: disagreement"),
    RaiProperty("annotationsPerItem", "Text", True, "human labels per item"),
    RaiProperty("annotatorDemographics", "Text", False, "demographics of the annotators"),
    RaiProperty("machineAnnotationTools", "Text", True, "software used for annotation"),
    RaiProperty("dataSocialImpact", "Text", False, "social impact"),
    RaiProperty("dataBiases", "Text", True, "biases"),
    RaiProperty("dataLimitations", "Text", True, "known limitations"),
    RaiProperty("dataUseCases", "Text", False, "intended uses"),
)


def percent(value: float | None, digits: int = 1) -> str:
    """``0.0212`` as ``2.1%``; None as ``n/a``."""
    return "n/a" if value is None else f"{100.0 * value:.{digits}f}%"
