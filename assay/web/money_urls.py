from django.urls import path

from assay.web import money, money_ops

urlpatterns = [
    path("earnings/", money.earnings, name="earnings"),
    path("projects/<int:project_id>/spend/", money.spend, name="project-spend"),
    path("projects/<int:project_id>/spend/bonus/", money.give_bonus, name="spend-bonus"),
    path(
        "projects/<int:project_id>/spend/<int:judgment_id>/<str:action>/",
        money.decide,
        name="spend-decide",
    ),
    path("ops/pay/", money_ops.ops_pay, name="ops-pay"),
    path("ops/pay/deposit/", money_ops.ops_deposit, name="ops-deposit"),
    path("ops/pay/run/", money_ops.ops_run_payouts, name="ops-run-payouts"),
    path(
        "ops/pay/batches/<int:batch_id>/confirm/", money_ops.ops_confirm_batch, name="ops-confirm"
    ),
    path("ops/pay/batches/<int:batch_id>/file/", money_ops.ops_batch_file, name="ops-batch-file"),
]
