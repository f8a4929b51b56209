"""Django admin for threads and what hangs off them. Moderation itself goes through the pages and
services (audited); the admin is for looking things up and for repairs."""

from django.contrib import admin

from .models import Attachment, Post, PostRevision, Reaction, ReadState, Subscription, Thread


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "author", "reply_count", "view_count", "pinned", "locked",
                    "last_activity_at")
    list_filter = ("pinned", "locked", "category", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "author__email", "author__display_name")
    raw_id_fields = ("author", "on_behalf_of")
    readonly_fields = ("reply_count", "view_count", "last_post_id")
    date_hierarchy = "created_at"


class RevisionInline(admin.TabularInline):
    model = PostRevision
    extra = 0
    readonly_fields = ("editor", "source", "created_at")
    can_delete = False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("id", "thread", "author", "created_at", "edit_count", "deleted_at", "hidden_at")
    list_filter = (("deleted_at", admin.EmptyFieldListFilter), ("hidden_at", admin.EmptyFieldListFilter),
                   "thread__category")
    search_fields = ("source", "author__email", "author__display_name", "thread__title")
    raw_id_fields = ("thread", "author", "parent", "on_behalf_of")
    readonly_fields = ("html", "path", "depth", "reaction_counts")
    inlines = [RevisionInline]
    date_hierarchy = "created_at"


@admin.register(PostRevision)
class PostRevisionAdmin(admin.ModelAdmin):
    list_display = ("post", "editor", "created_at")
    list_filter = ("post__thread__category",)
    search_fields = ("source", "editor__email", "editor__display_name")
    raw_id_fields = ("post", "editor")


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ("post", "user", "emoji", "created_at")
    list_filter = ("emoji",)
    search_fields = ("user__email", "user__display_name")
    raw_id_fields = ("post", "user")


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("id", "uploader", "post", "content_type", "size", "width", "height", "created_at")
    list_filter = ("content_type", ("post", admin.EmptyFieldListFilter))
    search_fields = ("uploader__email", "uploader__display_name", "file")
    raw_id_fields = ("post", "uploader")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "thread", "category", "level")
    list_filter = ("level",)
    search_fields = ("user__email", "user__display_name", "thread__title", "category__name")
    raw_id_fields = ("user", "thread", "category")


@admin.register(ReadState)
class ReadStateAdmin(admin.ModelAdmin):
    list_display = ("user", "thread", "last_read_post_id", "updated_at")
    list_filter = ("thread__category",)
    search_fields = ("user__email", "user__display_name", "thread__title")
    raw_id_fields = ("user", "thread")
