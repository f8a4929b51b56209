from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.me, name="me"),
    path("members/<int:user_id>/", views.profile, name="profile"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("settings/", views.account_settings, name="settings"),
    path("data/", views.data_export, name="data_export"),
    path("delete/", views.account_delete, name="delete"),
    path("standing/", views.standing, name="standing"),
    path("sessions/<int:session_id>/end/", views.session_end, name="session_end"),
    path("warnings/<int:restriction_id>/seen/", views.warning_seen, name="warning_seen"),
]
