"""The Bradley-Terry engine shared by ``bradley_terry`` and ``crowd_bt``.

Comparisons arrive as weighted "winner beats loser" rows. The fit maximizes the
weighted log-likelihood of log-strengths ``s`` plus a small prior, by Newton's method
with step halving. Hunter's MM update is simpler but needs thousands of sweeps when
scores are far apart; Newton needs a handful, because the Hessian is a weighted graph
Laplacian: dense solve for a leaderboard of models, conjugate gradients (one
``np.bincount`` pair per product) when there are many items.

The prior is ``prior`` virtual games per item against a reference of strength 0, half
won and half lost: it keeps the score of an item that never lost (or never won)
finite, pins the otherwise free additive constant, and makes the Hessian definite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assay.quality._common import FloatArray, IntArray, tally

DENSE_LIMIT = 1_500
CG_TOLERANCE = 1e-10


@dataclass(frozen=True)
class Rows:
    """Weighted win rows; ``origin`` is the input comparison each row came from."""

    winners: IntArray
    losers: IntArray
    weight: FloatArray
    workers: IntArray
    origin: IntArray


def rows_of(left: IntArray, right: IntArray, outcome: FloatArray, workers: IntArray) -> Rows:
    """A comparison becomes (left beats right, weight outcome) and the reverse, 1 - outcome."""
    origin = np.arange(len(left), dtype=np.intp)
    return Rows(
        winners=np.concatenate([left, right]),
        losers=np.concatenate([right, left]),
        weight=np.concatenate([outcome, 1.0 - outcome]),
        workers=np.concatenate([workers, workers]),
        origin=np.concatenate([origin, origin]),
    )


def flipped(rows: Rows) -> Rows:
    """Every row twice: as given, then reversed (Crowd-BT's "the judge was wrong" case)."""
    return Rows(
        winners=np.concatenate([rows.winners, rows.losers]),
        losers=np.concatenate([rows.losers, rows.winners]),
        weight=np.concatenate([rows.weight, rows.weight]),
        workers=np.concatenate([rows.workers, rows.workers]),
        origin=np.concatenate([rows.origin, rows.origin]),
    )


def sigmoid(x: FloatArray) -> FloatArray:
    result: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * x))
    return result


def log_sigmoid(x: FloatArray) -> FloatArray:
    result: FloatArray = -np.logaddexp(0.0, -x)
    return result


def objective(scores: FloatArray, rows: Rows, weight: FloatArray, prior: float) -> float:
    """Weighted log-likelihood of the rows plus the virtual games' log-likelihood."""
    # An element-wise sum, not np.dot: a BLAS call here wakes its thread pool every step.
    fit = (weight * log_sigmoid(scores[rows.winners] - scores[rows.losers])).sum()
    virtual = 0.5 * prior * (log_sigmoid(scores) + log_sigmoid(-scores)).sum()
    return float(fit + virtual)


def _solve(rows: Rows, curvature: FloatArray, diagonal: FloatArray, rhs: FloatArray) -> FloatArray:
    """Solve (D - A) x = rhs where A is the curvature-weighted adjacency of the items."""
    n = len(rhs)
    if n <= DENSE_LIMIT:
        flat = tally(rows.winners * n + rows.losers, curvature, n * n)
        adjacency = flat.reshape(n, n)
        matrix = np.diag(diagonal) - adjacency - adjacency.T
        solution: FloatArray = np.linalg.solve(matrix, rhs).astype(np.float64)
        return solution
    return _conjugate_gradient(rows, curvature, diagonal, rhs)


def _conjugate_gradient(
    rows: Rows, curvature: FloatArray, diagonal: FloatArray, rhs: FloatArray
) -> FloatArray:
    """Jacobi-preconditioned conjugate gradients with the Laplacian product done by bincount."""
    n = len(rhs)

    def product(x: FloatArray) -> FloatArray:
        spread = tally(rows.winners, curvature * x[rows.losers], n)
        spread += tally(rows.losers, curvature * x[rows.winners], n)
        result: FloatArray = diagonal * x - spread
        return result

    x = np.zeros(n)
    residual = rhs.copy()
    z = residual / diagonal
    direction = z.copy()
    rz = float(residual @ z)
    limit = CG_TOLERANCE * float(rhs @ rhs)
    for _ in range(4 * n):
        if float(residual @ residual) <= limit:
            break
        image = product(direction)
        step = rz / float(direction @ image)
        x += step * direction
        residual -= step * image
        z = residual / diagonal
        rz, previous = float(residual @ z), rz
        direction = z + (rz / previous) * direction
    return x


def newton_step(scores: FloatArray, rows: Rows, weight: FloatArray, prior: float) -> FloatArray:
    """One damped Newton step on the (concave) objective; the step halves until it improves."""
    n = len(scores)
    won = sigmoid(scores[rows.winners] - scores[rows.losers])
    surprise = weight * (1.0 - won)
    gradient = tally(rows.winners, surprise, n)
    gradient -= tally(rows.losers, surprise, n)
    gradient += prior * (0.5 - sigmoid(scores))
    curvature = weight * won * (1.0 - won)
    diagonal = tally(rows.winners, curvature, n)
    diagonal += tally(rows.losers, curvature, n)
    diagonal += prior * sigmoid(scores) * sigmoid(-scores)
    direction = _solve(rows, curvature, diagonal, gradient)
    base = objective(scores, rows, weight, prior)
    size = 1.0
    while size > 1e-6:
        candidate: FloatArray = scores + size * direction
        if objective(candidate, rows, weight, prior) >= base:
            return candidate
        size /= 2.0
    return scores


def fit(
    start: FloatArray, rows: Rows, weight: FloatArray, prior: float, tol: float, max_iter: int
) -> tuple[FloatArray, int, bool]:
    """Newton until no score moves by ``tol``: (scores, iterations, converged)."""
    scores = start
    for iteration in range(1, max_iter + 1):
        updated = newton_step(scores, rows, weight, prior)
        change = float(np.max(np.abs(updated - scores), initial=0.0))
        scores = updated
        if change < tol:
            return scores, iteration, True
    return scores, max_iter, False
