from django.urls import path

from assay.web import governance, governance_me, governance_ops, governance_stats

urlpatterns = [
    path("rules/", governance.rules_page, name="rules"),
    path("register/", governance.register_page, name="register"),
    path("decisions/", governance.decision_list, name="decisions"),
    path("decisions/<int:decision_id>/", governance.decision_detail, name="decision"),
    path("decisions/<int:decision_id>/appeal/", governance.appeal, name="decision-appeal"),
    path("me/data/", governance_me.my_data, name="my-data"),
    path("me/data/download/", governance_me.my_data_download, name="my-data-download"),
    path("me/data/delete/", governance_me.delete_account, name="my-data-delete"),
    path("projects/<int:project_id>/rate/", governance_me.rate, name="project-rate"),
    path(
        "projects/<int:project_id>/ratings/",
        governance_me.project_ratings,
        name="project-ratings",
    ),
    path("ops/decisions/", governance_ops.ops_decisions, name="ops-decisions"),
    path("ops/decisions/new/", governance_ops.ops_decide, name="ops-decide"),
    path("ops/decisions/codes/", governance_ops.ops_reason_codes, name="ops-reason-codes"),
    path(
        "ops/decisions/<int:decision_id>/sign-off/",
        governance_ops.ops_sign_off,
        name="ops-sign-off",
    ),
    path("ops/decisions/<int:decision_id>/lift/", governance_ops.ops_lift, name="ops-lift"),
    path(
        "ops/recommendations/<int:recommendation_id>/dismiss/",
        governance_ops.ops_dismiss,
        name="ops-dismiss",
    ),
    path("ops/appeals/", governance_ops.ops_appeals, name="ops-appeals"),
    path("ops/appeals/<int:appeal_id>/", governance_ops.ops_appeal, name="ops-appeal"),
    path(
        "ops/appeals/<int:appeal_id>/<str:action>/",
        governance_ops.ops_appeal_action,
        name="ops-appeal-action",
    ),
    path("ops/audit/", governance_stats.ops_audit, name="ops-audit"),
    path("ops/register/", governance_stats.ops_register, name="ops-register"),
    path("ops/workforce/", governance_stats.ops_workforce, name="ops-workforce"),
]
