from django.urls import path

from . import views

app_name = "organisations"
# "join" and "invitation" are reserved: organisation slugs never take them (see importing.slug_for).
urlpatterns = [
    path("", views.directory, name="index"),
    path("join/", views.join_request, name="join_request"),
    path("join/sent/", views.join_request_sent, name="join_request_sent"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("<str:slug>/", views.detail, name="detail"),
    path("<str:slug>/invite/", views.invite, name="invite"),
    path("<str:slug>/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("<str:slug>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
]
