from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.directory, name="index"),
    path("<str:slug>/", views.detail, name="detail"),
]
