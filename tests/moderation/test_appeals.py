"""Appeals: once, by the person concerned, decided by another moderator; and the transparency page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from forum.audit.models import AuditEntry
from forum.moderation import services
from forum.moderation.models import Appeal
from forum.notifications import texts
from forum.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden(post, make_user, flag_post, moderator, rule):
    item = flag_post(post, make_user(role="member"), reason="harassment").item
    return services.item_act(actor=moderator, item=item, kind="hide", rule=rule)


def test_the_author_appeals_once(hidden, author):
    appeal = services.appeal_create(actor=author, action=hidden, statement="It was a quote.")
    assert appeal.outcome == "pending"
    assert AuditEntry.objects.filter(verb="appeal.create", actor=author).exists()
    with pytest.raises(PermissionDenied, match="once"):
        services.appeal_create(actor=author, action=hidden, statement="Again")
    assert Appeal.objects.count() == 1


def test_only_the_person_concerned_may_appeal_and_a_statement_is_needed(hidden, author, make_user):
    with pytest.raises(Http404):
        services.appeal_create(actor=make_user(role="member"), action=hidden, statement="Me too")
    with pytest.raises(ValidationError):
        services.appeal_create(actor=author, action=hidden, statement="   ")
    assert not Appeal.objects.exists()


def test_the_moderator_who_acted_cannot_decide_the_appeal(hidden, author, moderator):
    appeal = services.appeal_create(actor=author, action=hidden, statement="Please look again.")
    with pytest.raises(PermissionDenied, match="another moderator"):
        services.appeal_decide(actor=moderator, appeal=appeal, outcome="overturned")
    appeal.refresh_from_db()
    assert appeal.outcome == "pending"


def test_another_moderator_overturns_it_the_post_returns_and_the_author_is_told(
        hidden, author, post, second_moderator):
    appeal = services.appeal_create(actor=author, action=hidden, statement="Please look again.")
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome="overturned", note="Fair point.")
    post.refresh_from_db()
    assert post.hidden_at is None
    assert AuditEntry.objects.filter(verb="appeal.overturned", actor=second_moderator).exists()
    assert AuditEntry.objects.filter(verb="post.unhide", actor=second_moderator).exists()
    notice = Notification.objects.filter(recipient=author).order_by("-id").first()
    with translation.override("en"):
        assert "appeal was accepted" in texts.describe(notice)
    with pytest.raises(PermissionDenied, match="already been decided"):
        services.appeal_decide(actor=second_moderator, appeal=appeal, outcome="upheld")


def test_an_overturned_delete_brings_the_text_back(post, make_user, flag_post, moderator, second_moderator, rule,
                                                   author):
    item = flag_post(post, make_user(role="member")).item
    action = services.item_act(actor=moderator, item=item, kind="delete", rule=rule)
    appeal = services.appeal_create(actor=author, action=action, statement="Not spam.")
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome="overturned")
    post.refresh_from_db()
    assert post.deleted_at is None and post.source == "A rude reply" and "A rude reply" in post.html


def test_an_overturned_suspension_is_lifted(post, make_user, flag_post, moderator, second_moderator, rule, author):
    from forum.accounts.models import Restriction

    item = flag_post(post, make_user(role="member")).item
    action = services.item_act(actor=moderator, item=item, kind="mute", rule=rule, days=3)
    appeal = services.appeal_create(actor=author, action=action, statement="Sorry.")
    services.appeal_decide(actor=second_moderator, appeal=appeal, outcome="overturned")
    assert Restriction.objects.get().lifted_at is not None


def test_the_appeal_form_over_http(client, hidden, author, second_moderator):
    client.force_login(author)
    url = reverse("moderation:action", kwargs={"action_id": hidden.pk})
    page = client.get(url).content.decode()
    assert "لا هجمات شخصية" in page and 'name="statement"' in page  # the author reads Arabic
    assert client.post(url, {"statement": ""}).status_code == 400
    assert client.post(url, {"statement": "I quoted someone."}).status_code == 302
    appeal = Appeal.objects.get()
    client.force_login(second_moderator)
    assert f'href="{reverse("moderation:appeal_decide", kwargs={"appeal_id": appeal.pk})}"' in client.get(
        reverse("moderation:queue")).content.decode()
    response = client.post(reverse("moderation:appeal_decide", kwargs={"appeal_id": appeal.pk}),
                           {"outcome": "upheld", "note": "It stays hidden."})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.outcome == "upheld" and appeal.decided_by == second_moderator


def test_transparency_counts_by_month_kind_and_rule_with_no_personal_data(client, hidden, make_user, author):
    client.force_login(make_user(role="member"))
    page = client.get(reverse("moderation:transparency")).content.decode()
    assert "<svg" in page and 'role="img"' in page and "<table" in page
    assert "No personal attacks" in page
    assert author.public_name not in page and "A rude reply" not in page
    assert hidden.actor.public_name not in page
    # The chart's numbers stay SVG numbers in every language (no decimal comma).
    import re

    page = client.get(reverse("moderation:transparency"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    rects = re.findall(r'<rect class="series-\d" x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"', page)
    assert rects and all(re.fullmatch(r"-?[0-9.]+", v) for rect in rects for v in rect)


def test_admins_write_the_guidelines_in_the_site_and_members_read_them(client, make_user, give_mfa):
    from forum.moderation.models import Rule

    admin = give_mfa(make_user(role="admin"))
    client.force_login(admin)
    response = client.post(reverse("moderation:rule_new"), {
        "title_ar": "لا إعلانات", "title_fr": "Pas de publicité", "title_en": "No advertising",
        "body_ar": "", "body_fr": "", "body_en": "", "position": "1", "active": "on"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(verb="rule.save", actor=admin).exists()
    member = make_user(role="member")
    client.force_login(member)
    page = client.get(reverse("moderation:rules"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "No advertising" in page or "لا إعلانات" in page
    assert client.post(reverse("moderation:rule_new"), {"title_en": "x"}).status_code == 403
    assert not Rule.objects.filter(title_en="x").exists()
