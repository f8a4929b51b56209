"""The shapes of the poll forms. The rules (how many options, dates, who may) are the services'."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Poll

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


def _in_a_week():
    return timezone.localtime(timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)


class PollForm(forms.Form):
    question = forms.CharField(label=_("Question"), required=False, max_length=1000,
                               widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}))
    options = forms.CharField(label=_("Options, one per line"), required=False, max_length=6000,
                              widget=forms.Textarea(attrs={"dir": "auto", "rows": 5}),
                              help_text=_("Between 2 and 20 options."))
    kind = forms.ChoiceField(label=_("Kind of poll"), choices=Poll.Kind.choices, initial=Poll.Kind.SINGLE,
                             widget=forms.RadioSelect)
    max_choices = forms.IntegerField(label=_("Multiple choice: at most this many choices"), required=False,
                                     min_value=1, max_value=20,
                                     help_text=_("Empty: as many as there are options."))
    electorate = forms.ChoiceField(label=_("Who may vote"), choices=Poll.Electorate.choices,
                                   initial=Poll.Electorate.MEMBERS, widget=forms.RadioSelect,
                                   help_text=_("Observers never vote."))
    results = forms.ChoiceField(label=_("Results shown"), choices=Poll.Results.choices, initial=Poll.Results.ALWAYS,
                                widget=forms.RadioSelect)
    secret = forms.BooleanField(label=_("Secret ballot: nobody sees who chose what, only the counts"),
                                required=False, initial=True)
    opens_at = forms.DateTimeField(label=_("Opens"), required=False, input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
                                   widget=DateTimeLocalInput(), help_text=_("Empty: now."))
    closes_at = forms.DateTimeField(label=_("Closes"), required=False,
                                    input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"], widget=DateTimeLocalInput(),
                                    initial=_in_a_week)

    def poll_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["options"] = (data.get("options") or "").splitlines()
        return data


class ThreadWithPollForm(PollForm):
    title = forms.CharField(label=_("Title"), required=False, strip=False,
                            widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}))
    source = forms.CharField(label=_("Your message"), required=False, strip=False,
                             widget=forms.Textarea(attrs={"dir": "auto", "rows": 6, "data-editor": "post"}))
    field_order = ["title", "source"]

    def poll_fields(self) -> dict:
        data = super().poll_fields()
        data.pop("title", None)
        data.pop("source", None)
        return data


class VoteForm(forms.Form):
    """Single and multiple choice: `choices` (one or several option ids). Ranked choice: `rank-<option
    id>` = 1, 2, … for the options ranked (blank: not ranked); turned into option ids in order here,
    duplicates and unknown options left for the service to refuse. `replaces` names the ballot a
    change is made from."""

    replaces = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)

    MAX_FIELDS = 40

    def __init__(self, data=None, *, poll: Poll):
        super().__init__(data)
        self.poll = poll

    def option_ids(self) -> list[str]:
        data = self.data
        if self.poll.kind != Poll.Kind.RANKED:
            return list(data.getlist("choices"))[: self.MAX_FIELDS + 1]
        ranks = []
        for key in list(data.keys())[: self.MAX_FIELDS * 2]:
            if not key.startswith("rank-"):
                continue
            value = str(data.get(key) or "").strip()
            if not value:
                continue
            if not value.isdigit() or len(value) > 3 or int(value) < 1:
                raise ValidationError({"choices": _("A rank is a whole number: 1 for your first choice, 2 for "
                                                    "the next, and so on.")}, code="bad_rank")
            ranks.append((int(value), key.removeprefix("rank-")))
        ranks.sort()
        if len({rank for rank, _option in ranks}) != len(ranks):
            raise ValidationError({"choices": _("Two options have the same rank: give each rank to one option "
                                                "only.")}, code="duplicate")
        return [option for _rank, option in ranks]
