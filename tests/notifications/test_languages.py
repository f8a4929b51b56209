"""The words of a notice are made when it is read or mailed, in that reader's language."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from forum.notifications import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def compiled_catalogues():
    """The catalogues compiled (make test does it too), and Django's translation cache reset."""
    from django.utils.translation import trans_real

    call_command("compile_catalogues", stdout=io.StringIO())
    trans_real._translations = {}
    trans_real._default = None
    yield
    trans_real._translations = {}
    trans_real._default = None


def test_the_list_speaks_the_readers_language_not_the_writers(client, make_user):
    lina = make_user(preferred_language="ar")
    omar = make_user(display_name="Omar", preferred_language="en")
    services.notify(recipient=lina, kind="reply", actor=omar, url="/t/post/1/", data={"thread_title": "Wells"})
    client.force_login(lina)
    html = client.get(reverse("notifications:index")).content.decode()
    assert "رد جديد عليك من <bdi>Omar</bdi> في «<bdi>Wells</bdi>»" in html
    lina.preferred_language = "fr"
    lina.save()
    html = client.get(reverse("notifications:index")).content.decode()
    assert "<bdi>Omar</bdi> vous a répondu dans « <bdi>Wells</bdi> »" in html


def test_an_email_speaks_its_recipients_language(make_user, django_capture_on_commit_callbacks):
    lina = make_user(preferred_language="fr")
    omar = make_user(display_name="Omar")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=lina, kind="reply", actor=omar, url="/t/post/1/", data={"thread_title": "Wells"})
    assert "\u2068Omar\u2069 vous a répondu dans « \u2068Wells\u2069 »" in mail.outbox[0].subject
