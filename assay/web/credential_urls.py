from django.urls import path

from assay.web import credentials

urlpatterns = [
    path("credentials/", credentials.credential_list, name="credentials"),
    path(
        "credentials/<int:credential_id>/evidence/<int:evidence_id>/",
        credentials.evidence_download,
        name="credential-evidence",
    ),
    path("ops/credentials/", credentials.review_queue, name="credential-queue"),
    path("ops/credentials/<int:credential_id>/", credentials.review, name="credential-review"),
    path("notifications/", credentials.notification_list, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        credentials.notification_read,
        name="notification-read",
    ),
    path("alerts/unsubscribe/<str:token>/", credentials.unsubscribe, name="unsubscribe"),
]
