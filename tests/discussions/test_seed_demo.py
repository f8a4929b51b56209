"""manage.py seed_demo: every app's demo data, seeded from the top of the layers."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command, get_commands

from forum.accounts.models import ObserverGrant, User
from forum.categories.models import Category
from forum.discussions.models import Thread
from forum.organisations import demo

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        seed()
    assert not User.objects.exists() and not Category.objects.exists()
    seed("--force")
    assert User.objects.count() == len(demo.USERS)


def test_seeds_accounts_then_content_then_grants_the_observers_the_first_category(settings):
    settings.DEBUG = True
    out = seed()
    assert "Demo content ready" in out and "Demo data ready: 6 organisations" in out
    assert User.objects.count() == len(demo.USERS)
    # The demo threads are written by the demo accounts, so the accounts come first.
    assert Thread.objects.filter(author__email=f"member-bina@{demo.DEMO_DOMAIN}").exists()
    first = Category.objects.order_by("position", "pk").first()
    assert first.slug == "general"
    for key in ("observer", "observer-expired"):
        observer = User.objects.get(email=f"{key}@{demo.DEMO_DOMAIN}")
        assert ObserverGrant.objects.filter(user=observer, scope="category", object_id=first.pk).count() == 1
    seed()
    assert ObserverGrant.objects.filter(scope="category").count() == 2  # not duplicated by the second run


def test_the_command_lives_in_the_app_that_owns_the_content():
    # At the top of the layers with demo data (live sessions); not in organisations, which would
    # have to reach categories and threads by label, above it.
    assert get_commands()["seed_demo"] == "forum.live"
    assert get_commands()["seed_demo_content"] == "forum.discussions"
