"""Django admin for threads and what hangs off them. Moderation itself goes through the pages and
services (audited); the admin is for looking things up and for repairs. Threads, posts and their
revisions are read-only here: editing a post's source here would leave its stored HTML stale, with
no revision and no audit entry. Deleting and restoring threads are actions that call the services
(checked, audited, counters kept, open pages told)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forum.core.admin import ReadOnlyAdmin

from . import services
from .models import Attachment, Post, PostRevision, Reaction, ReadState, Subscription, Thread


class ThreadActionForm(ActionForm):
    reason = forms.CharField(label=gettext_lazy("Reason (kept in the audit log)"), required=False,
                             max_length=500)


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "author", "reply_count", "view_count", "pinned", "locked",
                    "last_activity_at", "deleted_at")
    list_filter = ("pinned", "locked", "category", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "author__email", "author__display_name")
    raw_id_fields = ("author", "on_behalf_of")
    date_hierarchy = "created_at"
    action_form = ThreadActionForm
    actions = ["delete_threads", "restore_threads"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False  # threads are opened on the site, with their first post

    def has_change_permission(self, request, obj=None):
        return False  # pin, lock, move, rename and delete go through the services (pages, actions)

    def has_delete_permission(self, request, obj=None):
        return False  # a thread is deleted by a moderator (kept, restorable), never erased here

    def _each(self, request, queryset, act, done_message):
        done = 0
        for thread in queryset.select_related("category"):
            try:
                act(thread)
                done += 1
            except (PermissionDenied, ValidationError, Http404) as error:
                reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                reason = reason or _("You cannot do this.")
                self.message_user(request, f"{thread.title}: {reason}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Delete the selected threads"))
    def delete_threads(self, request, queryset):
        reason = request.POST.get("reason", "")
        self._each(request, queryset, lambda t: services.thread_delete(actor=request.user, thread=t, reason=reason),
                   _("%(count)d thread(s) deleted."))

    @admin.action(description=gettext_lazy("Restore the selected threads"))
    def restore_threads(self, request, queryset):
        reason = request.POST.get("reason", "")
        self._each(request, queryset, lambda t: services.thread_restore(actor=request.user, thread=t, reason=reason),
                   _("%(count)d thread(s) restored."))




class RevisionInline(admin.TabularInline):
    model = PostRevision
    extra = 0
    readonly_fields = ("editor", "source", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ("id", "thread", "author", "created_at", "edit_count", "deleted_at", "hidden_at")
    list_filter = (("deleted_at", admin.EmptyFieldListFilter), ("hidden_at", admin.EmptyFieldListFilter),
                   "thread__category")
    search_fields = ("source", "author__email", "author__display_name", "thread__title")
    list_select_related = ("thread", "author")
    inlines = [RevisionInline]
    date_hierarchy = "created_at"


@admin.register(PostRevision)
class PostRevisionAdmin(ReadOnlyAdmin):
    list_display = ("post", "editor", "created_at")
    list_filter = ("post__thread__category",)
    search_fields = ("source", "editor__email", "editor__display_name")
    list_select_related = ("post", "editor")


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
