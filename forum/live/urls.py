from django.urls import path

from . import views

app_name = "live"
urlpatterns = [
    path("", views.session_list, name="index"),
    path("new/", views.session_create, name="create"),
    path("<int:session_id>/", views.room, name="room"),
    path("<int:session_id>/edit/", views.session_edit, name="edit"),
    path("<int:session_id>/send/", views.message_send, name="send"),
    path("<int:session_id>/messages/<int:message_id>/edit/", views.message_edit, name="message_edit"),
    path("<int:session_id>/ask/", views.question_ask, name="ask"),
    path("<int:session_id>/questions/<int:question_id>/vote/", views.question_vote, name="vote"),
    path("<int:session_id>/state/", views.session_state, name="state"),
    path("<int:session_id>/history.json", views.history_json, name="history"),
    path("<int:session_id>/present/", views.present, name="present"),
    path("<int:session_id>/calendar.ics", views.calendar_ics, name="calendar"),
    path("<int:session_id>/observers/", views.observer_invite, name="observer_invite"),
    path("<int:session_id>/observers/<int:user_id>/revoke/", views.observer_revoke, name="observer_revoke"),
    path("<int:session_id>/transcript/", views.transcript_publish, name="transcript_publish"),
    path("<int:session_id>/transcript.md", views.transcript_markdown, name="transcript"),
]
