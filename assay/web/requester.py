"""Requester pages: projects, guidelines, uploads, publishing, progress, downloads."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay import quality_report
from assay.access import access_project_for_requester, organizations_of, projects_for_requester
from assay.actions import projects as project_actions
from assay.actions.imports import import_uploaded_file
from assay.actions.pools import pool_report
from assay.domain.pay import format_money, parse_money
from assay.domain.taxonomy import CONTENT_RISKS, LANGUAGES
from assay.eligibility import blocked_by, eligible_experts
from assay.errors import AssayError, InvalidInput, NotFound
from assay.models import Domain, Item, Project, QualificationTest
from assay.render import markdown_to_html
from assay.reports import (
    as_jsonl,
    dpo_records,
    dpo_summary,
    item_trace,
    judgment_records,
    progress,
)
from assay.tasktypes import all_types
from assay.tasktypes._actions import create_typed_project
from assay.web.util import current_user, member_view, requester_view


def _terms_from(form: dict[str, str]) -> project_actions.ProjectTerms:
    problems = []
    numbers: dict[str, int] = {}
    for name in ("overlap", "estimated_minutes"):
        try:
            numbers[name] = int(form.get(name, ""))
        except ValueError:
            problems.append({"field": name, "message": "enter a whole number"})
    pay_mode = form.get("pay_mode", "task")
    cap_text = form.get("hourly_cap_minutes", "").strip()
    cap = int(cap_text) if cap_text.isdigit() else None
    if pay_mode == "hour" and cap is None:
        problems.append({"field": "hourly_cap_minutes", "message": "enter a whole number"})
    try:
        numbers["pay_cents"] = parse_money(form.get("pay", ""))
    except ValueError:
        problems.append({"field": "pay", "message": "enter an amount such as 1.50"})
    if problems:
        raise InvalidInput("Please correct the highlighted fields.", details=problems)
    return project_actions.ProjectTerms(
        name=form.get("name", ""),
        description=form.get("description", ""),
        overlap=numbers["overlap"],
        pay_cents=numbers["pay_cents"],
        estimated_minutes=numbers["estimated_minutes"],
        admission=form.get("admission", "open"),
        pay_mode=pay_mode,
        hourly_cap_minutes=cap,
    )


def _requirements_from(form: QueryDict) -> project_actions.RequirementsUpdate:
    skill = form.get("min_skill_score", "0") or "0"
    test = form.get("qualification", "")
    if not skill.isdigit():
        raise InvalidInput("Enter a whole number for the minimum skill score.")
    return project_actions.RequirementsUpdate(
        domain=form.get("domain", ""),
        min_skill_score=int(skill),
        required_language=form.get("required_language", ""),
        qualification_id=int(test) if test.isdigit() else None,
        content_risks=tuple(form.getlist("content_risks")),
    )


def _number(form: QueryDict, name: str, kind: type[int] | type[float]) -> Any:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise InvalidInput(f"Enter a number for {name.replace('_', ' ')}.") from None


def _allocation_from(form: QueryDict) -> project_actions.AllocationSettings:
    deadline = form.get("deadline", "").strip()
    try:
        when = dt.datetime.fromisoformat(deadline).replace(tzinfo=dt.UTC) if deadline else None
    except ValueError:
        raise InvalidInput("Enter the deadline as a date and time.") from None
    return project_actions.AllocationSettings(
        priority=_number(form, "priority", int) or 0,
        deadline=when,
        gold_rate=(_number(form, "gold_percent", float) or 0) / 100,
        gold_feedback=bool(form.get("gold_feedback")),
        daily_cap_per_expert=_number(form, "daily_cap_per_expert", int),
        cap_per_expert=_number(form, "cap_per_expert", int),
        adaptive=bool(form.get("adaptive")),
        adaptive_max=_number(form, "adaptive_max", int) or 7,
        confidence_target=(_number(form, "confidence_percent", float) or 95) / 100,
        review_rate=(_number(form, "review_percent", float) or 0) / 100,
        review_pay_cents=_review_pay(form),
    )


def _review_pay(form: QueryDict) -> int:
    text = form.get("review_pay", "").strip()
    if not text:
        return 0
    try:
        return parse_money(text)
    except ValueError:
        raise InvalidInput("Enter the review pay as an amount such as 1.00.") from None


@requester_view
def project_list(request: HttpRequest) -> HttpResponse:
    projects = projects_for_requester(current_user(request)).order_by("-created_at")
    rows = [(p, progress(p)) for p in projects.select_related("organization")]
    return render(request, "assay/projects.html", {"rows": rows})


@requester_view
def project_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    values = {"overlap": "3", "estimated_minutes": "4", "pay": "1.20", "admission": "open"}
    values["task_type"] = request.GET.get("task_type", "pairwise")
    kinds = {"types": all_types()}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in request.POST if k != "csrfmiddlewaretoken"}
        try:
            organization = organizations_of(user).order_by("id").first()
            if organization is None:
                raise InvalidInput("You belong to no organization.", code="no_organization")
            project = create_typed_project(
                actor=user,
                organization=organization,
                terms=_terms_from(values),
                guidelines=values.get("guidelines", ""),
                task_type=values.get("task_type") or "pairwise",
                task_config=_config_from(values.get("task_config", "")),
            )
        except AssayError as error:
            return render(
                request,
                "assay/project_new.html",
                {"values": values, "error": error} | kinds,
                status=error.status,
            )
        messages.success(request, "Project created. Upload items, then publish.")
        return redirect("project", project_id=project.id)
    return render(request, "assay/project_new.html", {"values": values} | kinds)


def _config_from(text: str) -> dict[str, Any]:
    """The wizard's task settings, JSON text; an empty box is the type's defaults."""
    try:
        value = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"Task settings are not valid JSON: {error.msg} (line {error.lineno}).",
            details=[{"field": "task_config", "message": "not valid JSON"}],
        ) from None
    if not isinstance(value, dict):
        raise InvalidInput("Task settings must be a JSON object.")
    return value


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _detail_context(project: Project) -> dict[str, object]:
    rate = project.hourly_rate_cents
    return {
        "project": project,
        "pay": format_money(project.pay_cents, project.currency),
        "rate": format_money(rate, project.currency),
        "guidelines_html": markdown_to_html(project.guidelines.body) if project.guidelines else "",
        "versions": project.guideline_versions.order_by("-number"),
        "publish_problems": project_actions.publish_problems(project)
        if project.status == Project.Status.DRAFT
        else [],
        "progress": progress(project),
        "dpo": dpo_summary(project),
        "admitted": project.projectexpert_set.select_related("expert"),
        "pay_input": _amount(project.pay_cents),
        "review_pay_input": _amount(project.review_pay_cents) if project.review_pay_cents else "",
        "pool": pool_report(
            project,
            eligible=sum(1 for _ in eligible_experts(project)),
            blocked_by=blocked_by(project),
        )
        if project.status == Project.Status.PUBLISHED
        else None,
        "domains": Domain.objects.order_by("name"),
        "languages": sorted(LANGUAGES.items(), key=lambda kv: kv[1]),
        "risks": CONTENT_RISKS.items(),
        "tests": QualificationTest.objects.filter(
            Q(project=project) | Q(project__isnull=True), published=True
        ).order_by("title"),
    }


@member_view
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project_for_requester(current_user(request), project_id)
    return render(request, "assay/project_detail.html", _detail_context(project))


ACTIONS = {
    "guidelines",
    "terms",
    "publish",
    "admit",
    "upload",
    "close",
    "requirements",
    "allocation",
}


def _act(request: HttpRequest, project_id: int, action: str) -> HttpResponse:
    user = current_user(request)
    if action not in ACTIONS:
        raise NotFound("No such page.")
    project = access_project_for_requester(user, project_id)
    form = request.POST
    try:
        if action == "guidelines":
            version = project_actions.revise_guidelines(
                actor=user, project=project, body=form.get("body", "")
            )
            messages.success(request, f"Guidelines saved as version {version.number}.")
        elif action == "terms":
            project_actions.update_terms(
                actor=user, project=project, terms=_terms_from({k: form.get(k, "") for k in form})
            )
            messages.success(request, "Terms saved.")
        elif action == "publish":
            project_actions.publish_project(actor=user, project=project)
            messages.success(request, "Published. Experts can take tasks now.")
        elif action == "requirements":
            project_actions.set_requirements(
                actor=user, project=project, update=_requirements_from(form)
            )
            messages.success(request, "Requirements saved.")
        elif action == "allocation":
            project_actions.set_allocation(
                actor=user, project=project, settings_=_allocation_from(form)
            )
            messages.success(request, "Allocation settings saved.")
        elif action == "close":
            project_actions.close_project(actor=user, project=project)
            messages.success(request, "Closed. No new tasks are handed out.")
        elif action == "admit":
            project_actions.admit_expert(actor=user, project=project, email=form.get("email", ""))
            messages.success(request, "Expert admitted.")
        elif action == "upload":
            upload = request.FILES.get("file")
            if upload is None:
                raise InvalidInput("Choose a file to upload.", code="no_file")
            report = import_uploaded_file(actor=user, project=project, upload=upload)
            messages.success(request, f"Imported {report.created} items.")
    except AssayError as error:
        project.refresh_from_db()
        context = _detail_context(project) | {"error": error, "error_section": action}
        return render(request, "assay/project_detail.html", context, status=error.status)
    return redirect("project", project_id=project.id)


@member_view
@require_POST
def project_action(request: HttpRequest, project_id: int, action: str) -> HttpResponse:
    return _act(request, project_id, action)


@member_view
def project_progress(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project_for_requester(current_user(request), project_id)
    context = {"project": project, "progress": progress(project), "dpo": dpo_summary(project)}
    return render(request, "assay/partials/progress.html", context)


@member_view
def project_export(request: HttpRequest, project_id: int, kind: str) -> StreamingHttpResponse:
    project = access_project_for_requester(current_user(request), project_id)
    if kind not in {"dpo", "judgments"}:
        raise NotFound("No such export.")
    records = dpo_records(project) if kind == "dpo" else judgment_records(project)
    response = StreamingHttpResponse(as_jsonl(records), content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="project-{project.id}-{kind}.jsonl"'
    return response


PAGE = 50


@member_view
def project_items(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project_for_requester(current_user(request), project_id)
    items = Item.objects.filter(project=project).order_by("id")
    search = request.GET.get("q", "").strip()
    if search:
        items = items.filter(external_id__icontains=search)
    page = request.GET.get("page", "1")
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    rows = list(items[(number - 1) * PAGE : number * PAGE + 1])
    context = {
        "project": project,
        "items": rows[:PAGE],
        "page": number,
        "more": len(rows) > PAGE,
        "q": search,
    }
    return render(request, "assay/items.html", context)


@member_view
def item_trace_page(request: HttpRequest, project_id: int, item_pk: int) -> HttpResponse:
    project = access_project_for_requester(current_user(request), project_id)
    item = Item.objects.filter(project=project, id=item_pk).first()
    if item is None:
        raise NotFound("No such item in this project.", code="item_not_found")
    context = {
        "project": project,
        "item": item,
        "trace": item_trace(item),
        "overlap": item.target_overlap or project.overlap,
    }
    return render(request, "assay/item_trace.html", context)


def _sparkline(points: list[float | None], width: int = 320, height: int = 60) -> str:
    """SVG points for alpha over time (alpha runs from -1 to 1; the page draws 0 to 1)."""
    values = [p for p in points if p is not None]
    if len(values) < 2:
        return ""
    step = width / (len(values) - 1)
    coords = [
        f"{n * step:.1f},{height - max(0.0, min(1.0, v)) * height:.1f}"
        for n, v in enumerate(values)
    ]
    return " ".join(coords)


@member_view
def project_quality(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project_for_requester(current_user(request), project_id)
    if request.method == "POST":
        quality_report.refresh(project)
        messages.success(request, "Quality figures recomputed.")
        return redirect("project-quality", project_id=project.id)
    snapshots = list(project.snapshots.order_by("computed_at", "id"))
    last = snapshots[-1] if snapshots else None
    context = {
        "project": project,
        "snapshot": last,
        "data": last.data if last else {},
        "new_judgments": project.judgments.count() - (last.judgment_count if last else 0),
        "spark": _sparkline([s.data.get("alpha") for s in snapshots]),
        "runs": len(snapshots),
    }
    return render(request, "assay/project_quality.html", context)
