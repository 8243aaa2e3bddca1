"""Readers and writers of delivered files: CSV, TSV, Parquet, JSON Lines, Label Studio JSON -> Annotations.

``read_delivery`` reads and checks one batch; ``write_normalised`` / ``read_normalised`` keep the coded
form the store holds; ``write_annotations`` / ``write_gold`` write the long files users exchange.
"""

from labelpact.io.delivery import Delivery, read_annotations, read_delivery
from labelpact.io.export import annotations_table, write_annotations, write_gold
from labelpact.io.normalised import read_normalised, write_normalised
from labelpact.io.reference import read_gold, read_tasks
from labelpact.io.source import FORMATS

__all__ = [
    "FORMATS",
    "Delivery",
    "annotations_table",
    "read_annotations",
    "read_delivery",
    "read_gold",
    "read_normalised",
    "read_tasks",
    "write_annotations",
    "write_gold",
    "write_normalised",
]
