"""`{% avatar user %}`: initials on a colour, generated here. No Gravatar, no request leaves the site.

`{% mfa_return_notice %}` (MFA pages) and `{% mfa_enrol_url %}` (pages offering enrolment) carry a
privileged user to enrolment and back to where they were (`forum.accounts.enrolment`)."""

from __future__ import annotations

import unicodedata

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from forum.accounts import enrolment

register = template.Library()

AVATAR_HUES = 12
ZWNJ = "\u200c"  # keeps two Arabic initials from joining into one cursive shape


def _first_letter(word: str) -> str:
    for ch in word:
        if unicodedata.category(ch)[0] in ("L", "N"):
            return ch
    return ""


# The definite article is not part of a family name's initial: "ريم العلي" is "رع", "Reem al-Ali"
# is "RA", "Omar el-Khoury" is "OK". Only stripped when letters follow it.
ARTICLES = ("ال", "al-", "el-")


def _without_article(word: str) -> str:
    for article in ARTICLES:
        rest = word[len(article):]
        if word.lower().startswith(article) and len(rest) >= 2 and _first_letter(rest):
            return rest
    return word


def _is_joining_script(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(("ARABIC", "SYRIAC"))


def initials(name: str) -> str:
    """One or two initials of a name, in any script: first letters of the first and last words."""
    words = [w for w in unicodedata.normalize("NFC", name or "").split() if _first_letter(w)]
    if not words:
        return "?"
    first = _first_letter(_without_article(words[0]))
    if len(words) == 1:
        return first.upper()
    last = _first_letter(_without_article(words[-1]))
    if _is_joining_script(first) and _is_joining_script(last):
        return f"{first}{ZWNJ}{last}"
    return f"{first}{last}".upper()


def hue_class(user) -> str:
    if getattr(user, "deleted_at", None) or not getattr(user, "pk", None):
        return "avatar-hue-none"
    return f"avatar-hue-{user.pk % AVATAR_HUES}"


@register.simple_tag
def avatar(user, size: str = ""):
    """A decorative span.avatar with the user's initials; screen readers skip it (the name is
    always written next to it). `size` may be "large"."""
    classes = f"avatar {hue_class(user)}" + (f" avatar-{size}" if size in ("small", "large") else "")
    return format_html('<span class="{}" aria-hidden="true">{}</span>', classes,
                       initials(getattr(user, "public_name", "") or ""))


@register.simple_tag(takes_context=True)
def mfa_enrol_url(context) -> str:
    """The MFA page, coming back to the current page once a second factor is enrolled."""
    request = context.get("request")
    return enrolment.enrol_url(request.get_full_path() if request is not None else None)


@register.simple_tag(takes_context=True)
def mfa_return_notice(context):
    """After enrolling (e.g. on the recovery codes page): the way back to the page that sent the user."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated or not enrolment.return_pending(request):
        return ""
    return format_html('<p class="message" role="status">{} <a href="{}">{}</a></p>',
                       _("Two-factor authentication is set up."), reverse("mfa_index"),
                       _("Go back to where you were"))
