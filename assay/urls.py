from django.contrib import admin
from django.urls import include, path

from assay.api import api

admin.site.site_header = "Assay operations"
admin.site.site_title = "Assay operations"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("assay.web.urls")),
]
