from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from webapp import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.queue_view, name="queue"),
    path("assign/", views.assign_bulk, name="assign_bulk"),
    path("a/<int:pk>/", views.applicant_view, name="applicant"),
    path("a/<int:pk>/take/", views.assign_self, name="assign_self"),
    path("a/<int:pk>/decide/", views.decide_applicant, name="decide_applicant"),
    path("a/<int:pk>/flag/<int:flag>/decide/", views.decide_flag, name="decide_flag"),
    path("a/<int:pk>/flag/<int:flag>/crop/<int:i>.png", views.crop_view, name="crop"),
    path("a/<int:pk>/file/<int:file>/", views.packet_file, name="packet_file"),
    path("a/<int:pk>/page/<int:doc>.jpg", views.page_view, name="page"),
    path("intakes/", views.intakes, name="intakes"),
    path("intakes/<str:key>/", views.intake_view, name="intake"),
    path("intakes/<str:key>/declared/", views.declared_upload, name="declared_upload"),
    path("intakes/<str:key>/declared/preview/", views.declared_preview_view,
         name="declared_preview"),  # fmt: skip
    path("intakes/<str:key>/packets/", views.packet_upload, name="packet_upload"),
    path("intakes/<str:key>/batch/", views.batch_upload, name="batch_upload"),
    path("intakes/<str:key>/verify/", views.verify_again, name="verify_again"),
    path("intakes/<str:key>/download/<str:kind>", views.report_download, name="report"),
    path("dashboard/", views.dashboard_home, name="dashboard_home"),
    path("intakes/<str:key>/dashboard/", views.dashboard_view, name="dashboard"),
    path("audit/", views.audit_view, name="audit"),
    path("users/", views.users_view, name="users"),
]
