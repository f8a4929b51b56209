"""The audit log page (/moderation/audit/): administrators and global moderators read all of it,
category moderators the entries of their categories; filters by actor, action, object and date;
keyset pages; a constant number of queries; nothing on it writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils import timezone

from forum.audit.models import AuditEntry
from forum.audit.services import record, scope_key
from forum.categories.models import Category

pytestmark = pytest.mark.django_db

URL = "/moderation/audit/"


@pytest.fixture
def categories():
    water = Category.objects.create(name="Water", slug="water")
    wells = Category.objects.create(name="Wells", slug="wells", parent=water)
    other = Category.objects.create(name="Other", slug="other")
    return water, wells, other


@pytest.fixture
def signed_in(client):
    def sign(user, *, mfa=True):
        if mfa:
            TOTP.activate(user, generate_totp_secret())
        client.force_login(user)
        return client
    return sign


def verbs(response):
    return [entry.verb for entry in response.context["entries"]]


def test_the_url_is_named():
    assert reverse("audit:log") == URL


def test_an_admin_reads_every_entry_newest_first(signed_in, make_user, categories):
    admin = make_user(role="admin")
    record(actor=admin, verb="user.role", reason="Elected")
    record(actor=admin, verb="category.update", target=categories[0])
    response = signed_in(admin).get(URL)
    assert response.status_code == 200
    assert verbs(response) == ["category.update", "user.role"]
    assert 'dir="auto"' in response.content.decode()


def test_a_category_moderator_reads_only_their_categories(signed_in, make_user, categories):
    water, wells, other = categories
    moderator = make_user(role="member")
    water.moderators.add(moderator)
    record(actor=None, verb="thread.lock", scope=scope_key("category", water.pk))
    record(actor=None, verb="thread.pin", scope=scope_key("category", wells.pk))
    record(actor=None, verb="thread.move", scope=scope_key("category", other.pk))
    record(actor=None, verb="user.role")
    response = signed_in(moderator).get(URL)
    assert response.status_code == 200
    assert verbs(response) == ["thread.pin", "thread.lock"]


def test_the_scope_is_read_from_the_target(make_user, categories):
    from forum.discussions.models import Post, Thread

    water = categories[0]
    author = make_user()
    thread = Thread.objects.create(category=water, title="Wells", author=author, last_activity_at=timezone.now())
    post = Post.objects.create(thread=thread, author=author, source="x", html="x", path="00000001")
    assert record(actor=None, verb="thread.lock", target=thread).scope == f"category:{water.pk}"
    assert record(actor=None, verb="post.hide", target=Post.objects.get(pk=post.pk)).scope == f"category:{water.pk}"
    assert record(actor=None, verb="category.update", target=water).scope == f"category:{water.pk}"
    assert record(actor=None, verb="user.role", target=author).scope == ""


@pytest.mark.parametrize("role", ["member", "observer", "representative"])
def test_members_cannot_read_the_log(signed_in, make_user, role):
    record(actor=None, verb="user.role")
    response = signed_in(make_user(role=role), mfa=role == "representative").get(URL)
    assert response.status_code == 403


def test_a_moderator_without_a_second_factor_is_sent_to_enrol(signed_in, make_user):
    response = signed_in(make_user(role="moderator"), mfa=False).get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_index"))


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_filters_by_actor_action_object_and_date(signed_in, make_user, categories, monkeypatch):
    admin, moderator = make_user(role="admin"), make_user(role="moderator")
    member = make_user()
    # Entries are appended in time order (the page pages by id): the oldest is written first, as
    # if 40 days ago (an update would be refused on PostgreSQL).
    forty_days_ago = timezone.now() - timedelta(days=40)
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: forty_days_ago)
        record(actor=moderator, verb="post.hide")
    record(actor=admin, verb="user.role", target=member)
    record(actor=moderator, verb="restriction.create", reason="Spam")
    record(actor=moderator, verb="restriction.lift")
    client = signed_in(admin)
    assert verbs(client.get(URL, {"actor": moderator.pk})) == ["restriction.lift", "restriction.create", "post.hide"]
    assert verbs(client.get(URL, {"actor": moderator.display_name.upper()})) == [
        "restriction.lift", "restriction.create", "post.hide"]
    assert verbs(client.get(URL, {"actor": admin.email})) == ["user.role"]
    assert verbs(client.get(URL, {"actor": "nobody"})) == []
    assert verbs(client.get(URL, {"verb": "restriction"})) == ["restriction.lift", "restriction.create"]
    assert verbs(client.get(URL, {"verb": "restriction.lift"})) == ["restriction.lift"]
    assert verbs(client.get(URL, {"target_type": "accounts.user", "target_id": member.pk})) == ["user.role"]
    since = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert "post.hide" not in verbs(client.get(URL, {"since": since}))
    assert verbs(client.get(URL, {"until": since})) == ["post.hide"]


@pytest.mark.parametrize("query", [{"actor": "x" * 300}, {"verb": "DROP TABLE"}, {"since": "yesterday"},
                                   {"since": "2026-05-02", "until": "2026-05-01"}, {"target_id": "1 OR 1"}])
def test_bad_filters_are_explained_and_show_nothing(signed_in, make_user, query):
    admin = make_user(role="admin")
    record(actor=admin, verb="user.role")
    response = signed_in(admin).get(URL, query)
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert response.context["entries"] == []


def test_pages_follow_by_keyset(signed_in, make_user, settings):
    from forum.audit import selectors

    admin = make_user(role="admin")
    entries = [record(actor=admin, verb="user.role", reason=str(n)) for n in range(selectors.PAGE_SIZE + 3)]
    client = signed_in(admin)
    first = client.get(URL, {"verb": "user"})
    assert len(first.context["entries"]) == selectors.PAGE_SIZE
    older = first.context["older_than"]
    assert f"before={older}" in first.content.decode() and "verb=user" in first.content.decode()
    second = client.get(URL, {"verb": "user", "before": older})
    assert [e.pk for e in second.context["entries"]] == [e.pk for e in reversed(entries[:3])]
    assert second.context["older_than"] is None


@pytest.mark.parametrize("count", [2, 12])
def test_the_page_costs_the_same_queries_whatever_the_number_of_entries(
        signed_in, make_user, django_assert_num_queries, count):
    admin = make_user(role="admin")
    for n in range(count):
        record(actor=make_user(role="moderator"), verb="post.hide", reason=str(n))
    client = signed_in(admin)
    client.get(URL)
    # session, user, restrictions, second factor, entries (with their actors), notification badge
    with django_assert_num_queries(6):
        response = client.get(URL)
    assert len(response.context["entries"]) == count


def test_an_entry_of_a_removed_user_still_names_their_id(signed_in, make_user):
    admin, gone = make_user(role="admin"), make_user(role="moderator")
    record(actor=gone, verb="post.hide")
    gone_id = gone.pk
    gone.delete()
    page = signed_in(admin).get(URL).content.decode()
    assert f"User #{gone_id} (removed)" in page


def test_the_page_writes_nothing(signed_in, make_user):
    admin = make_user(role="admin")
    record(actor=admin, verb="user.role")
    client = signed_in(admin)
    before = list(AuditEntry.objects.values_list("pk", "verb", "reason"))
    assert client.post(URL, {"verb": "nothing"}).status_code == 405
    assert list(AuditEntry.objects.values_list("pk", "verb", "reason")) == before
