from assay.models.accounts import ApiToken, ExpertProfile, Membership, Organization, User
from assay.models.projects import GuidelineVersion, Project, ProjectExpert
from assay.models.work import Item, Judgment, Lease

__all__ = [
    "ApiToken",
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
