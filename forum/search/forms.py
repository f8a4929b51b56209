"""The search form: what to look for and the filters, each rejection with a specific message."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forum.accounts.models import User
from forum.accounts.names import display_name_key
from forum.categories.models import Category
from forum.core import conf
from forum.organisations.models import Organisation

from . import permissions


def query_max_chars() -> int:
    return int(conf.FORUM_SEARCH_QUERY_MAX_CHARS)


def query_max_terms() -> int:
    return int(conf.FORUM_SEARCH_QUERY_MAX_TERMS)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search for"), required=False, strip=True,
                        widget=forms.TextInput(attrs={"type": "search", "dir": "auto", "autocomplete": "off"}))
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False,
                                      empty_label=_("All categories"),
                                      error_messages={"invalid_choice": _("That category does not exist or "
                                                                          "you cannot see it.")})
    author = forms.CharField(label=_("Author"), required=False, max_length=60,
                             help_text=_("A member's display name, exactly as shown."),
                             widget=forms.TextInput(attrs={"dir": "auto"}))
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.all(),
                                          required=False, empty_label=_("All organisations"),
                                          error_messages={"invalid_choice": _("That organisation does not "
                                                                              "exist.")})
    date_from = forms.DateField(label=_("Written on or after"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                error_messages={"invalid": _("Enter the start date as YYYY-MM-DD.")})
    date_to = forms.DateField(label=_("Written on or before"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              error_messages={"invalid": _("Enter the end date as YYYY-MM-DD.")})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.truncated = False
        self.fields["category"].queryset = permissions.searchable_categories(
            user, Category.objects.select_related("parent").order_by("parent__position", "position", "name"))
        self.fields["q"].widget.attrs["maxlength"] = query_max_chars()

    def clean_q(self) -> str:
        q = self.cleaned_data["q"]
        limit = query_max_chars()
        if len(q) > limit:
            q = q[:limit]
            self.truncated = True
        return q

    def clean_author(self):
        name = self.cleaned_data["author"]
        if not name:
            return None
        author = User.objects.filter(display_name_key=display_name_key(name), deleted_at__isnull=True).first()
        if author is None:
            raise forms.ValidationError(_("No member is called “%(name)s”."), code="unknown_author",
                                        params={"name": name})
        return author

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data
