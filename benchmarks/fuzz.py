"""Fuzz the readers: random mutations of valid CSV, TSV, JSON Lines, Parquet, Label Studio JSON (full and
JSON_MIN) and contract TOML, each of which must end in success with the right row count, or in one
``InvalidInputError`` line. Anything else (another exception, a two-line message, a wrong row count, a
read slower than ``--slow`` seconds) is a failure, printed with the bytes that caused it.

The right row count comes from an independent reader: Python's ``csv`` module for delimited text,
``json`` for JSON, the Parquet footer for Parquet. ``tests/unit/io/test_fuzz_readers.py`` runs the same
mutations and oracle for a few seconds under hypothesis; this script runs them for as long as asked.

    .venv/bin/python benchmarks/fuzz.py [--seconds 120] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from labelpact.errors import InvalidInputError
from labelpact.io import read_delivery
from labelpact.io.contract import read_contract

# bytes that matter to some parser: quotes, delimiters, line ends, brackets, escapes, NUL, bad UTF-8
ALPHABET: tuple[bytes, ...] = (
    *(bytes([b]) for b in b'",\t\n\r[]{}\\:=.-+01aZ #'),
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xe2\x80\xa8",
    b"\r\n",
    b'""',
    b"[[[[[[[[",
    b'{"a":',
)

Op = tuple[str, int, int, bytes]  # (kind, position, length, bytes)


def _csv_seed(delimiter: str) -> bytes:
    rows = [["task", "worker", "label", "duration_s", "comment"]]
    for i in range(12):
        rows.append([f"t{i // 3}", f"w{i % 4}", ["pos", "neg", "1", "1.0"][i % 4], f"{i * 1.5}", f"c, {i}"])
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _jsonl_seed() -> bytes:
    rows = [{"task": f"t{i // 3}", "worker": f"w{i % 4}", "label": ["pos", "neg"][i % 2]} for i in range(10)]
    rows[3]["label"] = 7  # type: ignore[assignment]  # a number where text is usual
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _parquet_seed() -> bytes:
    table = pa.table(
        {
            "task": [f"t{i // 3}" for i in range(9)],
            "worker": [f"w{i % 3}" for i in range(9)],
            "label": ["a", "b", "c"] * 3,
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _ls_seed() -> bytes:
    tasks = []
    for t in range(4):
        annotations = [
            {
                "id": 10 * t + k,
                "completed_by": k + 2,
                "was_cancelled": k == 2 and t == 1,
                "ground_truth": k == 0 and t == 0,
                "lead_time": 3.5 + k,
                "result": [
                    {
                        "from_name": "topic",
                        "type": "choices",
                        "value": {"choices": [["World", "Tech"][k % 2]]},
                    }
                ],
            }
            for k in range(3 if t < 3 else 0)
        ]
        tasks.append({"id": t + 1, "data": {"headline": f"h{t}"}, "annotations": annotations})
    return json.dumps(tasks).encode()


def _ls_min_seed() -> bytes:
    rows = [
        {
            "headline": f"h{i // 2}",
            "id": i // 2 + 1,
            "topic": ["World", "Tech"][i % 2],
            "annotator": i % 3 + 2,
            "annotation_id": i,
            "lead_time": 1.5 * i,
        }
        for i in range(8)
    ]
    rows.append({"headline": "h9", "id": 9, "annotator": None, "annotation_id": None, "lead_time": None})
    return json.dumps(rows, indent=1).encode()


def _toml_seed() -> bytes:
    return (
        b'[labels]\nclasses = ["pos", "neg", "neu"]\nordered = false\n\n[quality]\nmethod = "ds"\n'
        b"min_gold_accuracy = 0.9\nmin_agreement = 0.6\n\n[acceptance]\naql = 1.0\n"
        b'inspection_level = "II"\n\n[pay]\nprice_per_label = 0.08\ncurrency = "USD"\n'
    )


@dataclass(frozen=True)
class Seed:
    kind: str  # csv, tsv, jsonl, parquet, labelstudio, labelstudio-min, contract
    name: str  # the file name the reader sees
    data: bytes


SEEDS: tuple[Seed, ...] = (
    Seed("csv", "labels.csv", _csv_seed(",")),
    Seed("tsv", "labels.tsv", _csv_seed("\t")),
    Seed("jsonl", "labels.jsonl", _jsonl_seed()),
    Seed("parquet", "labels.parquet", _parquet_seed()),
    Seed("labelstudio", "export.json", _ls_seed()),
    Seed("labelstudio-min", "export_min.json", _ls_min_seed()),
    Seed("contract", "contract.toml", _toml_seed()),
)


def mutate(data: bytes, ops: Sequence[Op]) -> bytes:
    """Apply byte-level edits in order; positions wrap around the current length."""
    out = bytearray(data)
    for kind, position, length, chunk in ops:
        at = position % (len(out) + 1)
        if kind == "insert":
            out[at:at] = chunk
        elif kind == "replace":
            out[at : at + len(chunk)] = chunk
        elif kind == "delete":
            del out[at : at + length]
        elif kind == "duplicate":
            out[at:at] = out[at : at + length]
        elif kind == "truncate":
            del out[at:]
        elif kind == "repeat":  # one byte many times: deep nesting, long values, many quotes
            out[at:at] = chunk * length
    return bytes(out)


def random_ops(rng: random.Random) -> list[Op]:
    """One to four random edits."""
    kinds = ("insert", "replace", "delete", "duplicate", "truncate", "repeat")
    ops: list[Op] = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(kinds)
        length = rng.choice((1, 2, 5, 40, 300)) if kind != "repeat" else rng.choice((2, 70, 2000, 30000))
        ops.append((kind, rng.randrange(1 << 16), length, rng.choice(ALPHABET)))
    return ops


def expected_rows(seed: Seed, data: bytes) -> int | None:
    """The row count an independent reader finds, or None when it cannot tell (then any count is taken)."""
    try:
        if seed.kind in ("csv", "tsv"):
            text = data.decode("utf-8-sig")
            reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if seed.kind == "tsv" else ",")
            rows = [row for row in reader if row]
            return len(rows) - 1
        if seed.kind == "jsonl":
            return sum(1 for line in data.split(b"\n") if line.strip())
        if seed.kind == "parquet":
            meta = pq.ParquetFile(io.BytesIO(data)).metadata  # row groups: the file total may be corrupt
            counts = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
            return sum(counts) if all(n >= 0 for n in counts) else None
        document = json.loads(data.decode("utf-8-sig"))
        if seed.kind == "labelstudio" and any("annotations" in t for t in document):
            return sum(max(1, len(t.get("annotations") or [])) for t in document)
        return len(document)
    except Exception:  # the reference itself could not read it: no count to compare
        return None


class FuzzError(AssertionError):
    """A reader outcome that breaks the contract: the message says which and why."""


def check(seed: Seed, data: bytes, folder: Path) -> str:
    """Read mutated ``data`` as ``seed.kind``; return "ok" or "refused", raise :class:`FuzzError` otherwise."""
    path = folder / seed.name
    path.write_bytes(data)
    try:
        if seed.kind == "contract":
            read_contract(path)
            return "ok"
        delivery = read_delivery(path)
    except InvalidInputError as error:
        message = str(error)
        if "\n" in message or "\r" in message or not message:
            raise FuzzError(f"a message that is not one line: {message!r}") from error
        return "refused"
    except RecursionError as error:
        raise FuzzError("RecursionError") from error
    except Exception as error:  # any other exception is the failure being looked for
        raise FuzzError(f"{type(error).__name__}: {error}") from error
    want = expected_rows(seed, data)
    if want is not None and delivery.n_rows != want:
        raise FuzzError(f"{delivery.n_rows} rows read where the reference reader finds {want}")
    return "ok"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="how long to run")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mutations")
    parser.add_argument("--save", type=Path, default=None, help="write each failing input into this folder")
    parser.add_argument(
        "--slow", type=float, default=5.0, help="seconds after which one read counts as a hang"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    outcomes: Counter[tuple[str, str]] = Counter()
    failures: list[tuple[str, str, bytes]] = []
    slowest = (0.0, "")
    stop = time.monotonic() + args.seconds
    tried = 0
    with tempfile.TemporaryDirectory(prefix="labelpact-fuzz-") as tmp:
        folder = Path(tmp)
        while time.monotonic() < stop:
            seed = SEEDS[tried % len(SEEDS)]
            data = mutate(seed.data, random_ops(rng))
            tried += 1
            start = time.monotonic()
            try:
                outcome = check(seed, data, folder)
            except FuzzError as failure:
                outcome = "FAILED"
                if len(failures) < 20:
                    failures.append((seed.kind, str(failure), data[:300]))
                if args.save is not None:
                    args.save.mkdir(parents=True, exist_ok=True)
                    (args.save / f"{tried:06d}-{seed.name}").write_bytes(data)
            took = time.monotonic() - start
            if took > slowest[0]:
                slowest = (took, seed.kind)
            if took > args.slow:
                outcome = "FAILED"
                failures.append((seed.kind, f"took {took:.1f} s (a hang?)", data[:300]))
            outcomes[(seed.kind, outcome)] += 1
    print(f"inputs tried: {tried:,} in {args.seconds:.0f} s (seed {args.seed})")
    print(f"{'format':<18}{'ok':>8}{'refused':>9}{'FAILED':>8}")
    for seed in SEEDS:
        counts = [outcomes[(seed.kind, o)] for o in ("ok", "refused", "FAILED")]
        print(f"{seed.kind:<18}{counts[0]:>8,}{counts[1]:>9,}{counts[2]:>8,}")
    print(f"slowest single read: {slowest[0]:.2f} s ({slowest[1]})")
    for kind, why, data in failures:
        print(f"FAILED {kind}: {why}\n    input starts {data[:200]!r}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
