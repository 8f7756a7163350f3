"""Assay's quality math: truth inference, pairwise ranking, ratings, agreement, adaptive stopping.

Pure numpy, no Django and no I/O outside ``io`` and ``cli``: the functions take coded
long-format arrays and return frozen dataclasses, so they can be tested as plain
functions and called from actions, the CLI or a notebook. See docs/quality-methods.md.
"""

from assay.quality.adaptive import Decision, Policy, decide
from assay.quality.agreement import (
    WorkerAgreement,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    worker_agreement,
)
from assay.quality.labels import (
    DawidSkeneResult,
    Judgments,
    MajorityVoteResult,
    OneCoinResult,
    Truth,
    dawid_skene,
    dawid_skene_posterior,
    judgments,
    majority_vote,
    one_coin,
)
from assay.quality.pairwise import (
    Comparisons,
    CrowdBTResult,
    Leaderboard,
    bradley_terry,
    comparisons,
    crowd_bt,
    ranking_pairs,
    win_probability,
)
from assay.quality.ratings import RatingsResult, aggregate_ratings

__all__ = [
    "Comparisons",
    "CrowdBTResult",
    "DawidSkeneResult",
    "Decision",
    "Judgments",
    "Leaderboard",
    "MajorityVoteResult",
    "OneCoinResult",
    "Policy",
    "RatingsResult",
    "Truth",
    "WorkerAgreement",
    "aggregate_ratings",
    "bradley_terry",
    "comparisons",
    "crowd_bt",
    "dawid_skene",
    "dawid_skene_posterior",
    "decide",
    "fleiss_kappa",
    "judgments",
    "krippendorff_alpha",
    "majority_vote",
    "one_coin",
    "percent_agreement",
    "ranking_pairs",
    "win_probability",
    "worker_agreement",
]
