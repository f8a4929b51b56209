"""The poll services: adding a poll, casting and changing ballots, closing; every refusal named in the
issue (#12 §4) is a translated refusal that changes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from forum.polls import services
from forum.polls.models import Ballot, Choice, Poll

from .conftest import option_ids

pytestmark = pytest.mark.django_db


def _state():
    return (list(Ballot.objects.values_list("id", "voter_id", "organisation_id", "revision").order_by("id")),
            list(Choice.objects.values_list("ballot_id", "option_id", "rank").order_by("id")))


def refused(call, error=PermissionDenied, match=None):
    """`call` is refused with `error` and nothing about the ballots changed."""
    before = _state()
    with pytest.raises(error) as excinfo:
        call()
    assert _state() == before
    if match:
        assert match in " ".join(getattr(excinfo.value, "messages", None) or [str(excinfo.value)])
    return excinfo.value


# --- Adding a poll -------------------------------------------------------------------------------

def test_the_author_adds_a_poll_with_its_options_in_order(make_poll):
    poll = make_poll(options=["North", "  South  ", "", "East"])
    assert [o.label for o in poll.options.all()] == ["North", "South", "East"]
    assert poll.kind == "single" and poll.secret and poll.electorate == "members"


def test_a_second_poll_in_the_same_thread_is_refused(make_poll):
    poll = make_poll()
    with pytest.raises(PermissionDenied, match="already has a poll"):
        make_poll(thread=poll.thread)
    assert Poll.objects.count() == 1


def test_another_member_cannot_add_a_poll_to_someone_elses_thread(make_thread, make_user):
    thread = make_thread()
    with pytest.raises(PermissionDenied):
        services.poll_create(actor=make_user(role="member"), thread=thread, question="Q?", options=["a", "b"],
                             closes_at=timezone.now() + timedelta(days=1))
    assert not Poll.objects.exists()


def test_a_category_moderator_adds_a_poll_to_a_members_thread_and_it_is_audited(
        make_thread, make_user, make_category, give_mfa):
    from forum.audit.models import AuditEntry

    moderator = give_mfa(make_user(role="member"))
    category = make_category(moderators=[moderator])
    thread = make_thread(category=category)
    services.poll_create(actor=moderator, thread=thread, question="Q?", options=["a", "b"],
                         closes_at=timezone.now() + timedelta(days=1))
    assert AuditEntry.objects.filter(verb="poll.create", actor=moderator).exists()


@pytest.mark.parametrize(("fields", "field"), [
    ({"question": "   "}, "question"),
    ({"question": "x" * 301}, "question"),
    ({"options": ["only one"]}, "options"),
    ({"options": [f"o{i}" for i in range(21)]}, "options"),
    ({"options": ["Same", "same "]}, "options"),
    ({"options": ["x" * 201, "b"]}, "options"),
    ({"kind": "weighted"}, "kind"),
    ({"electorate": "everyone"}, "electorate"),
    ({"results": "never"}, "results"),
    ({"kind": "multiple", "max_choices": 4}, "max_choices"),
    ({"closes_at": None}, "closes_at"),
    ({"closes_in_past": True}, "closes_at"),
])
def test_bad_poll_input_is_refused_with_a_translated_message_and_nothing_made(make_thread, fields, field):
    thread = make_thread()
    data = {"question": "Which?", "options": ["a", "b", "c"], "closes_at": timezone.now() + timedelta(days=1)}
    if fields.pop("closes_in_past", False):
        data["closes_at"] = timezone.now() - timedelta(minutes=1)
    data.update(fields)
    with translation.override("ar"), pytest.raises(ValidationError) as excinfo:
        services.poll_create(actor=thread.author, thread=thread, **data)
    assert field in excinfo.value.message_dict
    assert not Poll.objects.exists()


def test_poll_messages_are_translated(make_thread):
    thread = make_thread()
    with translation.override("fr"), pytest.raises(ValidationError) as excinfo:
        services.poll_create(actor=thread.author, thread=thread, question="Q", options=["a"],
                             closes_at=timezone.now() + timedelta(days=1))
    assert "au moins deux" in excinfo.value.message_dict["options"][0]


# --- Voting --------------------------------------------------------------------------------------

def test_a_member_votes_and_changes_their_vote_until_close(make_poll, make_user):
    poll = make_poll()
    voter = make_user(role="member")
    ballot = services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "North"))
    assert list(ballot.choices.values_list("option__label", flat=True)) == ["North"]
    changed = services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "South"),
                                   replaces=f"{ballot.pk}:{ballot.revision}")
    assert changed.pk == ballot.pk and changed.revision == 2
    assert list(changed.choices.values_list("option__label", flat=True)) == ["South"]
    assert Ballot.objects.count() == 1


def test_voting_twice_is_refused(make_poll, make_user):
    poll = make_poll()
    voter = make_user(role="member")
    services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "North"))
    refused(lambda: services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "South")),
            match="already voted")


def test_a_stale_change_form_is_refused(make_poll, make_user):
    poll = make_poll()
    voter = make_user(role="member")
    ballot = services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "North"))
    services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "East"), replaces=f"{ballot.pk}:1")
    refused(lambda: services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "South"),
                                         replaces=f"{ballot.pk}:1"), match="changed meanwhile")


@pytest.mark.parametrize("replaces", ["999999:1", "abc", "1:x", "1" * 50])
def test_a_forged_or_malformed_ballot_reference_is_refused(make_poll, make_user, replaces):
    poll = make_poll()
    voter, other = make_user(role="member"), make_user(role="member")
    services.ballot_cast(voter=other, poll=poll, option_ids=option_ids(poll, "North"))
    refused(lambda: services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "South"),
                                         replaces=replaces), ValidationError)


def test_changing_another_voters_ballot_is_refused(make_poll, make_user):
    poll = make_poll()
    voter, other = make_user(role="member"), make_user(role="member")
    theirs = services.ballot_cast(voter=other, poll=poll, option_ids=option_ids(poll, "North"))
    mine = services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "North"))
    refused(lambda: services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "South"),
                                         replaces=f"{theirs.pk}:1"), ValidationError, match="not for your vote")
    assert mine.choices.get().option.label == "North"


def test_voting_after_close_is_refused(make_poll, make_user):
    poll = make_poll()
    voter = make_user(role="member")
    Poll.objects.filter(pk=poll.pk).update(opens_at=timezone.now() - timedelta(days=1),
                                           closes_at=timezone.now() - timedelta(seconds=1))
    poll.refresh_from_db()
    refused(lambda: services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "North")),
            match="closed")


def test_voting_before_the_poll_opens_is_refused(make_poll, make_user):
    poll = make_poll(opens_at=timezone.now() + timedelta(days=1), closes_in=timedelta(days=3))
    refused(lambda: services.ballot_cast(voter=make_user(), poll=poll, option_ids=option_ids(poll, "North")),
            match="not open yet")


def test_an_observer_never_votes(make_poll, make_user, make_thread):
    from forum.accounts.models import ObserverGrant

    poll = make_poll()
    observer = make_user(role="observer", access_days=5)
    ObserverGrant.objects.create(user=observer, scope="category", object_id=poll.thread.category_id)
    with translation.override("fr"):
        error = refused(lambda: services.ballot_cast(voter=observer, poll=poll, option_ids=option_ids(poll, "North")))
    assert "observateurs" in str(error).lower()


@pytest.mark.parametrize(("kind", "choices", "code"), [
    ("single", [], "empty"),
    ("single", ["North", "South"], "too_many"),
    ("multiple", ["North", "South", "East"], "too_many"),
    ("ranked", ["North", "North"], "duplicate"),
])
def test_bad_ballots_are_refused(make_poll, make_user, kind, choices, code):
    fields = {"kind": kind, "max_choices": 2} if kind == "multiple" else {"kind": kind}
    poll = make_poll(**fields)
    ids = option_ids(poll, *choices)
    error = refused(lambda: services.ballot_cast(voter=make_user(), poll=poll, option_ids=ids), ValidationError)
    assert error.error_dict["choices"][0].code == code


@pytest.mark.parametrize("bad", [["999999"], ["-1"], ["1e3"], ["x"], ["9" * 40]])
def test_unknown_or_forged_option_ids_are_refused(make_poll, make_user, bad):
    poll = make_poll(kind="ranked")
    refused(lambda: services.ballot_cast(voter=make_user(), poll=poll, option_ids=bad), ValidationError)


def test_an_option_of_another_poll_is_refused(make_poll, make_user):
    poll, other = make_poll(), make_poll()
    refused(lambda: services.ballot_cast(voter=make_user(), poll=poll, option_ids=option_ids(other, "North")),
            ValidationError, match="not one of this poll")


def test_a_ranked_ballot_keeps_its_order(make_poll, make_user):
    poll = make_poll(kind="ranked")
    ballot = services.ballot_cast(voter=make_user(), poll=poll, option_ids=option_ids(poll, "East", "North"))
    assert list(ballot.choices.values_list("option__label", "rank")) == [("East", 1), ("North", 2)]


# --- One vote per organisation ---------------------------------------------------------------------

@pytest.fixture
def organisation_poll(make_poll):
    return make_poll(electorate="organisations", secret=False)


def test_a_member_who_is_not_a_representative_cannot_cast_the_organisations_vote(organisation_poll, make_user,
                                                                                 make_organisation):
    member = make_user(role="member", organisation=make_organisation())
    refused(lambda: services.ballot_cast(voter=member, poll=organisation_poll,
                                         option_ids=option_ids(organisation_poll, "North")),
            match="representatives")


def test_a_representative_without_a_second_factor_is_told_to_enrol(organisation_poll, make_user):
    from forum.accounts.permissions import SecondFactorRequired

    refused(lambda: services.ballot_cast(voter=make_user(role="representative"), poll=organisation_poll,
                                         option_ids=option_ids(organisation_poll, "North")), SecondFactorRequired)


def test_several_representatives_of_one_organisation_have_one_vote(organisation_poll, make_user, make_organisation,
                                                                   give_mfa):
    from forum.polls import selectors

    poll = organisation_poll
    horizon, wells = make_organisation(name="Horizon"), make_organisation(name="Wells")
    first, second, third = (give_mfa(make_user(role="representative", organisation=horizon)) for _ in range(3))
    other = give_mfa(make_user(role="representative", organisation=wells))
    ballot = services.ballot_cast(voter=first, poll=poll, option_ids=option_ids(poll, "North"))
    for rep in (second, third):  # they had not seen their organisation's vote
        refused(lambda rep=rep: services.ballot_cast(voter=rep, poll=poll, option_ids=option_ids(poll, "South")),
                match="organisation has already voted")
    services.ballot_cast(voter=other, poll=poll, option_ids=option_ids(poll, "South"))
    # A second representative who has seen it may change the organisation's vote (it stays one vote).
    changed = services.ballot_cast(voter=second, poll=poll, option_ids=option_ids(poll, "East"),
                                   replaces=f"{ballot.pk}:1")
    assert changed.pk == ballot.pk and changed.voter == second and changed.organisation == horizon
    results = selectors.results_for(poll, list(poll.options.all()), with_voters=True)
    assert results.ballots == 2
    assert {r.option.label: r.count for r in results.rows} == {"North": 0, "South": 1, "East": 1}
    assert sorted(org for _name, org, _labels in results.voters) == ["Horizon", "Wells"]


def test_the_database_keeps_one_ballot_per_organisation(organisation_poll, make_user, make_organisation):
    from django.db import IntegrityError, transaction

    org = make_organisation()
    a, b = make_user(role="representative", organisation=org), make_user(role="representative", organisation=org)
    Ballot.objects.create(poll=organisation_poll, voter=a, organisation=org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(poll=organisation_poll, voter=b, organisation=org)


def test_representatives_only_poll(make_poll, make_user, give_mfa):
    poll = make_poll(electorate="representatives")
    refused(lambda: services.ballot_cast(voter=make_user(role="member"), poll=poll,
                                         option_ids=option_ids(poll, "North")), match="representatives")
    rep = give_mfa(make_user(role="representative"))
    assert services.ballot_cast(voter=rep, poll=poll, option_ids=option_ids(poll, "North")).organisation is None


# --- Closing -------------------------------------------------------------------------------------

def test_the_author_closes_the_poll_and_then_nobody_votes(make_poll, make_user):
    poll = make_poll()
    services.poll_close(actor=poll.thread.author, poll=poll)
    poll.refresh_from_db()
    assert poll.is_closed()
    refused(lambda: services.ballot_cast(voter=make_user(), poll=poll, option_ids=option_ids(poll, "North")))
    with pytest.raises(PermissionDenied, match="already closed"):
        services.poll_close(actor=poll.thread.author, poll=poll)


def test_closing_a_poll_not_yet_open_keeps_its_dates_consistent(make_poll):
    poll = make_poll(opens_at=timezone.now() + timedelta(days=1), closes_in=timedelta(days=3))
    services.poll_close(actor=poll.thread.author, poll=poll)
    poll.refresh_from_db()
    assert poll.opens_at < poll.closes_at <= timezone.now()


def test_votes_and_changes_past_the_rate_are_refused_and_nothing_changes(make_poll, make_user, settings):
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "poll_vote": "2/m"}
    poll, other = make_poll(), make_poll()
    voter = make_user()
    ballot = services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "North"))
    ballot = services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "South"),
                                  replaces=f"{ballot.pk}:1")
    with translation.override("en"):
        # A third change, and a first vote in another poll: the rate is per member, across polls.
        refused(lambda: services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "East"),
                                             replaces=f"{ballot.pk}:2"),
                ValidationError, "You are voting too fast: at most 2 votes per minute")
        refused(lambda: services.ballot_cast(voter=voter, poll=other, option_ids=option_ids(other, "East")),
                ValidationError, "Please wait a minute")
    with pytest.raises(ValidationError) as excinfo:
        services.ballot_cast(voter=voter, poll=other, option_ids=option_ids(other, "East"))
    assert excinfo.value.code == "rate_limited"
    assert Ballot.objects.get(poll=poll).choices.get().option.label == "South"
    # Another member is not held to this member's rate.
    services.ballot_cast(voter=make_user(), poll=poll, option_ids=option_ids(poll, "East"))
    assert Ballot.objects.filter(poll=poll).count() == 2


def test_the_vote_rate_over_a_longer_window_says_how_long_to_wait(make_poll, make_user, settings):
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "poll_vote": "2/5m"}
    poll = make_poll()
    voter = make_user()
    ballot = services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "North"))
    ballot = services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "South"),
                                  replaces=f"{ballot.pk}:1")
    with translation.override("fr"):
        refused(lambda: services.ballot_cast(voter=voter, poll=poll, option_ids=option_ids(poll, "East"),
                                             replaces=f"{ballot.pk}:2"),
                ValidationError, "au plus 2 votes en 5 minutes")
