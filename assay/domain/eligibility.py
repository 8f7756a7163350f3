"""Who may work on a project, and for everyone who may not, why and how to change it.

A pure function of facts about the expert and the project's requirements, so
that the work page, the API and the allocator give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assay.domain.taxonomy import CONTENT_RISKS, LANGUAGES, WORKING_LEVELS


@dataclass(frozen=True)
class ExpertFacts:
    domains: frozenset[str] = frozenset()
    languages: dict[str, str] = field(default_factory=dict)
    verified_domains: frozenset[str] = frozenset()
    skill_by_domain: dict[str, int] = field(default_factory=dict)
    passed_tests: frozenset[int] = frozenset()
    opt_outs: frozenset[str] = frozenset()
    invited_to: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Requirements:
    project_id: int
    invited_only: bool = False
    domain: str = ""
    domain_name: str = ""
    sensitive: bool = False
    min_skill: int = 0
    test_id: int | None = None
    test_title: str = ""
    language: str = ""
    content_risks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Unmet:
    """One requirement the expert does not meet, in words they can act on."""

    code: str
    message: str
    fix: str
    test_id: int | None = None


def _domain_checks(facts: ExpertFacts, req: Requirements) -> list[Unmet]:
    unmet = []
    if req.domain not in facts.domains:
        unmet.append(
            Unmet(
                "domain_missing",
                f"The project needs experts in {req.domain_name}.",
                f"Add {req.domain_name} to your profile if you practise it.",
            )
        )
    if req.sensitive and req.domain not in facts.verified_domains:
        unmet.append(
            Unmet(
                "credential_required",
                f"{req.domain_name} is a sensitive domain: it needs a verified credential.",
                f"Add a credential in {req.domain_name} with evidence; an operator will verify it.",
            )
        )
    score = facts.skill_by_domain.get(req.domain)
    if req.min_skill and (score is None or score < req.min_skill):
        have = "no current score" if score is None else f"a score of {score}"
        unmet.append(
            Unmet(
                "skill_too_low",
                f"The project needs a {req.domain_name} skill score of at least "
                f"{req.min_skill}; you have {have}.",
                f"Pass a {req.domain_name} qualification test with that score.",
            )
        )
    return unmet


def unmet_requirements(facts: ExpertFacts, req: Requirements) -> list[Unmet]:
    """Every requirement of ``req`` that ``facts`` fail, in a stable order; empty means eligible."""
    unmet: list[Unmet] = []
    if req.invited_only and req.project_id not in facts.invited_to:
        unmet.append(
            Unmet(
                "not_invited",
                "This project is open to invited experts only.",
                "The requester admits experts by invitation.",
            )
        )
    if req.domain:
        unmet.extend(_domain_checks(facts, req))
    if req.test_id is not None and req.test_id not in facts.passed_tests:
        unmet.append(
            Unmet(
                "qualification_required",
                f"The project needs the qualification test “{req.test_title}”.",
                "Take the paid test; you are paid whatever the result.",
                test_id=req.test_id,
            )
        )
    if req.language and facts.languages.get(req.language) not in WORKING_LEVELS:
        name = LANGUAGES.get(req.language, req.language)
        unmet.append(
            Unmet(
                "language_missing",
                f"The project needs {name} at level C1, C2 or native.",
                f"Add {name} to your profile with your level.",
            )
        )
    avoided = sorted(req.content_risks & facts.opt_outs)
    if avoided:
        names = ", ".join(CONTENT_RISKS.get(risk, risk) for risk in avoided)
        unmet.append(
            Unmet(
                "content_opt_out",
                f"The project contains content you opted out of: {names}.",
                "Nothing to do: opting out carries no penalty. Change your "
                "opt-outs on your profile if you wish.",
            )
        )
    return unmet
