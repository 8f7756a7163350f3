from django.contrib.auth import views as auth_views
from django.urls import path

from assay.web import accounts, expert, requester

urlpatterns = [
    path("", accounts.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="assay/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", accounts.signup, name="signup"),
    path("signup/requester/", accounts.signup_requester, name="signup-requester"),
    path("account/tokens/", accounts.token_list, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", accounts.token_revoke, name="token-revoke"),
    path("projects/", requester.project_list, name="projects"),
    path("projects/new/", requester.project_new, name="project-new"),
    path("projects/<int:project_id>/", requester.project_detail, name="project"),
    path(
        "projects/<int:project_id>/progress/", requester.project_progress, name="project-progress"
    ),
    path(
        "projects/<int:project_id>/export/<str:kind>.jsonl",
        requester.project_export,
        name="project-export",
    ),
    path("projects/<int:project_id>/items/", requester.project_items, name="project-items"),
    path("projects/<int:project_id>/quality/", requester.project_quality, name="project-quality"),
    path(
        "projects/<int:project_id>/items/<int:item_pk>/",
        requester.item_trace_page,
        name="item-trace",
    ),
    path(
        "projects/<int:project_id>/<str:action>/",
        requester.project_action,
        name="project-action",
    ),
    path("work/", expert.work, name="work"),
    path("work/<int:project_id>/", expert.task_page, name="task-page"),
    path("work/<int:project_id>/next/", expert.next_task, name="task-next"),
    path("work/task/<int:lease_id>/submit/", expert.submit, name="task-submit"),
    path("work/task/<int:lease_id>/return/", expert.give_back, name="task-return"),
    path("work/task/<int:lease_id>/heartbeat/", expert.heartbeat, name="task-heartbeat"),
]
