"""What an expert sees of a graded attempt: score, pass mark, feedback per category.

The answer key is shown only once every attempt is used, so it never helps a
retake; before that, feedback is per category.
"""

from __future__ import annotations

from typing import Any

from assay import clock
from assay.actions.qualification import cycle_attempts, keyed
from assay.domain.grading import grade
from assay.models import Attempt


def result_of(attempt: Attempt) -> dict[str, Any]:
    test = attempt.test
    questions = list(test.questions.all())
    answers = {a.question_id: a for a in attempt.answers.all()}
    reviewed = {k: a.points_awarded for k, a in answers.items() if a.points_awarded is not None}
    graded = grade(
        [keyed(x) for x in questions], {k: a.value for k, a in answers.items()}, reviewed
    )
    used = len(cycle_attempts(attempt.expert_id, test, clock.now()))
    finished = attempt.status in (Attempt.Status.GRADED, Attempt.Status.EXPIRED)
    show_key = finished and used >= test.max_attempts
    earning = getattr(attempt, "earning", None)
    return {
        "attempt_id": attempt.id,
        "status": attempt.status,
        "score": attempt.score,
        "pass_mark": test.pass_mark,
        "passed": attempt.passed,
        "pay_cents": earning.amount_cents if earning else 0,
        "currency": test.currency,
        "by_category": {k: [got, most] for k, (got, most) in graded.by_category.items()},
        "answer_key_shown": show_key,
        "answer_key": {x.id: x.answer or x.rubric for x in questions} if show_key else None,
        "reviewer_notes": {k: a.review_note for k, a in answers.items() if a.review_note},
    }
