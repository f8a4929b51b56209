"""Input shapes of the consultation pages. The rules (who may, what is allowed) are the services'."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from forum.categories import permissions as categories
from forum.categories.models import Category

from .models import Stance

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class PersonChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.public_name


class ConsultationForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"}))
    question = forms.CharField(label=_("Question"), max_length=2000,
                               widget=forms.Textarea(attrs={"dir": "auto", "rows": 4}))
    sub_questions = forms.CharField(label=_("Sub-questions (one per line, optional)"), required=False,
                                    max_length=6000, widget=forms.Textarea(attrs={"dir": "auto", "rows": 4}))
    deadline = forms.DateTimeField(label=_("Deadline"), widget=DateTimeLocalInput(),
                                   input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"])
    organisers = PersonChoice(label=_("Other organisers (moderators who may publish the synthesis)"),
                              queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories.startable_categories(user).order_by("name")
        # Site moderators, and the moderators of categories (the service checks that each one
        # moderates the category chosen).
        self.fields["organisers"].queryset = (get_user_model().objects
                                              .filter(Q(role__in=["moderator", "admin"])
                                                      | Q(moderated_categories__isnull=False),
                                                      is_active=True, deleted_at__isnull=True)
                                              .exclude(pk=user.pk).distinct().order_by("display_name", "pk"))

    def sub_question_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("sub_questions", "").splitlines() if line.strip()]


class PositionForm(forms.Form):
    stance = forms.ChoiceField(label=_("Stance"), choices=Stance.choices, widget=forms.RadioSelect,
                               error_messages={"required": _("Choose a stance: in favour, with reservations, "
                                                             "against or abstain."),
                                               "invalid_choice": _("Choose a stance: in favour, with reservations, "
                                                                   "against or abstain.")})
    source = forms.CharField(label=_("Position"), required=False, strip=False,
                             widget=forms.Textarea(attrs={"dir": "auto", "rows": 10}))
    # The version the representative started from (empty: a first submission).
    revision = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


def answers_from(data) -> dict[str, str]:
    """The `answer_<number>` fields of a POST, as {number: text}; the service checks the numbers."""
    return {key.removeprefix("answer_"): value for key, value in data.items()
            if key.startswith("answer_") and isinstance(value, str)}


class SynthesisForm(forms.Form):
    source = forms.CharField(label=_("Synthesis"), required=False, strip=False,
                             widget=forms.Textarea(attrs={"dir": "auto", "rows": 12}))
