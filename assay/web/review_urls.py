from django.urls import path

from assay.web import reviews

urlpatterns = [
    path("review/<int:project_id>/", reviews.review_page, name="review-page"),
    path("review/task/<int:review_id>/decide/", reviews.decide, name="review-decide"),
]
