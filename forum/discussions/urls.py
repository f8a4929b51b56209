from django.urls import path

from . import views

app_name = "discussions"
urlpatterns = [
    path("<int:thread_id>/", views.thread, name="thread"),
    path("post/<int:post_id>/", views.post, name="post"),
]
