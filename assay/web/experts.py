"""Expert pages: profile, qualification tests, attempts and results."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay import clock
from assay.access import access_attempt_by_id, access_test_for_expert, tests_open_to
from assay.actions import qualification as q
from assay.actions.profiles import DomainEntry, ProfileUpdate, current_profile, update_profile
from assay.domain.pay import format_money, hourly_rate_cents
from assay.domain.taxonomy import CONTENT_RISKS, LANGUAGES, LEVELS
from assay.errors import AssayError
from assay.models import Attempt, Domain, Question
from assay.qualification_views import result_of
from assay.render import markdown_to_html
from assay.web.util import current_user, expert_view, member_view


def _profile_from(form: dict[str, list[str]]) -> ProfileUpdate:
    domains = []
    for slug in form.get("domain", []):
        years = (form.get(f"years_{slug}") or ["0"])[0]
        pair = (form.get(f"pair_{slug}") or [""])[0].strip().lower()
        domains.append(DomainEntry(slug, int(years) if years.isdigit() else -1, pair))
    languages = {}
    for code in form.get("language", []):
        languages[code] = (form.get(f"level_{code}") or [""])[0]
    hours = (form.get("weekly_hours") or ["0"])[0]
    return ProfileUpdate(
        domains=domains,
        languages=languages,
        country=(form.get("country") or [""])[0].strip().upper(),
        timezone=(form.get("timezone") or ["UTC"])[0].strip(),
        weekly_hours=int(hours) if hours.isdigit() else -1,
        content_opt_outs=form.get("opt_out", []),
        show_identity=bool(form.get("show_identity")),
        email_alerts=bool(form.get("email_alerts")),
    )


@expert_view
def profile(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    error = None
    values = current_profile(user)
    if request.method == "POST":
        values = _profile_from(dict(request.POST.lists()))
        try:
            update_profile(expert=user, update=values)
        except AssayError as problem:
            error = problem
        else:
            messages.success(request, "Profile saved.")
            return redirect("profile")
    context = {
        "values": values,
        "chosen": {d.slug: d for d in values.domains},
        "domains": Domain.objects.order_by("name"),
        "languages": sorted(LANGUAGES.items(), key=lambda kv: kv[1]),
        "levels": LEVELS,
        "risks": CONTENT_RISKS.items(),
        "error": error,
        "pseudonym": user.expert_profile.pseudonym,
    }
    return render(request, "assay/profile.html", context, status=error.status if error else 200)


@expert_view
def qualifications(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    now = clock.now()
    rows = []
    for test in tests_open_to(user).select_related("domain", "project").order_by("title"):
        rows.append(
            {
                "test": test,
                "pay": format_money(test.pay_cents, test.currency),
                "rate": format_money(
                    hourly_rate_cents(test.pay_cents, test.estimated_minutes), test.currency
                ),
                "blocked": q.next_start(user, test, now),
                "open": Attempt.objects.filter(
                    expert=user, test=test, status="in_progress"
                ).first(),
            }
        )
    return render(request, "assay/qualifications.html", {"rows": rows, "skills": user.skills.all()})


@member_view
@require_POST
def start_test(request: HttpRequest, test_id: int) -> HttpResponse:
    test = access_test_for_expert(current_user(request), test_id)
    attempt = q.start_attempt(expert=current_user(request), test=test)
    return redirect("attempt", attempt_id=attempt.id)


@member_view
def attempt_page(request: HttpRequest, attempt_id: int) -> HttpResponse:
    user = current_user(request)
    attempt = access_attempt_by_id(user, attempt_id)
    q.expire_if_late(attempt)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("attempt-result", attempt_id=attempt.id)
    error = None
    answers: dict[int, str] = {}
    if request.method == "POST":
        answers = {x.id: request.POST.get(f"q{x.id}", "") for x in attempt.test.questions.all()}
        try:
            q.submit_attempt(expert=user, attempt=attempt, answers=answers)
        except AssayError as problem:
            error = problem
            attempt.refresh_from_db()
            if attempt.status != Attempt.Status.IN_PROGRESS or problem.code == "time_limit_passed":
                messages.error(request, problem.message)
                q.expire_if_late(attempt)
                return redirect("attempt-result", attempt_id=attempt.id)
        else:
            return redirect("attempt-result", attempt_id=attempt.id)
    questions = [
        {
            "q": x,
            "prompt": markdown_to_html(x.prompt),
            "a": markdown_to_html(x.response_a),
            "b": markdown_to_html(x.response_b),
            "value": answers.get(x.id, ""),
            "options": list(enumerate(x.options or [])),
        }
        for x in attempt.test.questions.all()
    ]
    context = {
        "attempt": attempt,
        "questions": questions,
        "error": error,
        "pay": format_money(attempt.test.pay_cents, attempt.test.currency),
    }
    return render(request, "assay/attempt.html", context, status=error.status if error else 200)


def _shown(question: Question, answer: str) -> str:
    if question.kind == "choice" and answer.isdigit() and int(answer) < len(question.options):
        return str(question.options[int(answer)])
    return {"a": "A is better", "b": "B is better", "tie": "Tie"}.get(answer, answer)


@member_view
def attempt_result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = access_attempt_by_id(current_user(request), attempt_id)
    q.expire_if_late(attempt)
    result = result_of(attempt)
    questions = {x.id: x for x in attempt.test.questions.all()}
    key = [(questions[k], _shown(questions[k], v)) for k, v in (result["answer_key"] or {}).items()]
    context = {
        "attempt": attempt,
        "result": result,
        "pay": format_money(result["pay_cents"], result["currency"]),
        "key": key,
        "notes": [(questions[k], v) for k, v in result["reviewer_notes"].items()],
    }
    return render(request, "assay/attempt_result.html", context)
