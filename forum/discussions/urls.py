from django.urls import path

from . import attachments, views

app_name = "discussions"
urlpatterns = [
    path("<int:thread_id>/", views.thread, name="thread"),
    path("new/<str:slug>/", views.thread_create, name="thread_create"),
    path("<int:thread_id>/reply/", views.reply, name="reply"),
    path("<int:thread_id>/reply/<int:post_id>/", views.reply, name="reply_to"),
    path("<int:thread_id>/posts/<int:post_id>/fragment/", views.post_fragment, name="post_fragment"),
    path("<int:thread_id>/pin/", views.thread_pin, name="thread_pin"),
    path("post/<int:post_id>/", views.post, name="post"),
    path("post/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("post/<int:post_id>/delete/", views.post_delete, name="post_delete"),
    path("post/<int:post_id>/react/", views.post_react, name="post_react"),
    path("react/", views.react, name="react"),
    path("post/<int:post_id>/reactions/", views.post_reactions, name="post_reactions"),
    path("post/<int:post_id>/revisions/", views.post_revisions, name="post_revisions"),
    path("attachments/upload/", attachments.attachment_upload_view, name="attachment_upload"),
    path("attachments/<int:attachment_id>/", attachments.attachment_serve, name="attachment"),
]

# Subscriptions and "jump to first unread" (forum/discussions/views_subscriptions.py).
from . import views_subscriptions  # noqa: E402

urlpatterns += [
    path("<int:thread_id>/subscription/", views_subscriptions.thread_subscription, name="thread_subscription"),
    path("<int:thread_id>/unread/", views_subscriptions.thread_unread, name="thread_unread"),
    path("following/", views_subscriptions.following, name="following"),
    path("categories/<int:category_id>/subscription/", views_subscriptions.category_subscription,
         name="category_subscription"),
]


# Mention suggestions for the editor (forum/discussions/views_mentions.py).
from . import views_mentions  # noqa: E402

urlpatterns += [
    path("<int:thread_id>/mentions/", views_mentions.thread_mentions, name="thread_mentions"),
    path("categories/<int:category_id>/mentions/", views_mentions.category_mentions, name="category_mentions"),
]
