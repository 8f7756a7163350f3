"""Due-process rules as data and pure functions: the published reason codes for every
adverse action, the graduated-response rule, and appeal deadlines.

The list is closed and versioned: an action can only cite a code listed here for its
kind, and every decision stores ``RULES_VERSION`` so the rule it applied can be read
later even after the list changes. docs/governance.md publishes it; ``/rules/`` and
``GET /api/v1/rules`` serve it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assay.domain.ledger import UNPAID_REASONS
from assay.domain.reviews import REASONS as REVIEW_REASONS
from assay.domain.taxonomy import DECLINE_REASONS

RULES_VERSION = 1


@dataclass(frozen=True)
class ReasonCode:
    code: str
    kinds: tuple[str, ...]
    definition: str
    evidence: str
    withholds_pay: bool = False
    # Severe codes may skip the prior warning; nothing skips the human decider.
    severe: bool = False


_ACCOUNT = ("warn", "restrict", "suspend", "remove")

CODES: tuple[ReasonCode, ...] = (
    *(
        ReasonCode(
            code,
            ("reject",),
            text,
            "The submission, the guidelines version it was made under, and the note.",
            withholds_pay=code in UNPAID_REASONS,
        )
        for code, text in {**REVIEW_REASONS, **UNPAID_REASONS}.items()
    ),
    ReasonCode(
        "low_gold_accuracy",
        _ACCOUNT,
        "Gold accuracy well under the project's bar over a meaningful sample of gold items.",
        "The gold items judged, the expected answers, and the accuracy with its interval; "
        "at least the minimum evidence sample.",
    ),
    ReasonCode(
        "repeated_low_effort",
        _ACCOUNT,
        "Repeated submissions far faster than the item's usual time or with copied "
        "rationales, confirmed by a person.",
        "The flagged submissions and the signals on each; at least the minimum sample.",
    ),
    ReasonCode(
        "guideline_disregard",
        _ACCOUNT,
        "Repeatedly ignoring a stated rule of a project's guidelines after feedback.",
        "The submissions, the rule, and the earlier feedback.",
    ),
    ReasonCode(
        "fraud",
        _ACCOUNT,
        "Automation, account sharing, or work submitted by someone else.",
        "The submissions and the signals that show it.",
        severe=True,
    ),
    ReasonCode(
        "credential_misrepresented",
        _ACCOUNT,
        "A credential that turned out to be false or someone else's.",
        "The credential, the evidence file, and the check that failed.",
        severe=True,
    ),
    ReasonCode(
        "harassment",
        _ACCOUNT,
        "Abusive content aimed at people, in submissions or messages.",
        "The content.",
        severe=True,
    ),
    *(
        ReasonCode(
            code,
            ("decline_credential",),
            text,
            "The credential and its evidence file.",
        )
        for code, text in DECLINE_REASONS.items()
    ),
)

BY_KIND: dict[str, dict[str, ReasonCode]] = {}
for _code in CODES:
    for _kind in _code.kinds:
        BY_KIND.setdefault(_kind, {})[_code.code] = _code

SIGN_OFF_WINDOW = dt.timedelta(days=30)


def code_for(kind: str, code: str) -> ReasonCode | None:
    return BY_KIND.get(kind, {}).get(code)


def graduated_problems(
    *,
    kind: str,
    code: ReasonCode,
    evidence_items: int,
    minimum_sample: int,
    prior_warnings: int,
) -> list[str]:
    """What stops a suspension or removal: too little evidence, or no warning first.

    One failed check never removes anyone: suspensions and removals need a sample of at
    least ``minimum_sample`` evidence items, and removals a prior warning, except for
    codes documented as severe.
    """
    problems: list[str] = []
    if kind in ("suspend", "remove") and not code.severe and evidence_items < minimum_sample:
        problems.append(
            f"A {kind} needs at least {minimum_sample} evidence items; this cites {evidence_items}."
        )
    if kind == "remove" and not code.severe and prior_warnings == 0:
        problems.append("A removal needs an earlier warning for a reason of this kind.")
    return problems


def needs_second_signoff(
    *, decided_at: dt.datetime, last_appeal_or_complaint: dt.datetime | None
) -> bool:
    """Retaliation guard: an adverse action within 30 days of the expert's own appeal or
    complaint takes effect only when a second operator signs it off."""
    return (
        last_appeal_or_complaint is not None
        and decided_at - last_appeal_or_complaint <= SIGN_OFF_WINDOW
    )


def appeal_deadlines(
    filed_at: dt.datetime, *, acknowledge_days: int, decide_days: int
) -> tuple[dt.datetime, dt.datetime]:
    return (
        filed_at + dt.timedelta(days=acknowledge_days),
        filed_at + dt.timedelta(days=decide_days),
    )
