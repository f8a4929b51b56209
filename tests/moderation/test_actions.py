"""Moderators' actions on items and their authors: scope, rule required, conflict of interest,
claims, what readers and the author see, notices and the audit log."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from forum.audit.models import AuditEntry
from forum.discussions.models import Post
from forum.moderation import services
from forum.moderation.models import Action, Flag, ReviewItem
from forum.notifications import texts
from forum.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(post, make_user, flag_post):
    return flag_post(post, make_user(role="member"), reason="harassment").item


def _state():
    return (list(Action.objects.values_list("pk", flat=True)), list(AuditEntry.objects.values_list("pk", flat=True)),
            list(Post.objects.values_list("pk", "hidden_at", "deleted_at")),
            list(ReviewItem.objects.values_list("pk", "state", "claimed_by_id")),
            list(Notification.objects.values_list("pk", flat=True)))


def test_hide_with_a_rule_shows_readers_the_rule_and_tells_the_author_in_their_language(
        item, post, moderator, rule, author, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        action = services.item_act(actor=moderator, item=item, kind="hide", rule=rule, note="Please rephrase.")
    post.refresh_from_db()
    assert post.hidden_at is not None
    assert post.hidden_reason == {"ar": "لا هجمات شخصية", "en": "No personal attacks", "fr": "Pas d'attaques personnelles",
                                  "decision": f"/moderation/decisions/{action.pk}/"}
    item.refresh_from_db()
    assert item.state == "actioned" and item.flags.get().state == Flag.State.ACTIONED
    assert AuditEntry.objects.filter(verb="post.hide", actor=moderator, target_id=str(post.pk)).exists()
    entry = AuditEntry.objects.get(verb="moderation.hide")
    assert entry.data["rule"] == rule.pk and entry.data["note"] == "Please rephrase."
    notice = Notification.objects.get(recipient=author)
    assert notice.url.endswith(f"/moderation/decisions/{action.pk}/")
    with translation.override("ar"):
        assert "لا هجمات شخصية" in texts.describe(notice)
    with translation.override("en"):
        assert texts.describe(notice) == "The moderators hid your post in “Wells of Idlib”. Rule: No personal attacks."
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [author.email]
    assert mail.outbox[0].extra_headers["Content-Language"] == "ar"


def test_an_action_without_a_rule_is_refused_and_changes_nothing(item, moderator, make_rule):
    before = _state()
    for rule in (None, make_rule(active=False), "1"):
        with pytest.raises(ValidationError) as caught:
            services.item_act(actor=moderator, item=item, kind="hide", rule=rule)
        assert "rule" in caught.value.message_dict
    assert _state() == before


def test_a_category_moderator_acts_in_their_category_only(item, post, make_user, give_mfa, make_category, rule):
    elsewhere = give_mfa(make_user(role="member"))
    make_category(moderators=[elsewhere])
    before = _state()
    # The post is in a category they read: a named refusal, not "it does not exist".
    with pytest.raises(PermissionDenied) as caught:
        services.item_act(actor=elsewhere, item=item, kind="hide", rule=rule)
    assert "outside your moderation scope" in str(caught.value)
    assert _state() == before
    here = give_mfa(make_user(role="member"))
    post.thread.category.moderators.add(here)
    services.item_act(actor=here, item=item, kind="hide", rule=rule)
    post.refresh_from_db()
    assert post.hidden_at is not None


def test_a_moderator_who_cannot_even_see_the_item_gets_a_404(make_user, give_mfa, make_category, make_thread,
                                                             make_post, flag_post, rule, make_organisation):
    org = make_organisation()
    hidden_place = make_category(visibility="restricted", allowed_organisations=[org])
    writer, insider = make_user(role="member", organisation=org), make_user(role="member", organisation=org)
    post = make_post(thread=make_thread(category=hidden_place, author=writer), author=writer,
                     source="Behind closed doors")
    item = flag_post(post, insider).item
    elsewhere = give_mfa(make_user(role="member"))
    make_category(moderators=[elsewhere])
    before = _state()
    with pytest.raises(Http404):
        services.item_act(actor=elsewhere, item=item, kind="hide", rule=rule)
    assert _state() == before


def test_members_and_moderators_without_mfa_cannot_act(item, make_user, rule):
    before = _state()
    for actor in (make_user(role="member"), make_user(role="moderator")):
        with pytest.raises(PermissionDenied):
            services.item_act(actor=actor, item=item, kind="hide", rule=rule)
    assert _state() == before


def test_conflict_of_interest_refuses_a_moderator_of_the_authors_organisation(
        item, author, make_user, give_mfa, rule, settings):
    from forum.organisations.models import Membership

    colleague = give_mfa(make_user(role="moderator"))
    Membership.objects.create(user=colleague, organisation=author.memberships.get().organisation, kind="member")
    before = _state()
    with pytest.raises(PermissionDenied, match="your own organisation"):
        services.item_act(actor=colleague, item=item, kind="hide", rule=rule)
    assert _state() == before
    settings.FORUM_MODERATION_CONFLICT_OF_INTEREST = False
    services.item_act(actor=colleague, item=item, kind="hide", rule=rule)


def test_a_claim_keeps_other_moderators_from_acting(item, moderator, second_moderator, rule):
    services.item_claim(actor=moderator, item=item)
    before = _state()
    with pytest.raises(PermissionDenied, match="claimed"):
        services.item_act(actor=second_moderator, item=item, kind="dismiss", rule=rule)
    with pytest.raises(PermissionDenied, match="claimed"):
        services.item_claim(actor=second_moderator, item=item)
    assert _state() == before
    services.item_act(actor=moderator, item=item, kind="dismiss", rule=rule)
    item.refresh_from_db()
    assert item.claimed_by is None and item.state == "dismissed"


def test_dismiss_shows_a_held_post_again(post, make_user, flag_post, moderator, rule):
    item = flag_post(post, make_user(role="member"), reason="endangers").item
    services.item_act(actor=moderator, item=item, kind="dismiss", rule=rule)
    post.refresh_from_db()
    assert post.hidden_at is None and post.hidden_reason == {}
    assert Flag.objects.get().state == Flag.State.DISMISSED
    assert not Notification.objects.filter(recipient=post.author).exists()  # nothing happened to them


def test_restore_shows_a_hidden_post_and_delete_keeps_its_text_in_the_audit_log(item, post, moderator, rule):
    services.item_act(actor=moderator, item=item, kind="hide", rule=rule)
    services.item_act(actor=moderator, item=item, kind="restore", rule=rule)
    post.refresh_from_db()
    assert post.hidden_at is None
    with pytest.raises(ValidationError, match="not hidden"):
        services.item_act(actor=moderator, item=item, kind="restore", rule=rule)
    services.item_act(actor=moderator, item=item, kind="delete", rule=rule)
    post.refresh_from_db()
    assert post.deleted_at is not None and post.removed_by_moderator and post.source == ""
    assert AuditEntry.objects.get(verb="post.remove").data["before"] == "A rude reply"


def test_suspend_and_mute_go_through_accounts_restrictions(item, moderator, rule, author):
    from forum.accounts import permissions as accounts
    from forum.accounts.models import Restriction

    services.item_act(actor=moderator, item=item, kind="mute", rule=rule, days=2)
    mute = Restriction.objects.get(kind="mute")
    assert (mute.scope, mute.object_id, mute.user) == ("category", item.category_id, author)
    # The next sanction suggests a longer time (1, 3, 7, 30, 90 days).
    assert services.suggested_days(author) == 3
    services.item_act(actor=moderator, item=item, kind="suspend", rule=rule)
    suspension = Restriction.objects.get(kind="suspension")
    assert 2 < (suspension.ends_at - suspension.starts_at).days + 1 <= 3
    accounts.forget(author)
    assert accounts.is_suspended(author)
    assert AuditEntry.objects.filter(verb="restriction.create").count() == 2


def test_warn_is_recorded_and_told(item, moderator, rule, author):
    services.item_act(actor=moderator, item=item, kind="warn", rule=rule)
    assert AuditEntry.objects.filter(verb="user.warn", target_id=str(author.pk)).exists()
    with translation.override("fr"):
        assert "averti" in texts.describe(Notification.objects.get(recipient=author))


def test_bad_sanction_lengths_are_refused(item, moderator, rule):
    before = _state()
    for days in (0, 99999, "soon"):
        with pytest.raises(ValidationError):
            services.item_act(actor=moderator, item=item, kind="suspend", rule=rule, days=days)
    assert _state() == before


def test_queue_counts_reach_the_moderators_open_pages(post, make_user, flag_post, moderator, listen,
                                                      django_capture_on_commit_callbacks):
    from forum.core import realtime

    listener = listen(realtime.user_group(moderator.pk))
    member_listener = listen(realtime.user_group(post.author_id))
    with django_capture_on_commit_callbacks(execute=True):
        flag_post(post, make_user(role="member"))
    import time

    seen, deadline = [], time.monotonic() + 5  # Redis under load may take a moment
    while {"type": "moderation.queue", "count": 1} not in seen and time.monotonic() < deadline:
        seen += listener.events()
    assert {"type": "moderation.queue", "count": 1} in seen
    assert not [e for e in member_listener.events() if e.get("type") == "moderation.queue"]
