"""The Django admin for polls: for looking, not for writing, and never at ballots.

Polls change only through their services (which check, audit and announce). Ballots and their
choices are not registered at all: who chose what in a secret poll is shown by no admin page
(tests/polls/test_secrecy.py), and a public poll's voters are on its thread's page already.
"""

from django.contrib import admin

from forum.core.admin import ReadOnlyAdmin

from .models import Option, Poll


class OptionInline(admin.TabularInline):
    model = Option
    fields = ["position", "label"]
    readonly_fields = ["position", "label"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Poll)
class PollAdmin(ReadOnlyAdmin):
    list_display = ["question", "thread", "kind", "electorate", "results", "secret", "opens_at", "closes_at"]
    list_filter = ["kind", "electorate", "results", "secret"]
    search_fields = ["question"]
    list_select_related = ["thread"]
    inlines = [OptionInline]
