from django.urls import path

from . import views

app_name = "categories"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:slug>/", views.detail, name="detail"),
    path("<str:slug>/rows/", views.rows, name="rows"),
]
