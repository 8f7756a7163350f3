from django.urls import path

from assay.web import quality_profile

urlpatterns = [
    path("quality/", quality_profile.quality, name="quality"),
]
