"""The models and the committed migrations agree."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    call_command("makemigrations", "assay", check=True, dry_run=True, verbosity=0)


@pytest.mark.django_db
def test_the_domain_taxonomy_is_installed() -> None:
    from assay.domain.taxonomy import DOMAINS
    from assay.models import Domain

    assert set(Domain.objects.values_list("slug", flat=True)) >= {slug for slug, _, _ in DOMAINS}
