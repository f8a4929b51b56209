from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NotificationPreference


class PreferenceForm(forms.Form):
    email = forms.ChoiceField(
        label=_("Email me about notifications"),
        choices=NotificationPreference.Email.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the offered options: immediately, daily digest or never."),
                        "required": _("Choose how often you want email.")},
    )
