from django.contrib import admin
from django.urls import include, path, re_path

from assay.api import api, not_found

admin.site.site_header = "Assay operations"
admin.site.site_title = "Assay operations"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<path>.*)$", not_found),
    path("", include("assay.web.exports_urls")),
    path("", include("assay.web.endpoints_urls")),
    path("", include("assay.web.flag_urls")),
    path("", include("assay.web.quality_urls")),
    path("", include("assay.web.review_urls")),
    path("", include("assay.web.money_urls")),
    path("", include("assay.web.governance_urls")),
    path("", include("assay.web.urls")),
    path("", include("assay.web.expert_urls")),
    path("", include("assay.web.credential_urls")),
]
