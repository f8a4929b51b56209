"""The shapes of the thread forms. The rules (length, control characters, who may) are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from forum.core import conf


class _SourceField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Your message"))
        kwargs.setdefault("strip", False)
        kwargs.setdefault("required", False)  # the service says what is wrong with an empty post
        kwargs.setdefault("help_text", _("Markdown: **bold**, *italic*, > quote, - list, [link](https://…)."))
        super().__init__(widget=forms.Textarea(attrs={"dir": "auto", "rows": 8, "data-editor": "post"}), **kwargs)


class ReplyForm(forms.Form):
    source = _SourceField()
    parent = forms.CharField(widget=forms.HiddenInput, required=False)
    on_behalf_of = forms.BooleanField(label=_("Speak for my organisation"), required=False)


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False, strip=False,
                            widget=forms.TextInput(attrs={"dir": "auto", "maxlength": conf.FORUM_TITLE_MAX_CHARS,
                                                          "autocomplete": "off"}))
    source = _SourceField()
    on_behalf_of = forms.BooleanField(label=_("Speak for my organisation"), required=False)


class EditForm(forms.Form):
    source = _SourceField()


class OpeningPostEditForm(forms.Form):
    """Editing the opening post also edits the thread's title."""

    title = forms.CharField(label=_("Title"), required=False, strip=False,
                            widget=forms.TextInput(attrs={"dir": "auto", "maxlength": conf.FORUM_TITLE_MAX_CHARS,
                                                          "autocomplete": "off"}))
    source = _SourceField()


def add_service_errors(form: forms.Form, error) -> None:
    """Put a service's ValidationError onto the form: field errors by name, the rest on the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
