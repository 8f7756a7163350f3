from django.urls import path

from assay.web import money

urlpatterns = [
    path("earnings/", money.earnings, name="earnings"),
    path("projects/<int:project_id>/spend/", money.spend, name="project-spend"),
    path("projects/<int:project_id>/spend/bonus/", money.give_bonus, name="spend-bonus"),
    path(
        "projects/<int:project_id>/spend/<int:judgment_id>/<str:action>/",
        money.decide,
        name="spend-decide",
    ),
    path("ops/pay/", money.ops_pay, name="ops-pay"),
    path("ops/pay/deposit/", money.ops_deposit, name="ops-deposit"),
    path("ops/pay/run/", money.ops_run_payouts, name="ops-run-payouts"),
    path("ops/pay/batches/<int:batch_id>/confirm/", money.ops_confirm_batch, name="ops-confirm"),
    path("ops/pay/batches/<int:batch_id>/file/", money.ops_batch_file, name="ops-batch-file"),
]
