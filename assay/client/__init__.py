"""Assay's Python SDK for requesters (docs/sdk.md).

from assay.client import Client
with Client("https://assay.example", token) as assay:
    project = assay.create_project(name="Helpfulness", pay_cents=150, estimated_minutes=3)
    assay.upload_items(project.id, rows)
    assay.publish(project.id)
    assay.wait(project.id, progress=True)
    dataset = assay.export(project.id, "preference").to_datasets(test_size=0.1)
"""

from assay.client._client import Client, Export
from assay.client._errors import (
    APIError,
    AssayClientError,
    AuthenticationFailed,
    Conflict,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    TransportError,
    WaitTimeout,
)
from assay.client._models import ExportInfo, Progress, Project

__all__ = [
    "APIError",
    "AssayClientError",
    "AuthenticationFailed",
    "Client",
    "Conflict",
    "Export",
    "ExportInfo",
    "InvalidRequest",
    "NotFound",
    "PermissionDenied",
    "Progress",
    "Project",
    "TransportError",
    "WaitTimeout",
]
