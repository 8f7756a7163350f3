from django.urls import path

from assay.web import contributions, exports, exports_webhooks

urlpatterns = [
    path("exports/", exports.exports_index, name="exports"),
    path("projects/<int:project_id>/exports/", exports.exports_page, name="project-exports"),
    path(
        "projects/<int:project_id>/exports/licence/",
        exports.licence_update,
        name="project-licence",
    ),
    path("exports/<int:export_id>/", exports.export_detail, name="export-detail"),
    path("exports/<int:export_id>/download/", exports.export_download, name="export-download"),
    path("exports/<int:export_id>/card.md", exports.export_card, name="export-card"),
    path("webhooks/", exports_webhooks.webhooks_page, name="webhooks"),
    path(
        "webhooks/<int:endpoint_id>/deliveries/",
        exports_webhooks.deliveries_page,
        name="webhook-deliveries",
    ),
    path("webhooks/<int:endpoint_id>/toggle/", exports_webhooks.toggle, name="webhook-toggle"),
    path(
        "webhooks/deliveries/<int:delivery_id>/replay/",
        exports_webhooks.replay,
        name="webhook-replay",
    ),
    path("contributions/", contributions.contributions_page, name="contributions"),
]
