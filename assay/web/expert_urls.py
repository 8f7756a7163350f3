from django.urls import path

from assay.web import experts, reviewing

urlpatterns = [
    path("profile/", experts.profile, name="profile"),
    path("qualifications/", experts.qualifications, name="qualifications"),
    path("qualifications/<int:test_id>/start/", experts.start_test, name="test-start"),
    path("attempts/<int:attempt_id>/", experts.attempt_page, name="attempt"),
    path("attempts/<int:attempt_id>/result/", experts.attempt_result, name="attempt-result"),
    path("reviews/qualification/", reviewing.queue, name="test-reviews"),
    path("reviews/qualification/<int:answer_id>/", reviewing.grade, name="test-review"),
    path("tests/new/", reviewing.author, name="test-new"),
]
