"""Every page of a seeded site, rendered in Arabic and French, shows no interface text left in
English (issue #10 §1: "New since your last visit" stayed English because the catalogue missed it).

Two nets: no text of the page equals a catalogue msgid whose translation differs (a template that
forgot `{% translate %}`, or a catalogue entry not compiled), and, in Arabic, no run of Latin words
outside user content (a string the catalogue does not know at all). User content — anything inside
`dir="auto"`, `<bdi>`, `<q>`, a post body, a form value, an email address — is not interface text.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from forum.accounts.models import User
from forum.categories.models import Category
from forum.discussions.models import ReadState, Thread
from forum.live.models import LiveSession
from forum.organisations import demo
from forum.organisations.models import Organisation
from tests.htmltree import parse, text_nodes

pytestmark = pytest.mark.django_db

USER_CONTENT_TAGS = {"bdi", "q", "script", "style", "code", "pre", "textarea", "option", "kbd", "samp"}
USER_CONTENT_CLASSES = {"post-body", "richtext", "brand-latin"}
ISOLATED = re.compile("\u2068[^\u2069]*\u2069")
IDENTIFIER = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b")  # an audit verb such as post.hide, quoted in help
LATIN_RUN = re.compile(r"[A-Za-z]{3,}(?:[\s,.'’-]+[A-Za-z]{2,}){1,}")
# Latin words the Arabic interface rightly shows: product and protocol names, the language switcher.
ARABIC_ALLOWED = {"français", "English", "TOTP", "WebAuthn"}


def _is_user_content(element) -> bool:
    for node in element.ancestors():
        if node.tag in USER_CONTENT_TAGS or node.attrs.get("dir") == "auto" or node.attrs.get("lang"):
            if node.tag != "html":
                return True
        if USER_CONTENT_CLASSES & set((node.attrs.get("class") or "").split()):
            return True
    return False


def _untranslated_msgids(language: str) -> dict[str, str]:
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"))
    return {e.msgid: e.msgstr for e in catalogue.translated_entries()
            if not e.msgid_plural and e.msgstr.strip() != e.msgid.strip() and "%" not in e.msgid
            and len(e.msgid) > 3}


@pytest.fixture
def seeded(settings, enrol_totp_any):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    admin = User.objects.get(email="admin@madaniya.example")
    enrol_totp_any(admin)
    return admin


@pytest.fixture
def enrol_totp_any():
    from allauth.mfa.models import Authenticator

    from forum.accounts import permissions

    def enrol(user):
        Authenticator.objects.create(user=user, type="totp", data={"secret": "test"})
        permissions.forget(user)

    return enrol


def _pages(admin) -> list[str]:
    thread = Thread.objects.order_by("-reply_count").first()
    category = Category.objects.filter(parent__isnull=True).first()
    organisation = Organisation.objects.first()
    session = LiveSession.objects.first()
    from forum.consultations.demo import demo_consultation

    consultation = demo_consultation()
    return [
        reverse("categories:index"), category.get_absolute_url(), thread.get_absolute_url(),
        reverse("notifications:index"), reverse("notifications:settings"), reverse("accounts:me"),
        reverse("accounts:profile_edit"), reverse("accounts:settings"), reverse("accounts:data_export"),
        reverse("organisations:index"), f"/organisations/{organisation.slug}/",
        reverse("search:search") + "?q=مجتمع", reverse("live:index"), f"/live/{session.pk}/",
        reverse("moderation:queue"), reverse("moderation:rules"), reverse("moderation:transparency"),
        reverse("moderation:my_flags"), reverse("audit:log"), reverse("live:create"),
        "/accounts/2fa/", "/accounts/sessions/", "/accounts/email/", "/accounts/password/change/",
        "/admin/",
        # Consultations: the list, the demo consultation (two positions), a position's history, the form.
        reverse("consultations:index"), consultation.get_absolute_url(), reverse("consultations:create"),
        reverse("consultations:history", kwargs={"consultation_id": consultation.pk,
                                                 "position_id": consultation.positions.first().pk}),
    ]


ANONYMOUS_PAGES = ["/", "/accounts/login/", "/organisations/join/", "/accounts/password/reset/"]


def _offending(html: str, language: str, msgids: dict[str, str]) -> list[str]:
    found = []
    for text, parent in text_nodes(parse(html)):
        if _is_user_content(parent) or "@" in text:
            continue
        text = ISOLATED.sub("", text).strip()  # user text inside a sentence (forum.core.bidi.isolate)
        if text in msgids or text.rstrip(":") in msgids:
            found.append(text)
        elif language == "ar":
            for run in LATIN_RUN.findall(IDENTIFIER.sub("", text)):
                if not any(word in ARABIC_ALLOWED for word in run.split()):
                    found.append(f"{run} <{parent.tag} {parent.attrs}>")
    return found


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_no_page_shows_english_interface_text(client, seeded, settings, language):
    settings.FORUM_ALLOW_JOIN_REQUESTS = True
    msgids = _untranslated_msgids(language)
    problems: dict[str, list[str]] = {}
    for path in ANONYMOUS_PAGES:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language, follow=True)
        assert response.status_code == 200, path
        if bad := _offending(response.content.decode(), language, msgids):
            problems[path] = bad
    client.force_login(seeded)
    # The thread page shows its "new since your last visit" marker: the admin read the first post.
    thread = Thread.objects.order_by("-reply_count").first()
    first_post = thread.posts.order_by("pk").first()
    ReadState.objects.update_or_create(user=seeded, thread=thread,
                                       defaults={"last_read_post_id": first_post.pk})
    assert 'id="unread"' in client.get(thread.get_absolute_url()).content.decode()
    for path in _pages(seeded):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language, follow=True)
        assert response.status_code == 200, path
        if bad := _offending(response.content.decode(), language, msgids):
            problems[path] = bad
    assert problems == {}
    assert demo.USERS  # the seeded site is the demo's
