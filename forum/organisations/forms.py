"""Forms of the organisations app: signup by invitation, inviting, requesting to join."""

from __future__ import annotations

from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forum.accounts.names import clean_display_name, validate_title_text

from .models import Invitation
from .signup import invitation_in_session, invitation_invalid_response, stale_invitation_error


def _current_request():
    return context.request


class SignupForm(forms.Form):
    """Extra fields of allauth's signup form (ACCOUNT_SIGNUP_FORM_CLASS): the display name.

    allauth's own SignupForm derives from this class, so `clean()` here also sees its `email`.
    The email is fixed to the invitation's: shown read-only and refused if changed.
    """

    field_order = ["display_name", "email", "password1", "password2"]

    display_name = forms.CharField(
        label=_("Display name"), max_length=200,
        help_text=_("How other members see you. Any script; it must look different from every other name."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname", "dir": "auto"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = _current_request()
        self.invitation = invitation_in_session(request) if request is not None else None
        if self.invitation is not None:
            if "email" in self.fields:
                self.fields["email"].initial = self.invitation.email
                self.fields["email"].widget.attrs.update({"readonly": True, "aria-readonly": "true"})
                self.fields["email"].help_text = _("This is the address your invitation was sent to.")
            if self.invitation.name:
                self.fields["display_name"].initial = self.invitation.name

    def clean_display_name(self):
        name, key = clean_display_name(self.cleaned_data.get("display_name", ""))
        if get_user_model().objects.filter(display_name_key=key).exists():
            raise ValidationError(gettext("Someone already uses this name, or one that looks the same. "
                                          "Please choose another."), code="taken")
        self.cleaned_data["display_name_key"] = key
        return name

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        request = _current_request()
        if self.invitation is not None and request is not None:
            # Redeemed from another session since the form was opened: say so now, before the
            # taken address sends allauth down its "account already exists" path.
            error = stale_invitation_error(request)
            if error is not None:
                raise ImmediateHttpResponse(invitation_invalid_response(request, error))
        if self.invitation is not None and email and email.lower() != self.invitation.email.lower():
            self.add_error("email", gettext("Your invitation is for %(email)s; the address cannot be changed.")
                           % {"email": self.invitation.email})
        return cleaned

    def signup(self, request, user):
        """Everything is saved by the adapter's save_user, in one transaction with the redemption."""


class InviteForm(forms.Form):
    """A representative (or admin) invites someone into an organisation."""

    email = forms.EmailField(label=_("Email address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    name = forms.CharField(label=_("Name (optional)"), max_length=60, required=False,
                           widget=forms.TextInput(attrs={"dir": "auto"}))
    role = forms.ChoiceField(label=_("Role"), choices=[(Invitation.Role.MEMBER, _("Member")),
                                                       (Invitation.Role.REPRESENTATIVE, _("Representative"))])
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)

    def clean_name(self):
        name = self.cleaned_data.get("name", "")
        validate_title_text(name)  # it becomes the invitee's suggested display name
        return name

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = settings.LANGUAGE_CODE
        self.fields["email"].error_messages["invalid"] = _("Enter a valid email address, like name@example.org.")


class JoinRequestForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    display_name = forms.CharField(label=_("Your name"), max_length=200,
                                   widget=forms.TextInput(attrs={"dir": "auto"}))
    organisation_name = forms.CharField(label=_("Your organisation"), max_length=200, required=False,
                                        widget=forms.TextInput(attrs={"dir": "auto"}))
    message = forms.CharField(label=_("Message to the administrators (optional)"), required=False,
                              max_length=1000, widget=forms.Textarea(attrs={"dir": "auto", "rows": 4}))

    def clean_display_name(self):
        name, _key = clean_display_name(self.cleaned_data.get("display_name", ""))
        return name

    def clean_organisation_name(self):
        name = self.cleaned_data.get("organisation_name", "")
        validate_title_text(name)
        return name
