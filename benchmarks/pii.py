"""PII detection: precision, recall, F1 per entity and throughput, labelpact vs Presidio, one corpus.

Run: ``.venv/bin/python benchmarks/pii.py [--texts 3000] [--seed 11]``. The corpus is
``synthetic.pii_corpus`` (seeded sentences with real-looking values and decoys). Presidio
(the peer tool, a dev extra only) runs offline: pattern recognizers, its ``NoOpNlpEngine`` (no spaCy
model, nothing downloaded) and tldextract pinned to its bundled suffix list (no fetch). Throughput is
in CPU seconds (the machine is shared), for labelpact the best of four interleaved runs with names on
and off. Then two corpora of ours (``benchmarks/pii_corpora.py``):
phone numbers whose area code is unassigned among decoys, and person names among decoys (Presidio
finds names only with a spaCy model, absent here, so it has no row there).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from labelpact.core.annotations import TaskPayloads
from labelpact.ethics.pii import find_pii, scan_pii
from pii_corpora import name_corpus, phone_corpus  # benchmarks/ is on sys.path when run as a script
from synthetic.pii_corpus import NATIONAL_REGIONS, LabelledSpan, pii_corpus, score_spans

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


def throughput(texts: Sequence[str], rounds: int = 4) -> dict[str, float]:
    """Best CPU seconds with names on (``auto``) and off, runs interleaved: the machine is shared."""
    payloads = TaskPayloads(task=tuple(map(str, range(len(texts)))), fields={"text": tuple(texts)})
    best = {"auto": float("inf"), "off": float("inf")}
    for _ in range(rounds):
        for names in best:
            clock = time.process_time()
            scan_pii(payloads, phone_regions=NATIONAL_REGIONS, names=names)  # type: ignore[arg-type]
            best[names] = min(best[names], time.process_time() - clock)
    return best


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
        start = time.process_time()
        out: list[list[LabelledSpan]] = []
        for text in texts:
            results: Any = analyzer.analyze(text=text, language="en", entities=wanted, score_threshold=0.4)
            out.append([(PRESIDIO_TO_OURS[r.entity_type], r.start, r.end) for r in results])
        return out, time.process_time() - start

    return run, {PRESIDIO_TO_OURS[e] for e in wanted}


def _row(name: str, entity: str, s: Any) -> str:
    return (
        f"{name:10} {entity:16} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {s.tp:5d} {s.fp:5d} {s.fn:5d}"
    )


def hard_corpora(n_texts: int, seed: int) -> None:
    """Phones outside their numbering plan, and names, on our generated corpora (see pii_corpora.py)."""
    print(f"\nphone-shaped numbers, {n_texts} texts, seed {seed}, regions {list(NATIONAL_REGIONS)}")
    for label, share in (("unassigned", 0.0), ("half valid", 0.5)):
        corpus = phone_corpus(n_texts, seed=seed, valid_share=share)
        found = [find_pii(t, entities=["phone"], phone_regions=NATIONAL_REGIONS) for t in corpus.texts]
        print(_row("labelpact", f"phone {label}", score_spans(corpus.truth, found, ["phone"])["phone"]))
    corpus, out_of_list = name_corpus(n_texts, seed=seed)
    found = [find_pii(t, entities=["name"]) for t in corpus.texts]
    print(f"\nnames, {n_texts} texts, seed {seed} (generator and decoys are ours)")
    print(_row("labelpact", "name", score_spans(corpus.truth, found, ["name"])["name"]))
    for group in (False, True):
        spans = [
            (s, e, pred)
            for gold, flags, pred in zip(corpus.truth, out_of_list, found, strict=True)
            for (_, s, e), flag in zip(gold, flags, strict=True)
            if flag == group
        ]
        hit = sum(any(ps < e and s < pe for _, ps, pe in pred) for s, e, pred in spans)
        label = "out of the lists" if group else "in the lists"
        print(f"{'labelpact':10} name recall, {label}: {hit / len(spans):.3f} ({hit} of {len(spans)})")


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
            print(_row(name, entity, s))
        if name == "labelpact":
            best = throughput(corpus.texts)
            print(
                f"{name:10} throughput: {mb / best['auto']:.2f} MB/s with names, {mb / best['off']:.2f} without"
            )
        else:
            print(f"{name:10} throughput: {mb / seconds:.2f} MB/s ({seconds:.2f} s)")
    hard_corpora(min(args.texts, 2000), args.seed)


if __name__ == "__main__":
    main()
