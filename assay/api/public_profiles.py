"""What a requester may see of an expert: pseudonymous unless the expert opts in."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from assay import clock
from assay.access import access_expert_by_pseudonym
from assay.api.auth import actor
from assay.domain.credentials import is_current

router = Router(tags=["experts"])


class ExpertCardOut(Schema):
    pseudonym: str
    name: str | None
    domains: list[str]
    verified_credentials: list[str]
    skills: dict[str, int]
    judgments: int


@router.get("/experts/{pseudonym}", response=ExpertCardOut)
def expert_card(request: HttpRequest, pseudonym: str) -> ExpertCardOut:
    expert = access_expert_by_pseudonym(actor(request), pseudonym)
    profile = expert.expert_profile
    today = clock.now().date()
    verified = sorted(
        {
            c.domain.name
            for c in expert.credentials.select_related("domain")
            if is_current(
                status=c.status,
                verified_until=c.verified_until,
                expires_on=c.expires_on,
                today=today,
            )
        }
    )
    skills: dict[str, int] = {}
    for skill in expert.skills.filter(expires_at__gt=clock.now()).select_related("domain"):
        skills[skill.domain.name] = max(skills.get(skill.domain.name, 0), skill.score)
    return ExpertCardOut(
        pseudonym=profile.pseudonym,
        name=(expert.get_full_name() or None) if profile.show_identity else None,
        domains=sorted(d.domain.name for d in expert.expert_domains.select_related("domain")),
        verified_credentials=verified,
        skills=skills,
        judgments=expert.judgments.count(),
    )
