"""The review stage's rules: which submissions are sampled, why one can be rejected, and
what a valid review outcome is.

Pure functions of plain values: no Django, no clock. The reads and writes are in
``assay.actions.reviews``; docs/reviews.md is the user-facing page.
"""

from __future__ import annotations

import hashlib

from assay.domain.pairwise import CHOICES

OUTCOMES = ("approved", "rejected", "corrected")
MAX_NOTE_CHARS = 1024
_SCALE = 2**64

# The closed list a rejection picks from (FAIRWORK item 12). The description is shown
# to the author next to the reviewer's note; adding a code is a documented change.
REASONS: dict[str, str] = {
    "wrong_choice": "The chosen response is clearly not the better one under the guidelines.",
    "rationale_missing_reason": (
        "The rationale does not name the difference that decides between the responses."
    ),
    "guideline_violation": "The judgment ignores a rule stated in the project's guidelines.",
    "unsafe_content_missed": (
        "A response contains unsafe or harmful content that the judgment did not account for."
    ),
    "low_effort": "The judgment shows no sign of reading both responses.",
}


def sample_point(judgment_id: int) -> float:
    """A stable number in [0, 1) for a judgment: the same id always maps to the same point.

    SHA-256 rather than ``hash()``, which is salted per process for strings and
    would make the sample differ between server processes.
    """
    digest = hashlib.sha256(f"assay-review:{judgment_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def effective_rate(rate: float, *, sensitive: bool) -> float:
    """Every submission in a sensitive domain is reviewed; elsewhere the project's rate."""
    return 1.0 if sensitive else min(1.0, max(0.0, rate))


def is_sampled(judgment_id: int, rate: float, *, sensitive: bool) -> bool:
    """Rate 0 never samples, rate 1 always does (the point is below 1)."""
    return sample_point(judgment_id) < effective_rate(rate, sensitive=sensitive)


def outcome_problems(
    *, outcome: str, reason_code: str, note: str, corrected_choice: str, original_choice: str
) -> dict[str, str]:
    """Field name to message, for every field a review decision gets wrong."""
    problems: dict[str, str] = {}
    if outcome not in OUTCOMES:
        problems["outcome"] = "choose approved, rejected or corrected"
        return problems
    if len(note) > MAX_NOTE_CHARS:
        problems["note"] = f"keep the note to {MAX_NOTE_CHARS} characters"
    if outcome == "rejected":
        if reason_code not in REASONS:
            problems["reason_code"] = "pick a reason from the list: " + ", ".join(REASONS)
        if not note.strip():
            problems.setdefault("note", "say what was wrong, for the author to read")
    elif reason_code:
        problems["reason_code"] = "only a rejection carries a reason code"
    if outcome == "corrected":
        if corrected_choice not in CHOICES:
            problems["corrected_choice"] = "choose A, B or tie"
        elif corrected_choice == original_choice:
            problems["corrected_choice"] = "a correction must differ from the author's choice"
    elif corrected_choice:
        problems["corrected_choice"] = "only a correction carries a corrected choice"
    return problems
