from django.urls import path

from . import views, views_actions

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("flag/<str:kind>/<int:item_id>/", views.flag, name="flag"),
    path("flags/", views.my_flags, name="my_flags"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("items/<int:item_id>/claim/", views.item_claim, name="claim"),
    path("items/<int:item_id>/act/", views.item_act, name="act"),
    path("items/<int:item_id>/approve/", views.item_approve, name="approve"),
    path("decisions/<int:action_id>/", views.action_detail, name="action"),
    path("appeals/<int:appeal_id>/", views.appeal_decide, name="appeal_decide"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:rule_id>/edit/", views.rule_edit, name="rule_edit"),
    path("transparency/", views.transparency, name="transparency"),
    path("words/", views.words, name="words"),
    path("words/<int:word_id>/delete/", views.word_delete, name="word_delete"),
    path("posts/<int:post_id>/edit/", views_actions.post_edit_for_policy, name="post_edit"),
    path("threads/<int:thread_id>/", views_actions.thread_actions, name="thread"),
    path("threads/<int:thread_id>/lock/", views_actions.thread_lock, name="thread_lock"),
    path("threads/<int:thread_id>/move/", views_actions.thread_move, name="thread_move"),
    path("threads/<int:thread_id>/split/", views_actions.thread_split, name="thread_split"),
    path("threads/<int:thread_id>/delete/", views_actions.thread_delete, name="thread_delete"),
    path("threads/<int:thread_id>/restore/", views_actions.thread_restore, name="thread_restore"),
    path("confirmations/", views_actions.confirmations, name="confirmations"),
    path("confirmations/<int:restriction_id>/", views_actions.confirmation_decide, name="confirmation_decide"),
]
