from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.me, name="me"),
    path("members/<int:user_id>/", views.profile, name="profile"),
]
