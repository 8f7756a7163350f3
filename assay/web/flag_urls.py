from django.urls import path

from assay.web import flags

urlpatterns = [
    path("projects/<int:project_id>/flags/", flags.flag_list, name="flags"),
    path(
        "projects/<int:project_id>/flags/<int:flag_id>/resolve/",
        flags.flag_resolve,
        name="flag-resolve",
    ),
]
