"""The audit log's filters."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False, max_length=254,
                            help_text=_("A display name, an email address or a user number."))
    verb = forms.CharField(
        label=_("Action"), required=False, max_length=64,
        validators=[RegexValidator(r"^[a-z_]+(\.[a-z_]+)?$", _("An action looks like “restriction” or “post.hide”."))],
        help_text=_("A whole action (post.hide) or every action on a kind of object (restriction)."))
    target_type = forms.CharField(
        label=_("Object type"), required=False, max_length=64,
        validators=[RegexValidator(r"^[a-z_]+\.[a-z_]+$", _("An object type looks like “discussions.post”."))])
    target_id = forms.CharField(label=_("Object number"), required=False, max_length=64,
                                validators=[RegexValidator(r"^[0-9]+$", _("Enter a number."))])
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date comes before the start date."))
        return cleaned

    def filters(self) -> dict:
        data = self.cleaned_data
        actor = (data.get("actor") or "").strip()
        return {"actor_id": int(actor) if actor.isdigit() else None, "actor_name": "" if actor.isdigit() else actor, "verb": data.get("verb", ""),
                "target_type": data.get("target_type", ""), "target_id": data.get("target_id", ""),
                "since": data.get("since"), "until": data.get("until")}
