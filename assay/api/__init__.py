"""The JSON API under /api/v1/, with its OpenAPI schema at /api/v1/openapi.json."""

from assay.api.app import api, not_found

__all__ = ["api", "not_found"]
