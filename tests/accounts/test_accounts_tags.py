"""`{% avatar user %}`: generated initials, colour from the id, hidden from screen readers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone

from forum.accounts.templatetags.accounts_tags import initials


def render_avatar(user, extra=""):
    return Template("{% load accounts_tags %}{% avatar user " + extra + "%}").render(Context({"user": user}))


@pytest.mark.parametrize(("name", "expected"), [
    ("Amina Khalil", "AK"),
    ("amina", "A"),
    ("Jean-Luc de la Fontaine", "JF"),
    ("  (Rami)   Haddad ", "RH"),
    ("محمد علي", "م\u200cع"),       # two Arabic initials, kept apart by a zero-width non-joiner
    ("أمينة", "أ"),
    ("مُحَمَّد", "م"),
    ("Omar علي", "Oع"),
    ("ريم العلي", "ر\u200cع"),      # the article "ال" is skipped (issue #10: it gave "را")
    ("الحسن الأحمد", "ح\u200cأ"),   # on the first word too
    ("هيا ال", "ه\u200cا"),          # a word that is only the article keeps it
    ("Reem al-Ali", "RA"),
    ("Omar el-Khoury", "OK"),
    ("Alan Elbaz", "AE"),             # no hyphen: not an article
    ("2024 Collective", "2C"),
    ("!!!", "?"),
    ("", "?"),
])
def test_initials_in_any_script(name, expected):
    assert initials(name) == expected


def test_avatar_is_a_decorative_span_coloured_by_id():
    user = SimpleNamespace(pk=14, public_name="Amina Khalil", deleted_at=None)
    html = render_avatar(user)
    assert html == '<span class="avatar avatar-hue-2" aria-hidden="true">AK</span>'


def test_avatar_colour_is_stable_and_differs_between_ids():
    one = render_avatar(SimpleNamespace(pk=1, public_name="A", deleted_at=None))
    two = render_avatar(SimpleNamespace(pk=2, public_name="A", deleted_at=None))
    assert one == render_avatar(SimpleNamespace(pk=1, public_name="A", deleted_at=None))
    assert one != two


def test_avatar_escapes_and_never_points_outside():
    html = render_avatar(SimpleNamespace(pk=3, public_name="<b>x</b>", deleted_at=None), '"large" ')
    assert "<b>" not in html and "http" not in html and "avatar-large" in html


def test_former_member_gets_a_neutral_avatar(make_user):
    user = make_user(display_name="Gone Person")
    user.deleted_at = timezone.now()
    assert "avatar-hue-none" in render_avatar(user)
    assert ">FM<" in render_avatar(user)
