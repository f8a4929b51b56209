"""The demo accounts (forum.organisations.demo.seed_accounts) and manage.py demo_logins.

manage.py seed_demo, which runs every app's demo seeding, is tested in tests/discussions/test_seed_demo.py."""

from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.utils import timezone

from forum.accounts import permissions as policy
from forum.accounts.models import User
from forum.organisations import demo
from forum.organisations.models import Membership, Organisation

pytestmark = pytest.mark.django_db


def seed() -> None:
    demo.seed_accounts()


def test_seeds_every_role_and_is_idempotent():
    seed()
    seed()
    assert Organisation.objects.count() == 6
    assert Organisation.objects.exclude(name_ar="").count() == 6
    assert any(any("\u0600" <= ch <= "\u06ff" for ch in o.name) for o in Organisation.objects.all())
    assert any(o.name.isascii() for o in Organisation.objects.all())
    assert User.objects.count() == len(demo.USERS)
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == len(demo.USERS)

    def user(key):
        return User.objects.get(email=f"{key}@{demo.DEMO_DOMAIN}")

    admin = user("admin")
    assert policy.is_admin(admin) and admin.is_staff and admin.check_password(demo.DEMO_PASSWORD)
    assert policy.is_global_moderator(user("moderator")) and not policy.is_admin(user("moderator"))
    reps = Membership.objects.filter(kind="representative")
    assert reps.count() == 2 and all(policy.is_representative(m.user) for m in reps)
    assert Membership.objects.filter(kind="member").count() >= 5
    observer = user("observer")
    assert policy.observer_access_active(observer)
    assert 29 <= (observer.access_ends_at - timezone.now()).days <= 30
    assert policy.is_observer(user("observer-expired")) and not policy.observer_access_active(user("observer-expired"))
    assert policy.is_suspended(user("suspended"))
    assert user("suspended").restrictions.count() == 1  # not duplicated by the second run


def test_demo_logins_prints_the_table():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "Run `manage.py seed_demo` first" in out.getvalue()
    seed()
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for spec in demo.USERS:
        assert spec.email in text
    assert text.count(demo.DEMO_PASSWORD) == 1  # said once, not on every row
    assert "set up an authenticator app" in text
    lines = text.splitlines()
    assert lines[0].startswith("Madaniya is at http")
    table = lines.index(next(line for line in lines if line.strip().startswith("EMAIL")))
    assert "admin" in lines[table + 1]
    assert len(lines) <= len(demo.USERS) + 10  # brief: the table and a few lines


def test_demo_has_an_open_invitation_whose_link_demo_logins_prints(client):
    from forum.organisations.models import Invitation

    seed()
    seed()
    invitation = Invitation.objects.get(email=demo.INVITED_EMAIL)
    assert invitation.is_open and invitation.organisation.slug == demo.INVITED_ORGANISATION
    out = StringIO()
    call_command("demo_logins", stdout=out)
    link = out.getvalue().strip().splitlines()[-1].strip()
    assert "/organisations/invitation/" in link
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    response = client.get(path)
    assert response.status_code == 302


def test_demo_logins_links_follow_the_address_served_and_say_where_email_goes(settings, tmp_path):
    """`make run PORT=…` sets FORUM_SITE_URL and the file mail backend: every printed link uses that
    address (it used to print port 8000 whatever PORT was) and the output names the mail folder."""
    settings.FORUM_SITE_URL = "http://127.0.0.1:8123"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    seed()
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    links = [word for word in text.split() if "://" in word]
    assert links and all(link.startswith("http://127.0.0.1:8123/") for link in links)
    assert f"written to {tmp_path}" in text
    assert ":8000" not in text
