"""AI pre-grading of a pairwise item: the judge's prompt and the reading of its reply.

Pure functions, no I/O. The judge answers with JSON ``{"preference": "a"|"b"|"tie",
"confidence": 0..1, "reason": "..."}``; a reply that is not that is no grade (and the
item stays ungraded), never a guess.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

SYSTEM = (
    "You compare two responses to the same prompt. Answer with one JSON object only: "
    '{"preference": "a" or "b" or "tie", "confidence": a number from 0 to 1, '
    '"reason": one sentence}.'
)
# Below this confidence an item counts as hard: experts should look at it first.
HARD_BELOW = 0.6
# A hard item's ``Item.priority``: untouched hard items are offered before others. It only
# orders them; overlap, pay and who may take the item stay as they were.
HARD_PRIORITY = 1
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


@dataclass(frozen=True)
class Pregrade:
    preference: str
    confidence: float
    reason: str

    @property
    def hard(self) -> bool:
        return self.preference == "tie" or self.confidence < HARD_BELOW


def messages(
    prompt: str, response_a: str, response_b: str, instructions: str = ""
) -> list[dict[str, str]]:
    system = f"{SYSTEM}\n\n{instructions}".strip()
    user = f"# Prompt\n{prompt}\n\n# Response A\n{response_a}\n\n# Response B\n{response_b}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def read(reply: str) -> Pregrade | None:
    """The grade in ``reply``, or None if it holds none."""
    found = _OBJECT.search(reply)
    try:
        data = json.loads(found.group(0)) if found else None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    preference = str(data.get("preference", "")).strip().lower()
    confidence = data.get("confidence")
    if preference not in ("a", "b", "tie") or not isinstance(confidence, int | float):
        return None
    if isinstance(confidence, bool) or not 0 <= confidence <= 1:
        return None
    return Pregrade(preference, float(confidence), str(data.get("reason", ""))[:500])
