"""Assay's quality methods against Crowd-Kit, on the shared real data sets and at scale.

One run prints three tables:
1. accuracy (Spearman for pairwise) per method per data set in ../shared/datasets,
   with Assay's best over Crowd-Kit's best;
2. wall time per method per data set (median of --repeats; Crowd-Kit's GLAD and MACE
   once, they take 10-20 s each), with Crowd-Kit DS time over Assay DS time;
3. synthetic 500k and 1M labels (100k/200k items, 5 labels each, 2,000 workers with
   known 3-class confusion matrices, seed 2026): Dawid-Skene time against Crowd-Kit's,
   accuracy against the oracle that knows the true matrices, peak memory (tracemalloc:
   memory allocated by the fit on top of its input). "truth-trained" is how close any
   estimate can get at this size: the matrices counted from a second, independent
   draw of the same size (same workers, same assignment) whose true labels are known,
   then used to score the benchmark's labels.

Crowd-Kit lives only in a separate benchmark venv:

    python3 -m venv .bench-venv
    .bench-venv/bin/pip install -e . crowd-kit 'scikit-learn<1.6'
    .bench-venv/bin/python bench/quality.py [--repeats 3] [--skip-slow] [--no-synthetic]

Without Crowd-Kit (e.g. ``.venv/bin/python bench/quality.py``) it says so and runs
Assay's side alone.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assay.quality import io
from assay.quality.labels import (
    dawid_skene,
    dawid_skene_posterior,
    judgments,
    majority_vote,
    one_coin,
)
from assay.quality.pairwise import bradley_terry, crowd_bt
from assay.quality.simulate import SyntheticCrowd, sample_answers, synthetic_crowd

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SLOW = {"GLAD", "MACE"}
SYNTHETIC = [(100_000, 2_000), (200_000, 2_000)]
Row = dict[str, tuple[float, float]]  # method -> (accuracy, seconds)
TIES: dict[str, tuple[int, int]] = {}  # data set -> (majority-vote ties, items)


def crowdkit() -> Any | None:
    try:
        from crowdkit import aggregation
    except ImportError:
        print("Crowd-Kit is not importable here: running Assay's side only. To compare, run")
        print("this script with .bench-venv/bin/python (see the docstring for the set-up).")
        return None
    warnings.filterwarnings("ignore")
    return aggregation


def timed(run: Callable[[], Any], repeats: int) -> tuple[Any, float]:
    """The last result and the median wall time over ``repeats`` runs."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


def read_truth(path: Path, key: str, value: str) -> dict[str, str]:
    with path.open(newline="") as handle:
        return {row[key]: row[value] for row in csv.DictReader(handle)}


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Rank correlation with average ranks for ties."""

    def ranks(v: np.ndarray) -> np.ndarray:
        _, inverse, counts = np.unique(v, return_inverse=True, return_counts=True)
        return (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]

    return float(np.corrcoef(ranks(x), ranks(y))[0, 1])


def label_row(folder: Path, ck: Any | None, repeats: int, skip_slow: bool) -> Row:
    table = io.read_labels(folder / "labels.csv")
    TIES[folder.name] = (majority_vote(data=table.data).ties, table.data.n_items)
    truth = read_truth(folder / "gt.csv", "task", "true_label")
    scored = [i for i, task in enumerate(table.tasks) if task in truth]
    expected = np.array([truth[table.tasks[i]] for i in scored])
    row: Row = {}
    for name, method in {"mv": majority_vote, "ds": dawid_skene, "onecoin": one_coin}.items():
        result, seconds = timed(lambda m=method: m(data=table.data), repeats)
        predicted = np.array(table.classes)[result.truth.labels[scored]]
        row[f"assay {name}"] = (float(np.mean(predicted == expected)), seconds)
    if ck is not None:
        import pandas as pd

        frame = pd.read_csv(folder / "labels.csv", dtype=str)
        tasks = [table.tasks[i] for i in scored]
        for name in ("MajorityVote", "Wawa", "DawidSkene", "OneCoinDawidSkene", "GLAD", "MACE"):
            if skip_slow and name in SLOW:
                continue
            runs = 1 if name in SLOW else repeats
            result, seconds = timed(lambda n=name: getattr(ck, n)().fit_predict(frame), runs)
            hits = result.reindex(tasks).to_numpy() == expected
            row[f"ck {name}"] = (float(np.mean(hits)), seconds)
    return row


def pairwise_row(folder: Path, ck: Any | None, repeats: int) -> Row:
    table = io.read_comparisons(folder / "comparisons.csv")
    truth = {k: float(v) for k, v in read_truth(folder / "gt.csv", "item", "score").items()}
    expected = np.array([truth[item] for item in table.items])
    row: Row = {}
    fits = {
        "bt": lambda: bradley_terry(data=table.data, bootstrap=0).scores,
        "bt+ci200": lambda: bradley_terry(data=table.data, bootstrap=200).scores,
        "crowdbt": lambda: crowd_bt(data=table.data).scores,
    }
    for name, fit in fits.items():
        scores, seconds = timed(fit, repeats)
        row[f"assay {name}"] = (spearman(scores, expected), seconds)
    if ck is not None:
        import pandas as pd

        frame = pd.read_csv(folder / "comparisons.csv", dtype=str)
        for name, make in {
            "BradleyTerry": lambda: ck.BradleyTerry(n_iter=100),
            "NoisyBradleyTerry": lambda: ck.NoisyBradleyTerry(),
        }.items():
            result, seconds = timed(lambda m=make: m().fit_predict(frame), repeats)
            ck_scores = np.array([result[item] for item in table.items])
            row[f"ck {name}"] = (spearman(ck_scores, expected), seconds)
    return row


def print_tables(rows: dict[str, Row]) -> None:
    methods = list(dict.fromkeys(m for row in rows.values() for m in row))
    header = "| data set | " + " | ".join(methods) + " | assay best / ck best |"
    rule = "|---" * (len(methods) + 2) + "|"
    print("\nAccuracy (pair_countrypop: Spearman with the true order)\n")
    print(header + "\n" + rule)
    for name, row in rows.items():
        cells = [f"{row[m][0]:.4f}" if m in row else "-" for m in methods]
        assay = max(v[0] for m, v in row.items() if m.startswith("assay"))
        ck = [v[0] for m, v in row.items() if m.startswith("ck")]
        ratio = f"{assay / max(ck):.3f}" if ck else "-"
        print(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")
    print("\nWall time, ms (median)\n")
    print(header.replace("assay best / ck best", "ck DS / assay DS (pairwise: NBT / Crowd-BT)"))
    print(rule)
    for name, row in rows.items():
        cells = [f"{row[m][1] * 1000:.1f}" if m in row else "-" for m in methods]
        speedup = "-"
        if "ck DawidSkene" in row:
            speedup = f"{row['ck DawidSkene'][1] / row['assay ds'][1]:.1f}x"
        if "ck NoisyBradleyTerry" in row:
            speedup = f"{row['ck NoisyBradleyTerry'][1] / row['assay crowdbt'][1]:.0f}x"
        print(f"| {name} | " + " | ".join(cells) + f" | {speedup} |")


def peak_memory(run: Callable[[], Any]) -> float:
    """MB allocated at the peak of ``run``, beyond what existed when it started."""
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def truth_trained(crowd: SyntheticCrowd, seed: int) -> float:
    """Accuracy when the matrices come from an independent labelled draw of the same size.

    Every item of the second draw is gold, so Dawid-Skene just counts (with its usual
    prior); no method that has to infer the truth should beat this by much.
    """
    data, rng = crowd.data, np.random.default_rng(seed)
    truth = rng.choice(data.n_classes, size=data.n_items, p=crowd.class_prior)
    labels = sample_answers(
        confusion=crowd.confusion, workers=data.workers, truth=truth[data.items], rng=rng
    )
    again = judgments(
        items=data.items,
        workers=data.workers,
        labels=labels,
        n_items=data.n_items,
        n_workers=data.n_workers,
        n_classes=data.n_classes,
    )
    trained = dawid_skene(data=again, gold=(np.arange(data.n_items), truth))
    scored = dawid_skene_posterior(
        data=data, confusion=trained.confusion, class_prior=trained.class_prior
    )
    return float(np.mean(scored.labels == crowd.truth))


def synthetic_row(n_items: int, n_workers: int, ck: Any | None, repeats: int) -> str:
    crowd = synthetic_crowd(
        n_items=n_items, n_workers=n_workers, per_item=5, n_classes=3, seed=2026
    )
    data = crowd.data
    oracle = dawid_skene_posterior(
        data=data, confusion=crowd.confusion, class_prior=crowd.class_prior
    )
    result, seconds = timed(lambda: dawid_skene(data=data), repeats)
    accuracy = float(np.mean(result.truth.labels == crowd.truth))
    memory = peak_memory(lambda: dawid_skene(data=data))
    mv = float(np.mean(majority_vote(data=data).truth.labels == crowd.truth))
    cells = [
        f"{len(data.labels):,}",
        f"{np.mean(oracle.labels == crowd.truth):.4f}",
        f"{truth_trained(crowd, seed=1):.4f}",
        f"{mv:.4f}",
        f"{accuracy:.4f}",
        f"{seconds:.3f}",
        f"{result.iterations}",
        f"{memory:.0f}",
    ]
    if ck is None:
        return "| " + " | ".join(cells + ["-"] * 4) + " |"
    import pandas as pd

    frame = pd.DataFrame({"task": data.items, "worker": data.workers, "label": data.labels})
    ck_result, ck_seconds = timed(lambda: ck.DawidSkene().fit_predict(frame), repeats)
    ck_accuracy = float(np.mean(ck_result.sort_index().to_numpy() == crowd.truth))
    ck_memory = peak_memory(lambda: ck.DawidSkene().fit_predict(frame))
    cells += [
        f"{ck_accuracy:.4f}",
        f"{ck_seconds:.3f}",
        f"{ck_memory:.0f}",
        f"{ck_seconds / seconds:.1f}x",
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--skip-slow", action="store_true", help="leave out GLAD and MACE")
    parser.add_argument("--no-synthetic", action="store_true", help="only the real data sets")
    args = parser.parse_args()
    ck = crowdkit()
    rows: dict[str, Row] = {}
    for folder in sorted(path for path in DATASETS.iterdir() if path.is_dir()):
        if (folder / "labels.csv").exists():
            rows[folder.name] = label_row(folder, ck, args.repeats, args.skip_slow)
        else:
            rows[folder.name] = pairwise_row(folder, ck, args.repeats)
        print(f"  done {folder.name}", file=sys.stderr)
    print_tables(rows)
    print("\nMajority-vote ties (broken toward the overall more frequent label):")
    print(", ".join(f"{name} {ties}/{items}" for name, (ties, items) in TIES.items()))
    if args.no_synthetic:
        return
    print(
        "\nSynthetic, 3 classes, 5 labels per item, 2,000 workers (time: median, s; memory: MB)\n"
    )
    print(
        "| labels | oracle acc | truth-trained acc | assay mv acc | assay ds acc | assay ds s "
        "| iterations | assay ds MB | ck ds acc | ck ds s | ck ds MB | speed-up |"
    )
    print("|---" * 12 + "|")
    for n_items, n_workers in SYNTHETIC:
        print(synthetic_row(n_items, n_workers, ck, args.repeats), flush=True)


if __name__ == "__main__":
    main()
