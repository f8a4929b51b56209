"""Input shapes of moderation: a flag, an action on an item, an appeal, a decision, a rule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Action, Appeal, Reason, Rule, WatchedWord


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong?"), choices=Reason.choices, widget=forms.RadioSelect,
                               error_messages={"required": _("Choose a reason."),
                                               "invalid_choice": _("Choose one of the reasons listed.")})
    text = forms.CharField(label=_("Details (needed for “other”)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))


class RuleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


QUEUE_KINDS = ("dismiss", "hide", "restore", "delete", "warn", "mute", "suspend", "ban")


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Action"), choices=[(k, v) for k, v in Action.Kind.choices if k in QUEUE_KINDS],
                             widget=forms.RadioSelect,
                             error_messages={"required": _("Choose an action."),
                                             "invalid_choice": _("Choose one of the actions offered.")})
    rule = RuleChoiceField(label=_("Rule"), queryset=Rule.objects.filter(active=True), empty_label=_("— choose —"),
                           error_messages={"required": _("Choose the rule this decision rests on."),
                                           "invalid_choice": _("Choose the rule this decision rests on.")})
    note = forms.CharField(label=_("Note to the author (optional)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))
    days = forms.IntegerField(label=_("Length in days (mute or suspension)"), required=False, min_value=1,
                              max_value=3650)
    scope = forms.ChoiceField(label=_("Where the sanction applies"), required=False,
                              choices=[("", _("Default: where it was said (the category or the live room) for a warning or mute, else the whole site")),
                                       ("category", _("In this category")), ("site", _("On the whole site"))],
                              error_messages={"invalid_choice": _("Choose the whole site or this category.")})


class RuleNoteForm(forms.Form):
    """The rule (required) and note every moderator action carries."""

    rule = RuleChoiceField(label=_("Rule"), queryset=Rule.objects.filter(active=True), empty_label=_("— choose —"),
                           error_messages={"required": _("Choose the rule this decision rests on."),
                                           "invalid_choice": _("Choose the rule this decision rests on.")})
    note = forms.CharField(label=_("Note to the author (optional)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}))


class PolicyEditForm(RuleNoteForm):
    field_order = ["source", "rule", "note"]
    source = forms.CharField(label=_("The text as it should read"), strip=False,
                             widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
                             error_messages={"required": _("Write something: the post is empty.")})


class LockForm(RuleNoteForm):
    field_order = ["locked", "rule", "note"]
    locked = forms.TypedChoiceField(label=_("Replies"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                    choices=[("1", _("Lock the thread")), ("0", _("Unlock the thread"))],
                                    error_messages={"required": _("Choose lock or unlock."),
                                                    "invalid_choice": _("Choose lock or unlock.")})


class ThreadDeleteForm(RuleNoteForm):
    """Delete a thread (or restore a deleted one) under a rule: the page shows the one that applies."""


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class MoveForm(RuleNoteForm):
    field_order = ["category", "rule", "note"]
    category = CategoryChoiceField(label=_("Move to"), queryset=None, empty_label=_("— choose —"),
                                   error_messages={"required": _("Choose a category you moderate."),
                                                   "invalid_choice": _("Choose a category you moderate.")})

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


class SplitForm(MoveForm):
    field_order = ["posts", "title", "category", "rule", "note"]
    title = forms.CharField(label=_("Title of the new thread"), max_length=200,
                            widget=forms.TextInput(attrs={"dir": "auto"}),
                            error_messages={"required": _("Give the thread a title.")})
    posts = forms.TypedMultipleChoiceField(label=_("Replies to move (with the replies below them)"), coerce=int,
                                           widget=forms.CheckboxSelectMultiple,
                                           error_messages={"required": _("Choose at least one reply to move to the "
                                                                         "new thread."),
                                                           "invalid_choice": _("Choose posts of this thread.")})

    def __init__(self, *args, posts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posts"].choices = posts
        self.fields["category"].label = _("New thread's category")


class ConfirmationForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("Confirm")), ("reject", _("Reject"))],
                                 error_messages={"required": _("Choose confirm or reject."),
                                                 "invalid_choice": _("Choose confirm or reject.")})
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}))


class AppealForm(forms.Form):
    statement = forms.CharField(label=_("Why should the decision change?"), max_length=4000,
                                widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
                                error_messages={"required": _("Say why the decision should change.")})


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                choices=[(Appeal.Outcome.UPHELD, Appeal.Outcome.UPHELD.label),
                                         (Appeal.Outcome.OVERTURNED, Appeal.Outcome.OVERTURNED.label)],
                                error_messages={"required": _("Choose whether the decision is upheld or overturned.")})
    note = forms.CharField(label=_("Note to the member (optional)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["title_ar", "title_fr", "title_en", "body_ar", "body_fr", "body_en", "position", "active"]
        widgets = {f: forms.Textarea(attrs={"rows": 4, "dir": "auto"}) for f in ("body_ar", "body_fr", "body_en")} | {
            f: forms.TextInput(attrs={"dir": "auto"}) for f in ("title_ar", "title_fr", "title_en")}


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note for the audit log (optional)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}))


class WatchedWordForm(forms.Form):
    text = forms.CharField(label=_("Word, phrase or pattern"), max_length=500,
                           widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}),
                           error_messages={"required": _("Write the word or the pattern to watch for.")})
    kind = forms.ChoiceField(label=_("It is"), choices=WatchedWord.Kind.choices, widget=forms.RadioSelect,
                             initial=WatchedWord.Kind.WORD,
                             error_messages={"required": _("Choose a word or a pattern."),
                                             "invalid_choice": _("Choose a word or a pattern.")})
    action = forms.ChoiceField(label=_("When a text contains it"), choices=WatchedWord.Act.choices,
                               widget=forms.RadioSelect, initial=WatchedWord.Act.FLAG,
                               error_messages={"required": _("Choose what happens to a text that contains it."),
                                               "invalid_choice": _("Choose what happens to a text that contains it.")})


def add_service_errors(form, error) -> None:
    """Put a service's ValidationError on the form (field errors where the form has the field)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for e in errors:
                form.add_error(name if name in form.fields else None, e)
    else:
        for e in error.error_list:
            form.add_error(None, e)
