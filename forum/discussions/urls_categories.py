"""The category pages under /c/. They list threads, so this app serves them; the URL names keep the
`categories` namespace (`categories:index`, `categories:detail`, `categories:rows`), which
`Category.get_absolute_url` and the templates use."""

from django.urls import path

from . import views_categories

app_name = "categories"
urlpatterns = [
    path("", views_categories.category_list, name="index"),
    path("<str:slug>/", views_categories.category_detail, name="detail"),
    path("<str:slug>/rows/", views_categories.category_rows, name="rows"),
]
