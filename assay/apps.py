from django.apps import AppConfig


class AssayConfig(AppConfig):
    name = "assay"
    label = "assay"
    verbose_name = "Assay"
    default_auto_field = "django.db.models.BigAutoField"
