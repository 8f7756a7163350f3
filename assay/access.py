"""The only way to fetch an object for a user: each accessor checks permission.

An object the user may not see is reported as not found, whatever the
user's role, so its existence does not leak across organizations or to
experts outside a project. Role checks (``require_*``) guard actions that
name no object, such as creating a project or asking for the next task.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from assay.errors import NotFound, WrongRole
from assay.models import (
    Answer,
    Appeal,
    Attempt,
    Credential,
    Decision,
    Domain,
    Evidence,
    Flag,
    GuidelineVersion,
    Item,
    Judgment,
    Lease,
    Organization,
    PayoutBatch,
    Project,
    ProjectExpert,
    QualificationTest,
    Recommendation,
    Review,
    User,
)
from assay.sql import Columns, run_sql

M = TypeVar("M", bound=Model)


def require_requester(user: User) -> None:
    if not user.is_requester:
        raise WrongRole("Only members of a requester organization can do this.")


def require_expert(user: User) -> None:
    if not user.is_expert:
        raise WrongRole("Only experts can take and submit tasks.")


def organizations_of(user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(membership__user=user)


def access_organization_by_id(user: User, organization_id: int) -> Organization:
    organization = organizations_of(user).filter(id=organization_id).first()
    if organization is None:
        raise NotFound("No such organization.")
    return organization


def projects_for_requester(user: User) -> QuerySet[Project]:
    return Project.objects.filter(organization__membership__user=user)


def access_project_for_requester(user: User, project_id: int) -> Project:
    project = projects_for_requester(user).filter(id=project_id).first()
    if project is None:
        raise NotFound("No such project.", code="project_not_found")
    return project


def projects_open_to(expert: User) -> QuerySet[Project]:
    invited = Q(admission=Project.Admission.INVITED, projectexpert__expert=expert)
    return Project.objects.filter(
        Q(admission=Project.Admission.OPEN) | invited, status=Project.Status.PUBLISHED
    ).distinct()


_PROJECT = Columns(Project, "p")
_GUIDELINES = Columns(GuidelineVersion, "g")
_DOMAIN = Columns(Domain, "d")
_TEST = Columns(QualificationTest, "q")
# ``projects_open_to`` for one project, with what eligibility reads, in one statement:
# every next-task call with a project runs it (hand-written, see assay.sql).
_OPEN_PROJECT = (
    f"SELECT {_PROJECT.sql}, {_GUIDELINES.sql}, {_DOMAIN.sql}, {_TEST.sql} "  # noqa: S608
    f"FROM {Project._meta.db_table} p "
    f"LEFT JOIN {GuidelineVersion._meta.db_table} g ON g.id = p.guidelines_id "
    f"LEFT JOIN {Domain._meta.db_table} d ON d.id = p.domain_id "
    f"LEFT JOIN {QualificationTest._meta.db_table} q ON q.id = p.qualification_id "
    "WHERE p.id = %s AND p.status = %s AND (p.admission = %s OR (p.admission = %s AND EXISTS "
    f"(SELECT 1 FROM {ProjectExpert._meta.db_table} pe "
    "WHERE pe.project_id = p.id AND pe.expert_id = %s)))"
)


def access_project_for_expert(user: User, project_id: int) -> Project:
    rows = []
    if user.is_expert:
        params = [project_id, Project.Status.PUBLISHED.value, Project.Admission.OPEN.value]
        rows = run_sql(_OPEN_PROJECT, [*params, Project.Admission.INVITED.value, user.id])
    if not rows:
        raise NotFound("No such project.", code="project_not_found")
    row = rows[0]
    project = _PROJECT.build(row)
    at = _PROJECT.width
    for name, columns in (
        ("guidelines", _GUIDELINES),
        ("domain", _DOMAIN),
        ("qualification", _TEST),
    ):
        setattr(project, name, columns.build(row, at) if row[at] is not None else None)
        at += columns.width
    return project


def access_lease_by_id(user: User, lease_id: int) -> Lease:
    lease = Lease.objects.select_related("item", "project").filter(id=lease_id, expert=user).first()
    if lease is None:
        raise NotFound("You hold no such task.", code="lease_not_found")
    return lease


def tests_open_to(expert: User) -> QuerySet[QualificationTest]:
    """Platform tests, and the tests of projects the expert can see."""
    visible = projects_open_to(expert).values("id")
    return QualificationTest.objects.filter(published=True).filter(
        Q(project__isnull=True) | Q(project__in=visible)
    )


def access_test_for_expert(user: User, test_id: int) -> QualificationTest:
    test = tests_open_to(user).filter(id=test_id).select_related("domain").first()
    if test is None or not user.is_expert:
        raise NotFound("No such test.", code="test_not_found")
    return test


def access_attempt_by_id(user: User, attempt_id: int) -> Attempt:
    attempt = Attempt.objects.select_related("test").filter(id=attempt_id, expert=user).first()
    if attempt is None:
        raise NotFound("No such attempt.", code="attempt_not_found")
    return attempt


def answers_for_reviewer(user: User) -> QuerySet[Answer]:
    """Free-text answers this user may grade: platform tests for operators, own projects' tests."""
    scope = Q(attempt__test__project__organization__membership__user=user)
    if user.is_staff:
        scope |= Q(attempt__test__project__isnull=True)
    return (
        Answer.objects.filter(scope, question__kind="free_text")
        .exclude(attempt__expert=user)
        .select_related("question", "attempt__test")
    )


def access_answer_for_reviewer(user: User, answer_id: int) -> Answer:
    answer = answers_for_reviewer(user).filter(id=answer_id).first()
    if answer is None:
        raise NotFound("No such answer to review.", code="answer_not_found")
    return answer


def experts_known_to(user: User) -> QuerySet[User]:
    """Experts a requester has a reason to look at: invited to, pooled in or working on
    one of their organization's projects. Nobody else can be looked up."""
    projects = projects_for_requester(user).values("id")
    return User.objects.filter(
        Q(projectexpert__project__in=projects)
        | Q(pools__project__in=projects)
        | Q(leases__project__in=projects),
        role=User.Role.EXPERT,
    ).distinct()


def access_expert_by_pseudonym(user: User, pseudonym: str) -> User:
    expert = experts_known_to(user).filter(expert_profile__pseudonym=pseudonym).first()
    if expert is None:
        raise NotFound("No such expert.", code="expert_not_found")
    return expert


def access_item(project: Project, external_id: str) -> Item:
    """An item of a project the caller already accessed through a permission check."""
    item = Item.objects.filter(project=project, external_id=external_id).first()
    if item is None:
        raise NotFound("No such item in this project.", code="item_not_found")
    return item


def require_operator(user: User) -> None:
    if not user.is_staff:
        raise WrongRole("Only operators can do this.", code="not_operator")


def access_credential_for_operator(operator: User, credential_id: int) -> Credential:
    require_operator(operator)
    credential = (
        Credential.objects.select_related("domain", "expert__expert_profile", "decided_by")
        .filter(id=credential_id)
        .first()
    )
    if credential is None:
        raise NotFound("No such credential.", code="credential_not_found")
    return credential


def access_evidence(user: User, credential_id: int, evidence_id: int) -> Evidence:
    """The evidence file, for its owner or an operator; anyone else is told it does not exist."""
    evidence = (
        Evidence.objects.select_related("credential")
        .filter(id=evidence_id, credential_id=credential_id)
        .first()
    )
    if evidence is None or not (user.is_staff or evidence.credential.expert_id == user.id):
        raise NotFound("No such evidence file.", code="evidence_not_found")
    return evidence


def access_review_for_reviewer(reviewer: User, review_id: int) -> Review:
    """The review with its submission and item, only for the expert who was leased it."""
    review = (
        Review.objects.select_related("judgment__item", "judgment__guidelines", "project")
        .filter(id=review_id, reviewer=reviewer)
        .first()
    )
    if review is None:
        raise NotFound("You hold no such review.", code="review_not_found")
    return review


def flag_of(project: Project, flag_id: int) -> Flag:
    """A flag of a project the caller already accessed through a permission check."""
    flag = Flag.objects.filter(project=project, id=flag_id).first()
    if flag is None:
        raise NotFound("No such flag in this project.", code="flag_not_found")
    return flag


def access_judgment_for_requester(user: User, judgment_id: int) -> Judgment:
    """A submission in one of the requester's organization's projects."""
    judgment = (
        Judgment.objects.filter(id=judgment_id, project__in=projects_for_requester(user))
        .select_related("project")
        .first()
    )
    if judgment is None:
        raise NotFound("No such submission.", code="judgment_not_found")
    return judgment


def _for_operator(operator: User, rows: QuerySet[M], object_id: int, message: str, code: str) -> M:
    """Any row of ``rows`` by id, for an operator; to anyone else it does not exist."""
    found = rows.filter(id=object_id).first()
    if found is None or not operator.is_staff:
        raise NotFound(message, code=code)
    return found


def access_organization_for_operator(operator: User, organization_id: int) -> Organization:
    """Any organization, for an operator recording a deposit; nobody else learns it exists."""
    return _for_operator(
        operator,
        Organization.objects.all(),
        organization_id,
        "No such organization.",
        "organization_not_found",
    )


def access_payout_batch_for_operator(operator: User, batch_id: int) -> PayoutBatch:
    return _for_operator(
        operator, PayoutBatch.objects.all(), batch_id, "No such payout batch.", "batch_not_found"
    )


# Governance (docs/governance.md) --------------------------------------------------------


def decisions_about(expert: User) -> QuerySet[Decision]:
    """Decisions about ``expert``: the only decisions an expert can ever look up."""
    return Decision.objects.filter(expert=expert).select_related("project")


def access_decision_for_expert(expert: User, decision_id: int) -> Decision:
    decision = decisions_about(expert).filter(id=decision_id).first()
    if decision is None:
        raise NotFound("No such decision.", code="decision_not_found")
    return decision


def access_decision_for_operator(operator: User, decision_id: int) -> Decision:
    return _for_operator(
        operator, Decision.objects.all(), decision_id, "No such decision.", "decision_not_found"
    )


def access_appeal_for_operator(operator: User, appeal_id: int) -> Appeal:
    return _for_operator(
        operator,
        Appeal.objects.select_related("decision__project", "expert__expert_profile", "assignee"),
        appeal_id,
        "No such appeal.",
        "appeal_not_found",
    )


def access_recommendation_for_operator(operator: User, recommendation_id: int) -> Recommendation:
    return _for_operator(
        operator,
        Recommendation.objects.select_related("expert"),
        recommendation_id,
        "No such recommendation.",
        "recommendation_not_found",
    )


def access_expert_for_operator(operator: User, reference: str) -> User:
    """An expert by id or email, for an operator about to decide; only experts are found."""
    text = reference.strip()
    experts = User.objects.filter(role=User.Role.EXPERT)
    if text.isdigit():
        expert = experts.filter(id=int(text)).first()
    else:
        expert = experts.filter(email__iexact=text).first() if text else None
    if expert is None or not operator.is_staff:
        raise NotFound("No such expert.", code="expert_not_found")
    return expert


def access_project_for_operator(operator: User, project_id: int) -> Project:
    return _for_operator(
        operator, Project.objects.all(), project_id, "No such project.", "project_not_found"
    )


def access_project_worked_on(expert: User, project_id: int) -> Project:
    """A project the expert submitted work to: the ones whose requester they may rate."""
    project = (
        Project.objects.filter(id=project_id, judgments__expert=expert)
        .select_related("organization")
        .first()
    )
    if project is None or not expert.is_expert:
        raise NotFound("No such project.", code="project_not_found")
    return project
