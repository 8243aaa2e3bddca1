"""Random draws keyed by name: a task or worker gets the same draw whatever the order of the rows.

labelpact codes tasks and workers by first appearance, so a random start drawn per code would move with
the row order of the file. Here every name is hashed with the seed (FNV-1a over its code points, then
SplitMix64), and each draw, fold or sample order is a function of that key alone: the same delivery in any
row order gets the same starts, folds and samples, and a name's draws do not change when others are added.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray

__all__ = [
    "KeyArray",
    "annotation_keys",
    "gold_in_name_order",
    "in_key_order",
    "keyed_folds",
    "keyed_grid",
    "keyed_uniform",
    "labels_digest",
    "mix",
    "name_keys",
    "row_keys",
    "rows_digest",
    "seed_key",
]

KeyArray = npt.NDArray[np.uint64]

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_CHUNK = 1 << 16  # names hashed per block: bounds the fixed-width copy of long vocabularies
_BLOCK_BYTES = 1 << 24  # at most this much fixed-width text per block
_CACHED = 4  # vocabularies whose keys are kept
_CACHE: OrderedDict[tuple[int, int, int], KeyArray] = OrderedDict()
_LOCK = threading.Lock()


def mix(x: KeyArray) -> KeyArray:
    """SplitMix64's finaliser, elementwise: a bijection of uint64 whose outputs look independent."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def seed_key(seed: int | None) -> np.uint64:
    """The key a seed mixes into every name (``None``: fresh entropy, as ``np.random.default_rng(None)``)."""
    value = int(np.random.default_rng(None).integers(1 << 63)) if seed is None else int(seed)
    return np.uint64(mix(np.array([value & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0])


def name_keys(names: Sequence[str], seed: int | None) -> KeyArray:
    """One 64-bit key per name (len(names),), a function of the name and the seed only (read-only: a
    vocabulary's keys are cached, since one fit asks for them several times)."""
    if not isinstance(names, tuple) or seed is None:
        return _hash_names(names, seed_key(seed))
    # the cache holds the keys under the tuple's hash and length, never the tuple: a server that audits
    # large deliveries one after another keeps no vocabulary alive through it
    fingerprint = (hash(names), len(names), int(seed))
    with _LOCK:
        keys = _CACHE.get(fingerprint)
        if keys is not None:
            _CACHE.move_to_end(fingerprint)
            return keys
    keys = _hash_names(names, seed_key(seed))
    keys.flags.writeable = False
    with _LOCK:
        _CACHE[fingerprint] = keys
        while len(_CACHE) > _CACHED:
            _CACHE.popitem(last=False)
    return keys


def _hash_names(names: Sequence[str], salt: np.uint64) -> KeyArray:
    """FNV-1a over each name's code points, mixed with ``salt``. Names are hashed shortest first, in blocks of
    similar length, so one long name neither widens a block's fixed-width copy nor its passes."""
    n = len(names)
    out = np.empty(n, dtype=np.uint64)
    lengths = np.fromiter(map(len, names), dtype=np.int64, count=n)
    order = np.argsort(lengths, kind="stable")
    objects = np.asarray(names, dtype=object)
    first = 0
    while first < n:
        width = max(int(lengths[order[min(first + _CHUNK, n) - 1]]), 1)
        rows = int(min(_CHUNK, max(1, _BLOCK_BYTES // (4 * width)), n - first))
        take = order[first : first + rows]
        width = max(int(lengths[take[-1]]), 1)
        block = objects[take].astype(f"<U{width}")
        points = block.view(np.uint32).reshape(rows, width)
        h = np.full(rows, _FNV_OFFSET, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for column in points.T:  # code points; the zero padding of shorter names is skipped
                stepped = (h ^ column.astype(np.uint64)) * _FNV_PRIME
                h = np.where(column != 0, stepped, h)
        out[take] = mix(h ^ salt)
        first += rows
    return out


def row_keys(*parts: npt.NDArray[np.integer]) -> KeyArray:
    """One key per row from parallel columns of keys or small codes (each (n,)): equal rows, equal keys."""
    key = np.zeros(len(parts[0]), dtype=np.uint64)
    for part in parts:
        key = mix(key ^ part.astype(np.uint64, copy=False))
    return key


def keyed_uniform(keys: KeyArray, width: int, stream: int = 0) -> FloatArray:
    """Uniform draws in (0, 1), (len(keys), width): column ``j`` of stream ``s`` is a hash of (key, s, j)."""
    lanes = np.uint64(stream) * np.uint64(width) + np.arange(width, dtype=np.uint64)
    bits = mix(keys[:, None] ^ mix(lanes + np.uint64(0x5851F42D4C957F2D))[None, :])
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def keyed_grid(keys: KeyArray, columns: KeyArray, stream: int = 0) -> FloatArray:
    """Uniform draws in (0, 1), (len(keys), len(columns)): cell (i, j) is a hash of (key i, column key j, stream),
    so a draw follows the names of its row and column (a class's draw does not move when classes are renamed)."""
    lanes = mix(columns ^ mix(np.array([stream], dtype=np.uint64) + np.uint64(0x2545F4914F6CDD1D)))
    bits = mix(keys[:, None] ^ lanes[None, :])
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def keyed_folds(keys: KeyArray, n_folds: int) -> IntArray:
    """Balanced folds (len(keys),): items dealt round-robin in key order, which is a seeded random order."""
    fold = np.empty(len(keys), dtype=np.intp)
    fold[np.argsort(keys, kind="stable")] = np.arange(len(keys)) % max(int(n_folds), 1)
    return fold


def annotation_keys(a: Annotations, seed: int | None) -> KeyArray:
    """One key per annotation (n_annotations,) from its task's, worker's and class's names (renaming the classes
    so that they sort otherwise does not move the folds dealt over them)."""
    return row_keys(
        name_keys(a.tasks, seed)[a.task],
        name_keys(a.workers, seed)[a.worker],
        name_keys(a.classes, seed)[a.label],
    )


def in_key_order(a: Annotations) -> tuple[Annotations, IntArray, IntArray]:
    """``a`` with its tasks and workers re-coded in the order of their name keys and its rows sorted by the
    new codes, and each old task's and worker's new code ((n_tasks,), (n_workers,)): a fit on it sums in an
    order the file's rows do not set (the optional time columns are left out)."""
    task_order = np.argsort(name_keys(a.tasks, 0), kind="stable")
    worker_order = np.argsort(name_keys(a.workers, 0), kind="stable")
    task_code, worker_code = np.argsort(task_order), np.argsort(worker_order)  # the inverse permutations
    task, worker = task_code[a.task], worker_code[a.worker]
    rows = np.lexsort((a.label, worker, task))
    recoded = Annotations(
        task=task[rows],
        worker=worker[rows],
        label=a.label[rows],
        tasks=tuple(a.tasks[i] for i in task_order.tolist()),
        workers=tuple(a.workers[i] for i in worker_order.tolist()),
        classes=a.classes,
    )
    return recoded, task_code, worker_code


def gold_in_name_order(gold: Gold | None, tasks: Sequence[str]) -> Gold | None:
    """``gold`` with its entries sorted by task name: folds and subsets dealt over the gold then depend
    on the gold itself, not on the order of the file it came from or on the annotations' task codes."""
    if gold is None or len(gold) < 2:
        return gold
    names = np.asarray([tasks[i] for i in gold.task.tolist()], dtype=np.str_)
    order = np.argsort(names, kind="stable")
    if np.all(order[1:] > order[:-1]):
        return gold
    author = None if gold.author is None else gold.author[order]
    return Gold(task=gold.task[order], label=gold.label[order], author=author)


def labels_digest(a: Annotations) -> str:
    """An order-free fingerprint of the labels, 16 hex digits: the same (task, worker, label) rows in any order
    or file format give the same digest, and any other multiset of rows almost surely another (a sum of the
    rows' 64-bit keys by name, with their count: a redelivered batch is recognised whatever its bytes)."""
    return rows_digest(
        name_keys(a.tasks, 0)[a.task], name_keys(a.workers, 0)[a.worker], name_keys(a.classes, 0)[a.label]
    )


def rows_digest(*parts: npt.NDArray[np.integer]) -> str:
    """An order-free fingerprint, 16 hex digits, of rows given as parallel columns of 64-bit keys or small
    codes (each (n,)): the sum of the rows' mixed keys, folded with their count (``labels_digest``)."""
    rows = mix(row_keys(*parts)) if len(parts[0]) else np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        total = np.add.reduce(rows, dtype=np.uint64) if len(rows) else np.uint64(0)
        folded = mix(np.array([total ^ np.uint64(len(rows))], dtype=np.uint64))[0]
    return f"{int(folded):016x}"
