"""PII detection: precision, recall, F1 per entity and throughput, labelpact vs Presidio, one corpus.

Run: ``.venv/bin/python benchmarks/pii.py [--texts 3000] [--seed 11]``. The corpus is
``labelpact.ethics.pii_corpus`` (seeded sentences with real-looking values and decoys). Presidio
(the peer tool, a dev extra only) runs offline: pattern recognizers, its ``NoOpNlpEngine`` (no spaCy
model, nothing downloaded) and tldextract pinned to its bundled suffix list (no fetch).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from labelpact.core.annotations import TaskPayloads
from labelpact.ethics.pii import scan_pii
from labelpact.ethics.pii_corpus import NATIONAL_REGIONS, LabelledSpan, pii_corpus, score_spans

ENTITIES = ("email", "phone", "card", "iban", "ssn", "ip", "url_credentials", "address", "nino", "sin", "dni")
PRESIDIO_TO_OURS = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "card",
    "IBAN_CODE": "iban",
    "US_SSN": "ssn",
    "IP_ADDRESS": "ip",
    "UK_NINO": "nino",
    "ES_NIF": "dni",
    "ES_NIE": "dni",
}


def ours(texts: Sequence[str]) -> tuple[list[list[LabelledSpan]], float]:
    payloads = TaskPayloads(task=tuple(map(str, range(len(texts)))), fields={"text": tuple(texts)})
    report = scan_pii(payloads, phone_regions=NATIONAL_REGIONS)
    by_task: dict[str, list[LabelledSpan]] = {t: [] for t in payloads.task}
    for f in report.findings:
        by_task[f.task].append((f.entity, f.start, f.end))
    return [by_task[t] for t in payloads.task], report.seconds


Tool = Callable[[Sequence[str]], tuple[list[list[LabelledSpan]], float]]


def presidio() -> tuple[Tool, set[str]] | str:
    """Presidio's analyzer with pattern recognizers only, or why it cannot run here."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import tldextract
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine.no_op_nlp_engine import NoOpNlpEngine
        from presidio_analyzer.predefined_recognizers import PhoneRecognizer
    except ImportError as error:
        return f"not installed ({error})"
    # EmailRecognizer validates TLDs with tldextract, which fetches the public suffix list by default.
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline  # type: ignore[assignment]
    import presidio_analyzer.predefined_recognizers.generic.email_recognizer as email_module

    email_module.tldextract.extract = offline  # type: ignore[attr-defined]
    engine_nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine_nlp)
    registry.remove_recognizer("PhoneRecognizer")
    registry.add_recognizer(PhoneRecognizer(supported_regions=list(NATIONAL_REGIONS)))
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine_nlp, supported_languages=["en"])
    wanted = sorted(set(PRESIDIO_TO_OURS) & set(analyzer.get_supported_entities("en")))

    def run(texts: Sequence[str]) -> tuple[list[list[LabelledSpan]], float]:
        start = time.perf_counter()
        out: list[list[LabelledSpan]] = []
        for text in texts:
            results: Any = analyzer.analyze(text=text, language="en", entities=wanted, score_threshold=0.4)
            out.append([(PRESIDIO_TO_OURS[r.entity_type], r.start, r.end) for r in results])
        return out, time.perf_counter() - start

    return run, {PRESIDIO_TO_OURS[e] for e in wanted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    corpus = pii_corpus(args.texts, seed=args.seed, filler=3)
    mb = corpus.n_bytes / 1e6
    print(f"corpus: {args.texts} texts, {mb:.2f} MB, seed {args.seed}")
    tools: list[tuple[str, Tool, set[str]]] = [("labelpact", ours, set(ENTITIES))]
    peer = presidio()
    if isinstance(peer, str):
        print(f"presidio: skipped, {peer}")
    else:
        tools.append(("presidio", *peer))
    print(f"{'tool':10} {'entity':16} {'precision':>9} {'recall':>7} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}")
    for name, tool, supported in tools:
        predicted, seconds = tool(corpus.texts)
        scores = score_spans(corpus.truth, predicted, ENTITIES)
        for entity, s in scores.items():
            if entity not in supported:
                print(f"{name:10} {entity:16} {'n/a: no recognizer in this configuration':>40}")
                continue
            print(
                f"{name:10} {entity:16} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {s.tp:5d} {s.fp:5d} {s.fn:5d}"
            )
        print(f"{name:10} throughput: {mb / seconds:.2f} MB/s ({seconds:.2f} s)")


if __name__ == "__main__":
    main()
