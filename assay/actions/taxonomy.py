"""Installing the domain taxonomy; migrations do it too, this repairs a flushed table."""

from __future__ import annotations

from assay.domain.taxonomy import DOMAINS
from assay.models import Domain


def install_domains() -> int:
    """Create any missing domain of the taxonomy; existing ones keep their settings."""
    created = 0
    for slug, name, sensitive in DOMAINS:
        _, made = Domain.objects.get_or_create(
            slug=slug, defaults={"name": name, "sensitive": sensitive}
        )
        created += made
    return created
