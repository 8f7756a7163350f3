"""Adaptive redundancy against a fixed overlap of 5, on seeded simulated crowds.

Two crowds with known truth: an expert panel (40% strong, per-class accuracy
U(0.9, 0.97); 40% typical, U(0.75, 0.9); 20% weak, U(0.55, 0.7)) and an open crowd
(U(0.6, 0.95) with 10% answering at random: ``assay.quality.simulate``). Errors are
spread unevenly over the wrong classes, so the one-coin model the rule uses is only
an approximation. Each expert's accuracy is estimated beforehand from 40 gold
answers; both arms use the same estimates and see the same answers in the same order
per item (common random numbers), so they differ only in when they stop asking. The
adaptive arm runs ``assay.quality.adaptive`` (vectorized); a sample of items is
re-checked against the single-item ``decide``.

The fixed policies show what a requester gets from a confidence target chosen
beforehand. The last three rows scan the target (min 2, max 7, 0.700 to 0.995):
"fewest to match" picks it with hindsight, as the cheapest target whose true
accuracy equals fixed 5's; "target from expected accuracy" picks it without the
truth, as the lowest target whose expected accuracy (the mean top posterior, which
the model computes from the votes alone) reaches fixed 5's expected accuracy. With
``--seeds N`` the whole simulation is repeated on N seeds (new experts, gold, items)
and a summary gives the median and range of those shares. ``--optimal`` adds, for
two classes, the Bayes-optimal stopping rule (dynamic programming over the votes'
log-odds, cost per vote picked with hindsight): a floor for any stopping rule that
sees the same votes and accuracies.

    .venv/bin/python bench/adaptive_sim.py [--items 20000] [--experts 60] [--seed 7]
                                           [--seeds 1] [--optimal]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assay.quality.adaptive import ACCURACY_BOUNDS, Policy, decide, stopping, vote_evidence
from assay.quality.labels import judgments, majority_vote
from assay.quality.simulate import sample_answers, worker_confusions

FIXED = 5
GOLD_PER_EXPERT = 40
POLICIES = [
    Policy(min_votes=2, max_votes=5, target=0.95),
    Policy(),
    Policy(min_votes=2, max_votes=7, target=0.97),
    Policy(min_votes=2, max_votes=9, target=0.99),
]
TARGETS = [round(0.7 + 0.005 * step, 3) for step in range(60)]
LOG_ODDS = np.linspace(-20.0, 20.0, 8001)
COSTS = np.geomspace(0.002, 0.2, 40)
TIERS = {"share": [0.4, 0.4, 0.2], "low": [0.9, 0.75, 0.55], "high": [0.97, 0.9, 0.7]}


@dataclass(frozen=True)
class World:
    """Truth, who answers each item in which order, their answers, estimated accuracies."""

    truth: np.ndarray
    order: np.ndarray
    answers: np.ndarray
    accuracy: np.ndarray
    n_classes: int


def expert_panel(n_experts: int, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Confusion matrices of a three-tier panel (see the module docstring)."""
    tier = rng.choice(3, size=n_experts, p=TIERS["share"])
    low, high = np.array(TIERS["low"])[tier], np.array(TIERS["high"])[tier]
    accuracy = rng.uniform(low[:, None], high[:, None], size=(n_experts, n_classes))
    errors = rng.dirichlet(np.ones(n_classes - 1), size=(n_experts, n_classes))
    confusion = np.empty((n_experts, n_classes, n_classes))
    for true in range(n_classes):
        others = [answer for answer in range(n_classes) if answer != true]
        confusion[:, true, true] = accuracy[:, true]
        confusion[:, true, others] = errors[:, true] * (1 - accuracy[:, [true]])
    return confusion


def estimated_accuracy(confusion: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Beta(1, 1) posterior mean accuracy of each expert on gold questions."""
    n_experts, n_classes = confusion.shape[:2]
    gold = rng.integers(0, n_classes, (n_experts, GOLD_PER_EXPERT)).ravel()
    experts = np.repeat(np.arange(n_experts), GOLD_PER_EXPERT)
    answers = sample_answers(confusion=confusion, workers=experts, truth=gold, rng=rng)
    correct = (answers == gold).reshape(n_experts, GOLD_PER_EXPERT).sum(axis=1)
    return (correct + 1.0) / (GOLD_PER_EXPERT + 2.0)


def world(confusion: np.ndarray, n_items: int, rng: np.random.Generator) -> World:
    n_experts, n_classes = confusion.shape[:2]
    accuracy = estimated_accuracy(confusion, rng)
    truth = rng.integers(0, n_classes, n_items)
    most = max(policy.max_votes for policy in POLICIES)
    order = rng.permuted(np.tile(np.arange(n_experts), (n_items, 1)), axis=1)[:, :most]
    flat = sample_answers(
        confusion=confusion, workers=order.ravel(), truth=np.repeat(truth, most), rng=rng
    )
    return World(truth, order, flat.reshape(n_items, most), accuracy, n_classes)


def expected_accuracy(log_score: np.ndarray) -> float:
    """The accuracy the model itself expects: the mean top posterior (no truth used)."""
    posterior = np.exp(log_score - log_score.max(axis=1, keepdims=True))
    return float(np.mean(posterior.max(axis=1) / posterior.sum(axis=1)))


def fixed_arm(w: World) -> tuple[float, float, float, int]:
    """The first FIXED answers per item: accuracy by majority vote and accuracy-weighted,
    the weighted arm's expected accuracy, and the majority-vote ties."""
    n_items = len(w.truth)
    items = np.repeat(np.arange(n_items), FIXED)
    labels, voters = w.answers[:, :FIXED].ravel(), w.order[:, :FIXED].ravel()
    data = judgments(items=items, workers=voters, labels=labels, n_classes=w.n_classes)
    voted = majority_vote(data=data)
    evidence = vote_evidence(labels=labels, accuracies=w.accuracy[voters], n_classes=w.n_classes)
    log_score = evidence.reshape(n_items, FIXED, w.n_classes).sum(axis=1)
    mv_accuracy = float(np.mean(voted.truth.labels == w.truth))
    weighted = float(np.mean(log_score.argmax(axis=1) == w.truth))
    return mv_accuracy, weighted, expected_accuracy(log_score), voted.ties


def adaptive_arm(w: World, policy: Policy) -> tuple[float, np.ndarray, float]:
    """One more expert per round for every undecided item.

    Returns the accuracy, the votes used per item and the expected accuracy.
    """
    log_score = np.full((len(w.truth), w.n_classes), -np.log(w.n_classes))
    used = np.zeros(len(w.truth), dtype=np.intp)
    active = np.ones(len(w.truth), dtype=bool)
    for slot in range(policy.max_votes):
        rows = np.flatnonzero(active)
        log_score[rows] += vote_evidence(
            labels=w.answers[rows, slot],
            accuracies=w.accuracy[w.order[rows, slot]],
            n_classes=w.n_classes,
        )
        used[rows] += 1
        posterior = np.exp(log_score[rows] - log_score[rows].max(axis=1, keepdims=True))
        confidence = posterior.max(axis=1) / posterior.sum(axis=1)
        stop, _ = stopping(confidence=confidence, votes=used[rows], policy=policy)
        active[rows[stop]] = False
    accuracy = float(np.mean(log_score.argmax(axis=1) == w.truth))
    return accuracy, used, expected_accuracy(log_score)


def check_against_decide(w: World, policy: Policy, used: np.ndarray) -> None:
    """The batch loop must stop exactly where the single-item rule says to."""
    for item in range(200):
        decisions = [
            decide(
                labels=w.answers[item, :n],
                accuracies=w.accuracy[w.order[item, :n]],
                n_classes=w.n_classes,
                policy=policy,
            ).stop
            for n in range(1, used[item] + 1)
        ]
        if decisions[-1] is not True or any(decisions[:-1]):
            raise SystemExit(f"item {item}: the batch loop diverged from decide()")


Scan = list[tuple[float, float, float, float]]  # (judgments/item, target, accuracy, expected)


def scan_targets(w: World) -> Scan:
    """The rule with min 2, max 7 at every target of the grid."""
    scan = []
    for target in TARGETS:
        accuracy, used, expected = adaptive_arm(w, Policy(min_votes=2, max_votes=7, target=target))
        scan.append((float(used.mean()), target, accuracy, expected))
    return scan


def fewest(scan: Scan, level: float) -> tuple[float, float, float, float]:
    """Hindsight: the cheapest target whose true accuracy reaches ``level``."""
    reached = [entry for entry in scan if entry[2] >= level]
    return min(reached) if reached else (float("nan"),) * 4


def without_truth(scan: Scan, expected: float) -> tuple[float, float, float, float]:
    """No hindsight: the lowest target whose expected accuracy reaches fixed 5's."""
    return next((entry for entry in scan if entry[3] >= expected), scan[-1])


def optimal_stops(accuracy: np.ndarray, cost: float, most: int = 7) -> list[np.ndarray]:
    """Bayes-optimal stopping for two classes, by dynamic programming over the log-odds.

    Under the one-coin model with the pool's estimated accuracies and the next expert
    drawn from the pool, ``stops[n]`` says, for each log-odds of class 0 on the grid,
    whether to stop after n votes (at least 2, at most ``most``) so as to maximize
    expected accuracy minus ``cost`` per vote. No rule that sees the same votes and
    accuracies does better at the same cost.
    """
    q = np.clip(accuracy, *ACCURACY_BOUNDS)
    step = np.log(q / (1.0 - q))
    settle = 1.0 / (1.0 + np.exp(-np.abs(LOG_ODDS)))
    first = (1.0 / (1.0 + np.exp(-LOG_ODDS)))[:, None]
    says_first = first * q + (1.0 - first) * (1.0 - q)
    value, stops = settle, [np.ones(len(LOG_ODDS), dtype=bool)] * (most + 1)
    for n in range(most - 1, -1, -1):
        up = np.interp(LOG_ODDS[:, None] + step, LOG_ODDS, value)
        down = np.interp(LOG_ODDS[:, None] - step, LOG_ODDS, value)
        ahead = (says_first * up + (1.0 - says_first) * down).mean(axis=1) - cost
        stops[n] = (n >= 2) & (settle >= ahead)
        value = np.where(stops[n], settle, ahead)
    return stops


def optimal_arm(w: World, stops: list[np.ndarray]) -> tuple[float, float]:
    """The optimal stopping rule on the simulated answers: (accuracy, judgments/item)."""
    q = np.clip(w.accuracy, *ACCURACY_BOUNDS)
    step = np.log(q / (1.0 - q))
    log_odds, used = np.zeros(len(w.truth)), np.zeros(len(w.truth), dtype=np.intp)
    active = np.ones(len(w.truth), dtype=bool)
    for slot in range(len(stops) - 1):
        rows = np.flatnonzero(active)
        sign = np.where(w.answers[rows, slot] == 0, 1.0, -1.0)
        log_odds[rows] += sign * step[w.order[rows, slot]]
        used[rows] += 1
        cell = np.clip(np.searchsorted(LOG_ODDS, log_odds[rows]), 0, len(LOG_ODDS) - 1)
        active[rows[stops[slot + 1][cell]]] = False
    return float(np.mean(np.where(log_odds >= 0, 0, 1) == w.truth)), float(used.mean())


def optimal(w: World, level: float) -> tuple[float, float, float]:
    """Hindsight over the cost per vote: the cheapest optimal rule reaching ``level``."""
    runs = [(*optimal_arm(w, optimal_stops(w.accuracy, cost))[::-1], cost) for cost in COSTS]
    reached = [run for run in runs if run[1] >= level]
    return min(reached) if reached else (float("nan"),) * 3


def report(name: str, w: World, with_optimal: bool) -> dict[str, float]:
    """Print one crowd's table; return the shares of fixed 5 the summary needs."""
    mv, weighted, expected, ties = fixed_arm(w)
    print(f"\n{name}, {w.n_classes} classes")
    print(f"  {'arm':<50} {'judgments/item':>14} {'vs fixed 5':>10} {'accuracy':>9}")
    print(f"  {f'fixed 5, majority vote ({ties} ties)':<50} {FIXED:>14.2f} {'100%':>10} {mv:>9.4f}")
    print(f"  {'fixed 5, accuracy-weighted':<50} {FIXED:>14.2f} {'100%':>10} {weighted:>9.4f}")
    shares = {}
    for policy in POLICIES:
        accuracy, used, _ = adaptive_arm(w, policy)
        check_against_decide(w, policy, used)
        label = f"adaptive {policy.min_votes}-{policy.max_votes} @ {policy.target}"
        label += " (default)" if policy == Policy() else ""
        share = used.mean() / FIXED
        print(f"  {label:<50} {used.mean():>14.2f} {share:>10.0%} {accuracy:>9.4f}")
        if policy == Policy():
            shares["default"], shares["default gain"] = share, accuracy - weighted
    scan = scan_targets(w)
    picks = {
        "fewest to match fixed 5 MV": fewest(scan, mv),
        "fewest to match fixed 5 weighted": fewest(scan, weighted),
        "target from expected accuracy": without_truth(scan, expected),
    }
    for goal, (used_mean, target, accuracy, _) in picks.items():
        label = f"{goal} (2-7 @ {target:.3f})"
        print(f"  {label:<50} {used_mean:>14.2f} {used_mean / FIXED:>10.0%} {accuracy:>9.4f}")
        shares[goal] = used_mean / FIXED
    shares["no-truth gain"] = picks["target from expected accuracy"][2] - weighted
    if with_optimal and w.n_classes == 2:
        used_mean, accuracy, cost = optimal(w, weighted)
        label = f"optimal stopping to match weighted (cost {cost:.3f})"
        print(f"  {label:<50} {used_mean:>14.2f} {used_mean / FIXED:>10.0%} {accuracy:>9.4f}")
        shares["optimal"] = used_mean / FIXED
    return shares


def spread(values: list[float], unit: str, digits: int = 0) -> str:
    low, mid, high = np.percentile(values, [0, 50, 100])
    return f"{mid:.{digits}f}{unit} ({low:.{digits}f} to {high:.{digits}f})"


def summary(results: dict[str, list[dict[str, float]]]) -> None:
    """Median and range over the seeds of each crowd's shares of fixed 5."""
    columns = {
        "default policy: share": ("default", "%", 0),
        "its accuracy - fixed 5 weighted (points)": ("default gain", "", 1),
        "fewest to match MV": ("fewest to match fixed 5 MV", "%", 0),
        "fewest to match weighted": ("fewest to match fixed 5 weighted", "%", 0),
        "target from expected accuracy: share": ("target from expected accuracy", "%", 0),
        "its accuracy - fixed 5 weighted (points) ": ("no-truth gain", "", 1),
        "optimal stopping to match weighted": ("optimal", "%", 0),
    }
    print("\nOver the seeds, median (min to max):\n")
    print("| crowd | " + " | ".join(name.strip() for name in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for crowd, runs in results.items():
        cells = [
            spread([100 * run[key] for run in runs], unit, digits) if key in runs[0] else "-"
            for key, unit, digits in columns.values()
        ]
        print(f"| {crowd} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--experts", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seeds", type=int, default=1, help="repeat on this many seeds")
    parser.add_argument(
        "--optimal", action="store_true", help="also the Bayes-optimal stopping rule (2 classes)"
    )
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {}
    for seed in range(args.seed, args.seed + args.seeds):
        print(
            f"\n{args.items:,} items, {args.experts} experts, seed {seed}; accuracies from "
            f"{GOLD_PER_EXPERT} gold answers per expert (not counted; the same in both arms)"
        )
        for n_classes in (2, 3):
            rng = np.random.default_rng(seed)
            panel = expert_panel(args.experts, n_classes, rng)
            shares = report("Expert panel", world(panel, args.items, rng), args.optimal)
            results.setdefault(f"expert panel, {n_classes} classes", []).append(shares)
            rng = np.random.default_rng(seed)
            crowd = worker_confusions(n_workers=args.experts, n_classes=n_classes, rng=rng)
            shares = report("Open crowd", world(crowd, args.items, rng), args.optimal)
            results.setdefault(f"open crowd, {n_classes} classes", []).append(shares)
    if args.seeds > 1:
        summary(results)


if __name__ == "__main__":
    main()
