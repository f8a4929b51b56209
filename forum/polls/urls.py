from django.urls import path

from . import views

app_name = "polls"
urlpatterns = [
    path("thread/<int:thread_id>/new/", views.poll_create, name="create"),
    path("new/<str:slug>/", views.thread_create, name="thread_create"),
    path("<int:poll_id>/", views.poll_page, name="detail"),
    path("<int:poll_id>/vote/", views.vote, name="vote"),
    path("<int:poll_id>/results/", views.results, name="results"),
    path("<int:poll_id>/close/", views.close, name="close"),
]
