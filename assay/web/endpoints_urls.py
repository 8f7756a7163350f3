from django.urls import path

from assay.web import endpoints, endpoints_generate, endpoints_live

urlpatterns = [
    path("endpoints/", endpoints.endpoints_page, name="endpoints"),
    path("endpoints/<int:endpoint_id>/toggle/", endpoints.toggle, name="endpoint-toggle"),
    path("endpoints/<int:endpoint_id>/secret/", endpoints.secret, name="endpoint-secret"),
    path("endpoints/<int:endpoint_id>/calls/", endpoints.calls_page, name="endpoint-calls"),
    path(
        "projects/<int:project_id>/generate/",
        endpoints_generate.generate_page,
        name="project-generate",
    ),
    path("generations/<int:run_id>/", endpoints_generate.run_page, name="generation"),
    path("work/task/<int:lease_id>/model/", endpoints_live.live_turn, name="live-model"),
    path(
        "generations/<int:run_id>/advance/",
        endpoints_generate.run_advance,
        name="generation-advance",
    ),
]
