from django.db import migrations


def add_domains(apps, schema_editor):
    from assay.domain.taxonomy import DOMAINS

    Domain = apps.get_model("assay", "Domain")
    for slug, name, sensitive in DOMAINS:
        Domain.objects.get_or_create(slug=slug, defaults={"name": name, "sensitive": sensitive})


class Migration(migrations.Migration):
    dependencies = [("assay", "0002_experts")]

    operations = [migrations.RunPython(add_domains, migrations.RunPython.noop)]
