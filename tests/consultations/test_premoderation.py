"""A position held for review before it is shown (issue #12 §3: "moderation applies to positions like
any post"): a watched word's "hold" or a pre-moderated category keeps it out of sight — of the page,
its fragment, the exports, the count, the grid and the timeline — for everyone but its organisation's
representatives (who read "awaiting review") and the category's moderators, until a moderator
approves it from the queue; rejected, it stays out of sight and its signer is told."""

from __future__ import annotations

import csv
import html
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from forum.accounts import permissions as accounts
from forum.audit.models import AuditEntry
from forum.categories.models import Category
from forum.consultations import events, permissions, selectors, services
from forum.consultations.models import Position, PositionRevision
from forum.moderation import selectors as moderation_selectors
from forum.moderation import services as moderation
from forum.moderation.models import ReviewItem, Rule
from forum.notifications import texts
from forum.notifications.models import Notification

pytestmark = pytest.mark.django_db

HELD_TEXT = "We reject the rumour about the mechanism"


@pytest.fixture
def admin(make_user, give_mfa):
    return give_mfa(make_user(role="admin"))


@pytest.fixture
def word(admin):
    """word(text, action) through the watched words' service (the list every process reads)."""
    def add(text, action="hold"):
        return moderation.word_save(actor=admin, text=text, kind="word", action=action)

    return add


@pytest.fixture
def category(make_category):
    return make_category(name="Transitional justice")


@pytest.fixture
def consultation(make_consultation, category):
    return make_consultation(category=category, title="Missing persons", sub_questions=["Timing?"])


@pytest.fixture
def org(make_organisation):
    return make_organisation(name="Nahr Association")


@pytest.fixture
def rep(make_representative, org):
    return make_representative(organisation=org, display_name="Rima Signer")


@pytest.fixture
def moderator(make_user, give_mfa, category):
    """A moderator of this category only."""
    user = give_mfa(make_user(role="member", display_name="Category Moderator"))
    category.moderators.add(user)
    return user


@pytest.fixture
def others(make_user, make_representative, make_organisation, org):
    """Who must not see a held position: a member of its own organisation, and another
    organisation's representative (whose organisation has not responded either)."""
    return {"colleague": make_user(role="member", organisation=org),
            "other representative": make_representative(organisation=make_organisation(name="Sahel Org"))}


def _premoderate(category) -> None:
    Category.objects.filter(pk=category.pk).update(premoderate=True)
    category.refresh_from_db()


def _url(name, consultation, **kw):
    return reverse(f"consultations:{name}", kwargs={"consultation_id": consultation.pk, **kw})


def _item(position) -> ReviewItem:
    return ReviewItem.objects.get(kind="position", object_id=position.pk)


def _consultation_events(broadcasts, consultation):
    return [event for group, event in broadcasts if group == events.consultation_group(consultation.pk)]


def _body(response) -> str:
    return html.unescape(response.content.decode("utf-8-sig"))


def _views_of(client, user, consultation) -> dict[str, str]:
    """What `user` gets from the page, its fragment and both exports."""
    client.force_login(user)
    return {"detail": _body(client.get(_url("detail", consultation))),
            "fragment": _body(client.get(_url("detail", consultation) + "?fragment=comparison")),
            "markdown": _body(client.get(_url("export_markdown", consultation))),
            "csv": _body(client.get(_url("export_csv", consultation)))}


# --- Held on submission --------------------------------------------------------------------------------

def test_a_hold_word_holds_the_position_in_the_queue_audited_and_announced_to_nobody(
        consultation, rep, word, submit, broadcasts, django_capture_on_commit_callbacks):
    word("rumour")
    with django_capture_on_commit_callbacks(execute=True):
        position = submit(actor=rep, consultation=consultation, source=HELD_TEXT)
    position.refresh_from_db()
    assert position.awaiting_review and position.hidden_at is not None
    assert position.hidden_reason == {"premoderation": True}
    item = _item(position)
    assert item.held and item.reasons == ["watched_word"] and item.author_id == rep.pk
    assert item.category_id == consultation.thread.category_id
    hold = AuditEntry.objects.get(verb="position.hold", target_id=str(position.pk))
    assert hold.actor is None and hold.data["premoderation"] == ["watched_word"]
    assert AuditEntry.objects.filter(verb="position.submit", actor=rep).exists()
    # Not even the organisation's id goes to the consultation's open pages.
    assert _consultation_events(broadcasts, consultation) == []


def test_a_hold_word_in_an_answer_holds_it_too(consultation, rep, word, submit):
    word("rumour")
    position = submit(actor=rep, consultation=consultation, source="Clean text", answers={"1": "A rumour"})
    assert Position.objects.get(pk=position.pk).awaiting_review


def test_a_premoderated_category_holds_every_position(consultation, category, rep, submit):
    _premoderate(category)
    position = submit(actor=rep, consultation=consultation, source="Plain words")
    assert Position.objects.get(pk=position.pk).awaiting_review
    assert _item(position).reasons == ["premoderation"] and _item(position).held


def test_a_premoderated_parent_category_holds_it_too(make_category, make_consultation, rep, submit):
    parent = make_category(name="Justice")
    _premoderate(parent)
    consultation = make_consultation(category=make_category(name="Archives", parent=parent))
    position = submit(actor=rep, consultation=consultation)
    assert Position.objects.get(pk=position.pk).awaiting_review


def test_a_flag_word_publishes_it_and_reports_it_to_the_queue(consultation, rep, word, submit, broadcasts,
                                                              django_capture_on_commit_callbacks):
    word("rumour", "flag")
    with django_capture_on_commit_callbacks(execute=True):
        position = submit(actor=rep, consultation=consultation, source=HELD_TEXT)
    assert not Position.objects.get(pk=position.pk).awaiting_review
    item = _item(position)
    assert item.reasons == ["watched_word"] and not item.held
    assert len(_consultation_events(broadcasts, consultation)) == 1


def test_a_block_word_still_refuses_and_saves_nothing(consultation, rep, word, submit):
    word("rumour", "block")
    with pytest.raises(ValidationError) as excinfo:
        submit(actor=rep, consultation=consultation, source=HELD_TEXT)
    assert "source" in excinfo.value.message_dict
    assert not Position.objects.exists() and not PositionRevision.objects.exists()
    assert not ReviewItem.objects.exists()


def test_the_categorys_moderators_and_administrators_are_not_held(
        consultation, category, make_representative, make_organisation, give_mfa, word, submit):
    """As for posts: whoever moderates the category is neither held nor reported."""
    word("rumour")
    _premoderate(category)
    moderating_rep = make_representative(organisation=make_organisation())
    category.moderators.add(moderating_rep)
    position = submit(actor=moderating_rep, consultation=consultation, source=HELD_TEXT)
    assert not Position.objects.get(pk=position.pk).awaiting_review
    assert not ReviewItem.objects.exists()


# --- Who sees it ------------------------------------------------------------------------------------

def test_nobody_else_sees_a_held_position_on_the_page_fragment_exports_count_or_timeline(
        client, consultation, category, rep, others, submit, make_representative, make_organisation):
    submit(actor=make_representative(organisation=make_organisation(name="Published Org")), consultation=consultation,
           source="Our published words")
    _premoderate(category)
    held = submit(actor=rep, consultation=consultation, source=HELD_TEXT, stance="against")
    for who, user in others.items():
        views = _views_of(client, user, consultation)
        for name, body in views.items():
            assert HELD_TEXT not in body, (who, name)
            assert "Our published words" in body, (who, name)
            assert "Awaiting review" not in body and "awaiting review" not in body, (who, name)
        page = views["detail"]
        assert "1 of 3 organisations have responded." in page, who
        assert page.count("submitted its position") == 1, who  # the timeline
        assert f'id="position-{held.pk}"' not in page, who
        not_yet = page.split('id="grid-not-yet"')[1].split("</section>")[0]
        assert "Nahr Association" in not_yet, who  # as far as they know, it has not responded
        against = page.split('id="grid-against"')[1].split("</section>")[0]
        assert "Nahr Association" not in against, who
        assert "Organisations that responded: 1 / 3" in views["markdown"], who
        rows = list(csv_rows(views["csv"]))
        assert [r[0] for r in rows if r[1]] == ["Published Org"], who
        # Its history and its flag form do not exist for them.
        assert client.get(_url("history", consultation, position_id=held.pk)).status_code == 404, who
        flag = reverse("moderation:flag", kwargs={"kind": "position", "item_id": held.pk})
        assert client.get(flag).status_code == 404, who


def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))[1:]


def test_its_representatives_see_it_awaiting_review_and_uncounted(
        client, consultation, category, rep, make_representative, org, submit):
    _premoderate(category)
    held = submit(actor=rep, consultation=consultation, source=HELD_TEXT)
    colleague_rep = make_representative(organisation=org)
    for user in (rep, colleague_rep):
        client.force_login(user)
        page = _body(client.get(_url("detail", consultation)))
        article = page.split(f'id="position-{held.pk}"')[1].split("</article>")[0]
        assert HELD_TEXT in article and "Awaiting review" in article
        assert "awaiting the moderators' review" in article
        assert "0 of 1 organisation has responded." in page
        awaiting = page.split('id="grid-awaiting"')[1].split("</section>")[0]
        assert "Nahr Association" in awaiting
        assert "Nahr Association" not in page.split('id="grid-not-yet"')[1].split("</section>")[0]
        assert "awaiting review" in page.split('id="timeline-heading"')[1]
        assert client.get(_url("history", consultation, position_id=held.pk)).status_code == 200
        # The exports are the published record: a held position is no part of it, for anyone.
        assert HELD_TEXT not in _body(client.get(_url("export_markdown", consultation)))
        assert HELD_TEXT not in _body(client.get(_url("export_csv", consultation)))


@pytest.mark.parametrize(("language", "words"), [
    ("en", "Awaiting review"), ("fr", "En attente de relecture"), ("ar", "بانتظار المراجعة")])
def test_awaiting_review_is_said_in_the_representatives_language(client, consultation, category, rep, submit,
                                                                 language, words):
    _premoderate(category)
    submit(actor=rep, consultation=consultation, source=HELD_TEXT)
    client.force_login(rep)
    page = _body(client.get(_url("detail", consultation), HTTP_ACCEPT_LANGUAGE=language))
    assert words in page


def test_the_submit_form_says_it_awaits_review(client, consultation, category, rep):
    _premoderate(category)
    client.force_login(rep)
    response = client.post(_url("position", consultation), {"stance": "in_favour", "source": HELD_TEXT},
                           follow=True)
    assert response.status_code == 200
    assert "awaits the moderators' review" in _body(response)
    form = _body(client.get(_url("position", consultation)))
    assert "A new version stays held with it" in form


def test_the_categorys_moderator_sees_it_with_its_text_and_stance(client, consultation, category, rep, moderator,
                                                                 submit):
    _premoderate(category)
    held = submit(actor=rep, consultation=consultation, source=HELD_TEXT, stance="reservations")
    client.force_login(moderator)
    page = _body(client.get(_url("detail", consultation)))
    article = page.split(f'id="position-{held.pk}"')[1].split("</article>")[0]
    assert HELD_TEXT in article and "Awaiting your review" in article and "With reservations" in article
    assert "0 of 1 organisation has responded." in page


# --- The queue -----------------------------------------------------------------------------------

def test_the_queue_lists_it_as_awaiting_approval_with_its_reasons(client, consultation, category, rep, moderator,
                                                                 word, submit):
    word("rumour")
    _premoderate(category)
    held = submit(actor=rep, consultation=consultation, source=HELD_TEXT)
    item = _item(held)
    assert sorted(item.reasons) == ["premoderation", "watched_word"]
    entries = moderation_selectors.queue_for_moderator(viewer=moderator, filters=moderation_selectors.QueueFilters())
    entry = next(e for e in entries if e.item.pk == item.pk)
    assert entry.awaiting and HELD_TEXT in entry.excerpt and entry.title == "Missing persons"
    client.force_login(moderator)
    queue = _body(client.get(reverse("moderation:queue")))
    assert HELD_TEXT in queue
    page = _body(client.get(reverse("moderation:item", kwargs={"item_id": item.pk})))
    assert reverse("moderation:approve", kwargs={"item_id": item.pk}) in page
    assert "counts it as the organisation's response" in page


def test_approval_shows_it_to_everyone_counts_it_and_refreshes_open_pages(
        client, consultation, category, rep, moderator, others, submit, broadcasts,
        django_capture_on_commit_callbacks):
    _premoderate(category)
    held = submit(actor=rep, consultation=consultation, source=HELD_TEXT, stance="against")
    item = _item(held)
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("moderation:approve", kwargs={"item_id": item.pk}), {"note": "fine"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert not held.awaiting_review and held.hidden_at is None and held.hidden_reason == {}
    assert AuditEntry.objects.filter(verb="position.approve", actor=moderator, target_id=str(held.pk)).exists()
    assert _item(held).state == ReviewItem.State.APPROVED
    sent = _consultation_events(broadcasts, consultation)
    assert sent == [{"type": events.POSITION_CHANGED, "consultation": consultation.pk,
                     "organisation": held.organisation_id, "revision": 1}]
    for user in others.values():
        views = _views_of(client, user, consultation)
        assert all(HELD_TEXT in body for body in views.values())
        assert "1 of 2 organisations have responded." in views["detail"]


def test_a_position_not_awaiting_review_cannot_be_approved(consultation, rep, moderator, submit):
    position = submit(actor=rep, consultation=consultation)
    with pytest.raises(ValidationError):
        services.position_approve(actor=moderator, position=position)
    with pytest.raises(PermissionDenied):
        services.position_approve(actor=rep, position=position)


def test_a_member_cannot_approve_it(consultation, category, rep, others, submit):
    _premoderate(category)
    held = submit(actor=rep, consultation=consultation)
    with pytest.raises(Http404):  # it does not exist for them
        services.position_approve(actor=others["colleague"], position=held)
    with pytest.raises(PermissionDenied):  # its own representative sees it, but may not approve it
        services.position_approve(actor=rep, position=held)
    assert Position.objects.get(pk=held.pk).awaiting_review


def test_rejected_it_stays_out_of_sight_and_its_signer_is_told(client, consultation, category, rep, moderator,
                                                                others, submit):
    _premoderate(category)
    held = submit(actor=rep, consultation=consultation, source=HELD_TEXT)
    rule = Rule.objects.create(title_en="No rumours", title_ar="لا شائعات", title_fr="Pas de rumeurs")
    moderation.item_act(actor=moderator, item=_item(held), kind="delete", rule=rule)
    held.refresh_from_db()
    assert held.awaiting_review and held.hidden_reason.get("deleted")
    for user in others.values():
        assert HELD_TEXT not in _views_of(client, user, consultation)["detail"]
    notice = Notification.objects.get(recipient=rep)
    with translation.override("en"):
        assert "your organisation's position in the consultation “Missing persons”" in texts.describe(notice)
    with translation.override("fr"):
        assert "position de votre organisation" in texts.describe(notice)
    client.force_login(rep)
    page = _body(client.get(_url("detail", consultation)))
    assert "This position was hidden by the moderators." in page and HELD_TEXT not in page
    with pytest.raises(PermissionDenied):
        permissions.check_revise_position(rep, held)


def test_restore_from_the_queue_is_refused_while_it_awaits_approval(consultation, category, rep, moderator, submit):
    _premoderate(category)
    held = submit(actor=rep, consultation=consultation)
    rule = Rule.objects.create(title_en="r", title_ar="r", title_fr="r")
    with pytest.raises(ValidationError) as excinfo:
        moderation.item_act(actor=moderator, item=_item(held), kind="restore", rule=rule)
    assert excinfo.value.code == "awaiting_review"
    assert Position.objects.get(pk=held.pk).awaiting_review


# --- Revisions ---------------------------------------------------------------------------------------

def test_a_revision_of_a_held_position_stays_held_and_is_announced_to_nobody(
        consultation, category, rep, submit, broadcasts, django_capture_on_commit_callbacks):
    _premoderate(category)
    held = submit(actor=rep, consultation=consultation, source=HELD_TEXT)
    Category.objects.filter(pk=category.pk).update(premoderate=False)  # even when nothing would hold it now
    consultation.thread.category.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        revised = submit(actor=rep, consultation=consultation, source="Second version", base_revision=1)
    revised.refresh_from_db()
    assert revised.awaiting_review and revised.revision_count == 2 and revised.source == "Second version"
    assert _consultation_events(broadcasts, consultation) == []
    assert _item(held).state == ReviewItem.State.OPEN


def test_a_held_revision_takes_a_published_position_out_of_sight_until_approved(
        client, consultation, rep, others, word, moderator, submit, broadcasts, django_capture_on_commit_callbacks):
    published = submit(actor=rep, consultation=consultation, source="First, clean version")
    word("rumour")
    with django_capture_on_commit_callbacks(execute=True):
        submit(actor=rep, consultation=consultation, source=HELD_TEXT, base_revision=1)
    published.refresh_from_db()
    assert published.awaiting_review and published.revision_count == 2
    # Readers' pages are told: the position leaves their sight.
    assert len(_consultation_events(broadcasts, consultation)) == 1
    page = _views_of(client, others["colleague"], consultation)["detail"]
    assert "First, clean version" not in page and HELD_TEXT not in page
    assert "0 of 2 organisations have responded." in page
    moderation.item_approve(actor=moderator, item=_item(published))
    page = _views_of(client, others["colleague"], consultation)["detail"]
    assert HELD_TEXT in page and "1 of 2 organisations have responded." in page


def test_comparison_counts_agree_with_what_each_reader_sees(consultation, category, rep, moderator, others, submit):
    _premoderate(category)
    submit(actor=rep, consultation=consultation)
    for user, listed in ((rep, 1), (moderator, 1), (others["colleague"], 0), (others["other representative"], 0)):
        accounts.forget(user)
        data = selectors.comparison(consultation=consultation, viewer=user)
        assert data.responded == 0 and data.listed == listed and len(data.timeline) == listed, user


def test_the_moderators_page_costs_the_same_queries_whatever_the_number_of_held_positions(
        client, consultation, category, moderator, make_representative, submit, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _premoderate(category)
    for _ in range(2):
        submit(actor=make_representative(), consultation=consultation, source="Held one")
    client.force_login(moderator)
    client.get(_url("detail", consultation))  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(_url("detail", consultation))
    for _ in range(6):
        submit(actor=make_representative(), consultation=consultation, source="Held more")
    with django_assert_num_queries(len(few)):
        response = client.get(_url("detail", consultation))
    assert response.content.decode().count('class="card position stance-awaiting') == 8
