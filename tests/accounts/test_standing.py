"""What a member whose standing changed sees: suspended or banned members and observers whose access
ended land on a page that says what happened and until when (no menus leading to 403); warnings
show as a notice until read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forum.accounts.models import Restriction

from .conftest import sign_in

pytestmark = pytest.mark.django_db


def _restrict(user, **fields):
    return Restriction.objects.create(user=user, reason=fields.pop("reason", "Repeated insults"), **fields)


def test_a_suspended_member_signs_in_and_reads_why_and_until_when(client, make_user):
    member = make_user(email="s@example.org")
    ends = timezone.now() + timedelta(days=5)
    _restrict(member, kind="suspension", ends_at=ends, reason="Insulted another member")
    response = sign_in(client, "s@example.org")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:standing")
    page = client.get(reverse("accounts:standing")).content.decode()
    assert "Your account is suspended" in page and "Insulted another member" in page
    assert str(ends.astimezone(timezone.get_current_timezone()).year) in page
    # The header offers only what still opens: no discussions, organisations, search or notifications.
    for name in ("categories:index", "organisations:index", "search:search", "notifications:index"):
        assert f'href="{reverse(name)}"' not in page
    assert reverse("accounts:settings") in page


def test_the_categories_page_sends_them_to_their_standing(client, make_user):
    member = make_user(suspended=True)
    client.force_login(member)
    response = client.get(reverse("categories:index"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:standing")


def test_a_banned_member_reads_that_the_ban_has_no_end(client, make_user):
    member = make_user()
    _restrict(member, kind="ban", reason="Revealed a witness's address")
    client.force_login(member)
    page = client.get(reverse("accounts:standing")).content.decode()
    assert "Your account is banned" in page and "no end date" in page and "witness" in page


def test_an_observer_whose_access_ended_reads_when(client, make_user):
    observer = make_user(role="observer", access_days=-2, email="o@example.org")
    response = sign_in(client, "o@example.org")
    assert response["Location"] == reverse("accounts:standing")
    page = client.get(reverse("accounts:standing")).content.decode()
    assert "Your observer access has ended" in page
    assert f'href="{reverse("categories:index")}"' not in page
    assert observer.access_ends_at is not None


def test_a_pending_suspension_changes_nothing_for_the_member(client, make_user):
    member = make_user(role="representative", email="r@example.org")
    _restrict(member, kind="suspension", pending_confirmation=True)
    response = sign_in(client, "r@example.org")
    assert response["Location"] != reverse("accounts:standing")
    page = client.get(reverse("accounts:standing")).content.decode()
    assert "nothing restricts it" in page


def test_mutes_show_where_they_apply(client, make_user):
    from forum.categories.models import Category

    member = make_user()
    category = Category.objects.create(name="Water rights", slug="water")
    _restrict(member, kind="mute", scope="category", object_id=category.pk, reason="Off topic",
              ends_at=timezone.now() + timedelta(days=1))
    client.force_login(member)
    page = client.get(reverse("accounts:standing")).content.decode()
    assert "Water rights" in page and "Off topic" in page and "you can read but not write" in page


def test_a_warning_is_a_notice_until_the_member_reads_it(client, make_user, make_user_other=None):
    member = make_user()
    warning = _restrict(member, kind="warning", reason="Please keep to the topic")
    client.force_login(member)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "A moderator has warned you" in page and "Please keep to the topic" in page
    response = client.post(reverse("accounts:warning_seen", args=[warning.pk]),
                           {"next": reverse("accounts:settings")})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:settings")
    assert "A moderator has warned you" not in client.get(reverse("accounts:settings")).content.decode()
    warning.refresh_from_db()
    assert warning.seen_at is not None


def test_nobody_acknowledges_another_members_warning(client, make_user):
    member, other = make_user(), make_user()
    warning = _restrict(member, kind="warning")
    client.force_login(other)
    assert client.post(reverse("accounts:warning_seen", args=[warning.pk])).status_code == 404
    warning.refresh_from_db()
    assert warning.seen_at is None


def test_account_settings_link_the_audit_log_for_those_who_read_it(client, make_user):
    from forum.categories.models import Category

    category_moderator, member = make_user(), make_user()
    Category.objects.create(name="Water", slug="water").moderators.add(category_moderator)
    client.force_login(category_moderator)
    assert reverse("audit:log") in client.get(reverse("accounts:settings")).content.decode()
    client.force_login(member)
    assert reverse("audit:log") not in client.get(reverse("accounts:settings")).content.decode()
