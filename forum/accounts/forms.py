"""Input shape of the accounts pages: the profile form and the account deletion confirmation."""

from __future__ import annotations

import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forum.core import conf

from . import names

# Bidi embeddings and overrides (not the plain LRM/RLM marks Arabic text legitimately uses).
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_bio(text: str) -> str:
    """A short bio: plain text, line breaks allowed, no control or direction-override characters."""
    text = (text or "").strip()
    if any(ch in BIDI_OVERRIDES for ch in text):
        raise forms.ValidationError(_("The bio cannot contain text-direction override characters."),
                                    code="bidi")
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\n\r\t" for ch in text):
        raise forms.ValidationError(_("The bio cannot contain control characters."), code="control")
    limit = conf.FORUM_BIO_MAX
    if len(text) > limit:
        raise forms.ValidationError(
            _("The bio can be at most %(limit)d characters long (it has %(count)d).")
            % {"limit": limit, "count": len(text)}, code="too_long")
    return text


class ProfileForm(forms.Form):
    """Display name, bio and language; the display name must not look like anyone else's."""

    display_name = forms.CharField(
        label=_("Display name"), strip=False,
        help_text=_("Shown beside everything you write. Any script; letters or digits required."),
        widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "nickname",
                                      "maxlength": conf.FORUM_DISPLAY_NAME_MAX}),
    )
    bio = forms.CharField(
        label=_("Short bio"), required=False, strip=False,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 5, "maxlength": conf.FORUM_BIO_MAX}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language"), required=False,
        choices=[("", _("Same as my browser"))] + list(settings.LANGUAGES),
        help_text=_("The language of the site whenever you are signed in."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        # Formatted per request, so the help text is in the reader's language.
        self.fields["bio"].help_text = gettext("Optional, at most %(limit)d characters.") % {
            "limit": conf.FORUM_BIO_MAX}

    def clean_display_name(self):
        name, key = names.clean_display_name(self.cleaned_data["display_name"])
        taken = get_user_model().objects.filter(display_name_key=key).exclude(pk=self.user.pk).exists()
        if taken:
            raise forms.ValidationError(_("This name is already used by another member. "
                                          "Please choose another one."), code="taken")
        return name

    def clean_bio(self):
        return clean_bio(self.cleaned_data.get("bio", ""))


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account and personal data will be deleted and this cannot be undone."),
        error_messages={"required": _("Please tick the box to confirm that you want to delete your account.")},
    )
