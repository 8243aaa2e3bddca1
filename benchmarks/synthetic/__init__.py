"""Generators with known truth for the tests and the benchmarks, kept out of the wheel.

``pii_corpus``: texts with labelled personal data and decoys; ``portfolio``: client-vendor relationships
whose breakdown hazards are known exactly. Benchmarks run as scripts find this package beside them;
``tests/conftest.py`` puts ``benchmarks/`` on ``sys.path`` for the tests.
"""
