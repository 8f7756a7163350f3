from assay.models.accounts import ApiToken, ExpertProfile, Membership, Organization, User
from assay.models.experts import Credential, Domain, Evidence, ExpertDomain, ExpertLanguage, Skill
from assay.models.pools import Notification, PoolMember
from assay.models.projects import GuidelineVersion, Project, ProjectExpert
from assay.models.qualification import Answer, Attempt, Earning, Question, QualificationTest
from assay.models.work import Item, Judgment, Lease

__all__ = [
    "Answer",
    "ApiToken",
    "Attempt",
    "Credential",
    "Domain",
    "Earning",
    "Evidence",
    "ExpertDomain",
    "ExpertLanguage",
    "Notification",
    "PoolMember",
    "QualificationTest",
    "Question",
    "Skill",
    "ExpertProfile",
    "GuidelineVersion",
    "Item",
    "Judgment",
    "Lease",
    "Membership",
    "Organization",
    "Project",
    "ProjectExpert",
    "User",
]
