from assay.models.accounts import ApiToken, ExpertProfile, Membership, Organization, User
from assay.models.endpoints import GenerationRun, ModelCall, ModelEndpoint, ProjectJudge
from assay.models.experts import Credential, Domain, Evidence, ExpertDomain, ExpertLanguage, Skill
from assay.models.exports import (
    ExportContribution,
    ExportRecord,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookScan,
)
from assay.models.governance import (
    AlgorithmChange,
    Appeal,
    AuditEvent,
    Decision,
    Recommendation,
    RequesterRating,
    Restriction,
)
from assay.models.ledger import (
    Account,
    Entry,
    IdempotentRequest,
    Payout,
    PayoutBatch,
    Transaction,
)
from assay.models.pools import Notification, PoolMember
from assay.models.projects import GuidelineVersion, Project, ProjectExpert
from assay.models.qualification import Answer, Attempt, Earning, QualificationTest, Question
from assay.models.work import Flag, Item, Judgment, Lease, QualitySnapshot, Review

__all__ = [
    "Account",
    "AlgorithmChange",
    "Answer",
    "ApiToken",
    "Appeal",
    "Attempt",
    "AuditEvent",
    "Credential",
    "Decision",
    "Domain",
    "Earning",
    "Entry",
    "Evidence",
    "ExpertDomain",
    "ExpertLanguage",
    "ExpertProfile",
    "ExportContribution",
    "ExportRecord",
    "Flag",
    "GenerationRun",
    "GuidelineVersion",
    "IdempotentRequest",
    "Item",
    "Judgment",
    "Lease",
    "Membership",
    "ModelCall",
    "ModelEndpoint",
    "Notification",
    "Organization",
    "Payout",
    "PayoutBatch",
    "PoolMember",
    "Project",
    "ProjectExpert",
    "ProjectJudge",
    "QualificationTest",
    "QualitySnapshot",
    "Question",
    "Recommendation",
    "RequesterRating",
    "Restriction",
    "Review",
    "Skill",
    "Transaction",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookScan",
]
