"""``labelpact ethics --engine dask`` on a real LocalCluster: personal data, licences, slice bias and pay of
Parquet parts of labels and payloads, equal to the local ``ethics`` document of the same rows (floats to
1e-9; the same slices, flags, workers below the floor, tasks too fast, findings and verdict). Slice values and
word counts travel from the payload parts to the blocks of the labels, never to this process."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from tests.integration.scale.parts import DATASETS, assert_close, worker_killer, write_parts

from labelpact.core.annotations import Annotations, TaskPayloads
from labelpact.errors import InvalidInputError
from labelpact.io.export import annotations_table
from labelpact.services.ethics import ethics_file
from labelpact.simulate import simulate_delivery
from labelpact.simulate.payloads import plant_slice_bias, simulate_payloads, underpay_workers

distributed = pytest.importorskip("distributed")

from labelpact.scale import cluster_client  # noqa: E402
from labelpact.services.engine import ethics_parts_file  # noqa: E402

CONTRACT = """
[pay]
price_per_label = 0.10
annotator_share = 0.8
pay_floor_per_hour = 15.0
[data]
allowed_licenses = ["CC-BY-4.0", "CC0-1.0", "MIT"]
personal_data = "reject"
"""
VOLATILE = frozenset({"seconds"})  # the scan's wall time


def write_batch(
    root: Path, labels: pa.Table, payloads: pa.Table, gold: pa.Table, n_parts: tuple[int, int]
) -> dict[str, Path]:
    """The batch as one file each (the local engine's input) and as Parquet parts (the dask engine's)."""
    root.mkdir(parents=True, exist_ok=True)
    pq.write_table(labels, root / "labels.parquet")
    pq.write_table(payloads, root / "tasks.parquet")
    pacsv.write_csv(gold, root / "gold.csv")
    (root / "contract.toml").write_text(CONTRACT, encoding="utf-8")
    return {
        "labels": root / "labels.parquet",
        "tasks": root / "tasks.parquet",
        "gold": root / "gold.csv",
        "contract": root / "contract.toml",
        "label_parts": write_parts(labels, root / "label_parts", n_parts[0]),
        "task_parts": write_parts(payloads, root / "task_parts", n_parts[1]),
    }


def payload_table(tasks: tuple[str, ...], seed: int, *, drop_every: int = 0) -> pa.Table:
    """Simulated payloads (text with planted emails and cards, language, source, licence) and a ``region``
    with blanks; every ``drop_every``-th task has no payload row (no slice, no word count)."""
    p = simulate_payloads(tasks, seed=seed, email_share=0.02, card_share=0.01, disallowed_share=0.05)
    rng = np.random.default_rng(seed)
    region = rng.choice(np.array(["north", "south", "east", ""], dtype=object), size=len(p.task))
    table = pa.table({"task": list(p.task), **{k: list(v) for k, v in p.fields.items()}, "region": region})
    if drop_every:
        table = table.filter(pa.array(np.arange(table.num_rows) % drop_every != 0))
    return table


def gold_table(a: Annotations, task: Any, label: Any) -> pa.Table:
    return pa.table({"task": [a.tasks[t] for t in task], "label": [a.classes[y] for y in label]})


def both(
    paths: dict[str, Path], client: Any, slices: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The local document of the single files, the dask document of the parts, and the dask engine's note."""
    common = {"contract": paths["contract"], "gold": paths["gold"], "slice_columns": slices}
    local = ethics_file(paths["labels"], tasks=paths["tasks"], **common)
    dask = ethics_parts_file(paths["label_parts"], tasks=paths["task_parts"], client=client, **common)
    return local, dask, dask.pop("engine")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """600 tasks, 30 workers: a fifth underpaid, the German slice's labels made worse, some durations unknown,
    some tasks clicked through, some tasks without a payload row, a region with blanks, and two tasks nobody
    labelled."""
    sim = simulate_delivery(n_tasks=600, n_workers=30, median_duration_s=12.0, seed=5)
    a, _ = underpay_workers(sim.annotations, share=0.2, price_per_label=0.08, pay_floor_per_hour=15.0, seed=6)
    payloads = payload_table(a.tasks, seed=7, drop_every=23)
    languages = TaskPayloads(
        task=tuple(payloads["task"].to_pylist()), fields={"language": tuple(payloads["language"].to_pylist())}
    )
    a = plant_slice_bias(a, languages, column="language", value="de", flip_share=0.3, seed=1)
    labels = annotations_table(a).select(["task", "worker", "label", "duration_s"])
    seconds = labels["duration_s"].to_numpy().copy()
    seconds[a.task % 40 == 0] = 1.5  # tasks clicked through: too fast to be read
    seconds[::11] = np.nan
    labels = labels.set_column(3, "duration_s", pa.array(seconds, from_pandas=True))
    # two tasks nobody labelled (rows without a label), one by a worker who only abstains: listed, no consensus
    blank = pa.table(
        {
            "task": ["nobody-1", "nobody-2"],
            "worker": ["w-idle", a.workers[0]],
            "label": pa.array([None, None], pa.string()),
            "duration_s": [30.0, 40.0],
        }
    )
    labels = pa.concat_tables([labels.slice(0, 100), blank, labels.slice(100)])
    filler = {"task": ["nobody-1", "nobody-2"], "language": ["en", "en"]}
    extra = pa.table({name: filler.get(name, ["", ""]) for name in payloads.column_names})
    payloads = pa.concat_tables([payloads, extra.cast(payloads.schema)])
    gold = gold_table(a, sim.gold.task, sim.gold.label)
    return write_batch(tmp_path_factory.mktemp("ethics"), labels, payloads, gold, (4, 3))


def test_slice_bias_and_pay_on_dask_equal_the_local_document(client: Any, simulated: dict[str, Path]) -> None:
    local, dask, engine = both(simulated, client, ("language", "region"))
    assert_close(local, dask, skip=VOLATILE)
    assert engine["name"] == "dask" and engine["n_blocks"] >= 2 and engine["n_parts"] == 3
    # what makes the comparison worth having: every part of the document is there and finds something
    language = {s["slice"]: s for s in dask["bias"][0]["slices"]}
    assert set(language) == {"de", "en", "es"} and "agreement" in language["de"]["flags"]
    assert dask["bias"][0]["n_tasks_unsliced"] > 0 and dask["bias"][1]["n_tasks_unsliced"] > 0
    used = dask["bias"][0]["n_tasks_used"]  # the tasks nobody labelled have a slice but no consensus
    assert used == sum(s["n_tasks"] for s in language.values()) - 2
    assert "w-idle" in {w["worker"] for w in dask["pay"]["workers"]}
    assert [s["slice"] for s in dask["bias"][1]["slices"]] == ["east", "north", "south"]
    pay = dask["pay"]
    assert pay["workers_below_floor"] and pay["n_annotations_untimed"] > 0 and pay["tasks_too_fast"]
    assert pay["annotator_share"] == 0.8 and abs(pay["pay_per_label"] - 0.08) < 1e-12
    assert len(dask["pii"]) > 10 and dask["provenance"]
    kinds = {f["kind"] for f in dask["findings"]}
    assert {"pii", "disallowed_license", "pay_below_floor"} <= kinds and dask["verdict"] == "reject"


def test_pay_alone_reads_no_consensus_and_equals_local(client: Any, simulated: dict[str, Path]) -> None:
    local, dask, _ = both(simulated, client, ())
    assert_close(local, dask, skip=VOLATILE)
    assert dask["bias"] == [] and dask["pay"]["workers_below_floor"]


@pytest.mark.datasets
def test_shared_dataset_with_simulated_payloads_and_durations(client: Any, tmp_path: Path) -> None:
    folder = DATASETS / "act_weather_cf"
    if not (folder / "labels.csv").is_file():
        pytest.skip(f"shared dataset act_weather_cf absent at {folder} (../shared/datasets next to the repo)")
    read = pacsv.ConvertOptions(column_types={c: pa.string() for c in ("item", "worker", "label")})
    raw = pacsv.read_csv(folder / "labels.csv", convert_options=read)
    gold = pacsv.read_csv(folder / "gold.csv", convert_options=read)
    rng = np.random.default_rng(3)  # the dataset has no times: lognormal seconds, a few workers rushed
    seconds = np.round(rng.lognormal(np.log(8.0), 0.6, raw.num_rows), 3)
    labels = pa.table(
        {"task": raw["item"], "worker": raw["worker"], "label": raw["label"], "duration_s": seconds}
    )
    tasks = tuple(dict.fromkeys(raw["item"].to_pylist()))
    paths = write_batch(
        tmp_path,
        labels,
        payload_table(tasks, seed=11, drop_every=17),
        pa.table({"task": gold["item"], "label": gold["label"]}),
        (3, 2),
    )
    local, dask, _ = both(paths, client, ("language",))
    assert_close(local, dask, skip=VOLATILE)
    slices = dask["bias"][0]["slices"]
    assert sum(s["n_tasks"] for s in slices) + dask["bias"][0]["n_tasks_unsliced"] == len(tasks)
    assert sum(s["n_gold_labels"] for s in slices) > 0 and dask["pay"]["workers"]


def test_cli_ethics_on_dask_takes_slice_columns(client: Any, simulated: dict[str, Path], cli: Any) -> None:
    run = cli(
        "ethics",
        simulated["label_parts"],
        "--tasks",
        simulated["task_parts"],
        "--contract",
        simulated["contract"],
        "--gold",
        simulated["gold"],
        "--slice-column",
        "language",
        "--engine",
        "dask",
        "--scheduler",
        client.scheduler.address,
        "--json",
    )
    assert run.code == 0, run.stderr
    document = json.loads(run.stdout)
    assert document.pop("engine")["name"] == "dask"
    local = ethics_file(
        simulated["labels"],
        tasks=simulated["tasks"],
        contract=simulated["contract"],
        gold=simulated["gold"],
        slice_columns=("language",),
    )
    assert_close(json.loads(json.dumps(local)), document, skip=VOLATILE)
    assert document["bias"][0]["column"] == "language"


def test_a_slice_column_the_payloads_lack_is_refused(client: Any, simulated: dict[str, Path]) -> None:
    with pytest.raises(InvalidInputError, match="slice column 'dialect'") as error:
        ethics_parts_file(
            simulated["label_parts"], tasks=simulated["task_parts"], slice_columns=("dialect",), client=client
        )
    assert "language" in str(error.value)


def test_a_task_with_two_payload_rows_is_refused(client: Any, tmp_path: Path) -> None:
    labels = pa.table({"task": list("aabbc"), "worker": list("xyxyx"), "label": list("01101")})
    payloads = pa.table({"task": ["a", "b", "c", "b"], "language": ["en", "de", "en", "de"]})
    paths = write_batch(tmp_path, labels, payloads, pa.table({"task": ["a"], "label": ["0"]}), (2, 2))
    with pytest.raises(InvalidInputError, match="one row per task") as error:
        ethics_parts_file(
            paths["label_parts"], tasks=paths["task_parts"], slice_columns=("language",), client=client
        )
    assert "'b' again" in str(error.value)


def test_payload_parts_that_differ_in_their_columns_equal_one_local_file(
    client: Any, simulated: dict[str, Path], tmp_path: Path
) -> None:
    """A later part adds a column and an earlier one lacks a slice column and the licence: the fields are
    every part's, and a part without a field has no value on its tasks (as blank cells in one local file)."""
    whole = pq.read_table(simulated["tasks"])
    cuts = np.linspace(0, whole.num_rows, 4).astype(int)
    parts = [whole.slice(lo, hi - lo) for lo, hi in itertools.pairwise(cuts.tolist())]
    parts[0] = parts[0].drop_columns(["region", "license"])
    parts[1] = parts[1].drop_columns(["language", "text"])
    parts[2] = parts[2].append_column("reviewer_note", pa.array(["call 212-555-0100"] * parts[2].num_rows))
    folder = tmp_path / "task_parts"
    folder.mkdir()
    for i, part in enumerate(parts):
        pq.write_table(part, folder / f"part-{i}.parquet")
    names = list(dict.fromkeys(n for part in parts for n in part.column_names))
    filled = [
        pa.table(
            {n: part[n] if n in part.column_names else pa.nulls(part.num_rows, pa.string()) for n in names}
        )
        for part in parts
    ]
    pq.write_table(pa.concat_tables(filled), tmp_path / "tasks.parquet")
    paths = {**simulated, "tasks": tmp_path / "tasks.parquet", "task_parts": folder}
    local, dask, _ = both(paths, client, ("language", "region"))
    assert_close(local, dask, skip=VOLATILE)
    assert "reviewer_note" in {f["field"] for f in dask["pii"]}  # the field only the last part has: scanned
    assert {s["column"] for s in dask["bias"]} == {"language", "region"}


def test_a_worker_killed_mid_ethics_changes_nothing(simulated: dict[str, Path]) -> None:
    """Two worker processes; one is killed once the label blocks are built (during the payload scan) and the
    other once the payload pieces are cut (before the slice and pay sums), each nanny's process once. Dask
    recomputes what the dead held (blocks, pieces); the document is the local one."""
    stages = {
        "scanning payloads for personal data and licences on dask",
        "measuring slice bias and pay on dask",
    }
    killed: list[str] = []
    with cluster_client(n_workers=2) as own:
        kill = worker_killer(own, stages, killed)

        common = {
            "contract": simulated["contract"],
            "gold": simulated["gold"],
            "slice_columns": ("language",),
        }
        dask = ethics_parts_file(
            simulated["label_parts"], tasks=simulated["task_parts"], client=own, progress=kill, **common
        )
        own.wait_for_workers(2, timeout=60)
    assert sorted(killed) == sorted(stages), "the run ended before both workers could be killed"
    dask.pop("engine")
    local = ethics_file(simulated["labels"], tasks=simulated["tasks"], **common)
    assert_close(local, dask, skip=VOLATILE)
    assert "agreement" in {s["slice"]: s for s in dask["bias"][0]["slices"]}["de"]["flags"]
