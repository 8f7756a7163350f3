from django.urls import path

from assay.web import endpoints

urlpatterns = [
    path("endpoints/", endpoints.endpoints_page, name="endpoints"),
    path("endpoints/<int:endpoint_id>/toggle/", endpoints.toggle, name="endpoint-toggle"),
    path("endpoints/<int:endpoint_id>/secret/", endpoints.secret, name="endpoint-secret"),
    path("endpoints/<int:endpoint_id>/calls/", endpoints.calls_page, name="endpoint-calls"),
]
