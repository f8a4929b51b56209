"""Every write of polls: add a poll to a thread, cast or change a ballot, close a poll.

Each checks the permission first, validates, saves in one transaction, audits what a moderator did
to someone else's thread, and tells open pages of the thread after commit (`events`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from forum.accounts import permissions as accounts
from forum.audit.services import record
from forum.core import ratelimit
from forum.discussions import activity

from . import events, permissions
from .models import Ballot, Choice, Option, Poll

MIN_OPTIONS = 2
MAX_OPTIONS = 20
QUESTION_MAX_CHARS = 300
OPTION_MAX_CHARS = 200


def _invalid(field: str, message: str, code: str) -> ValidationError:
    """A refusal of one field's value, with a stable code (tests and forms tell the cases apart)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _clean_text(value, *, limit: int, field: str) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise _invalid(field, _("This field cannot be empty."), "required")
    if len(text) > limit:
        raise _invalid(field, ngettext("At most %(limit)d character.", "At most %(limit)d characters.",
                                       limit) % {"limit": limit}, "max_length")
    return text


def clean_options(labels) -> list[str]:
    """The options' labels, blank lines dropped: 2 to MAX_OPTIONS, each at most OPTION_MAX_CHARS,
    no two alike (case and spacing ignored)."""
    cleaned = [" ".join(str(label).split()) for label in labels or []]
    cleaned = [label for label in cleaned if label]
    if len(cleaned) < MIN_OPTIONS:
        raise _invalid("options", _("Give at least two options."), "too_few")
    if len(cleaned) > MAX_OPTIONS:
        raise _invalid("options", _("At most %(limit)d options.") % {"limit": MAX_OPTIONS}, "too_many")
    if any(len(label) > OPTION_MAX_CHARS for label in cleaned):
        raise _invalid("options", _("Each option has at most %(limit)d characters.")
                               % {"limit": OPTION_MAX_CHARS}, "max_length")
    if len({label.casefold() for label in cleaned}) != len(cleaned):
        raise _invalid("options", _("Two options are the same."), "duplicate")
    return cleaned


@transaction.atomic
def poll_create(*, actor, thread, question: str, options, kind: str = Poll.Kind.SINGLE,
                max_choices: int | None = None, electorate: str = Poll.Electorate.MEMBERS,
                results: str = Poll.Results.ALWAYS, secret: bool = True, opens_at: datetime | None = None,
                closes_at: datetime) -> Poll:
    """Add a poll to `thread` (its author, or a moderator: audited); open pages show it after commit."""
    permissions.check_create_poll(actor, thread)
    errors = {}
    try:
        question = _clean_text(question, limit=QUESTION_MAX_CHARS, field="question")
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        labels = clean_options(options)
    except ValidationError as e:
        errors.update(e.message_dict)
        labels = []
    if kind not in Poll.Kind.values:
        errors["kind"] = [_("Choose a kind of poll.")]
    if electorate not in Poll.Electorate.values:
        errors["electorate"] = [_("Choose who may vote.")]
    if results not in Poll.Results.values:
        errors["results"] = [_("Choose when the results are shown.")]
    if kind == Poll.Kind.MULTIPLE:
        if max_choices is None:
            max_choices = len(labels)
        elif not (1 <= max_choices <= max(len(labels), 1)):
            errors["max_choices"] = [_("Between 1 and the number of options.")]
    else:
        max_choices = None
    now = timezone.now()
    opens_at = opens_at or now
    if closes_at is None:
        errors["closes_at"] = [_("Say when the poll closes.")]
    elif closes_at <= max(opens_at, now):
        errors["closes_at"] = [_("The poll must close after it opens, and in the future.")]
    if errors:
        raise ValidationError(errors)
    poll = Poll.objects.create(thread=thread, question=question, kind=kind, max_choices=max_choices,
                               electorate=electorate, results=results, secret=bool(secret), opens_at=opens_at,
                               closes_at=closes_at, created_by=actor)
    Option.objects.bulk_create(Option(poll=poll, label=label, position=i) for i, label in enumerate(labels))
    if thread.author_id != actor.pk:
        record(actor=actor, verb="poll.create", target=thread, data={"poll": poll.pk})
    activity.broadcast_to_thread(thread.pk, events.poll_changed(poll))
    return poll


@transaction.atomic
def poll_close(*, actor, poll: Poll) -> Poll:
    """Close the poll now (its author, or a moderator: audited); results shown after closing appear."""
    permissions.check_close_poll(actor, poll)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    now = timezone.now()
    if poll.opens_at >= now:  # closed before it opened: it was open for no time at all
        poll.opens_at = now - timedelta(microseconds=1)
    poll.closes_at = now
    poll.save(update_fields=["opens_at", "closes_at"])
    if poll.thread.author_id != actor.pk:
        record(actor=actor, verb="poll.close", target=poll.thread, data={"poll": poll.pk})
    activity.broadcast_to_thread(poll.thread_id, events.poll_changed(poll))
    return poll


def _parse_ids(raw) -> list[int]:
    ids = []
    for value in raw or []:
        text = str(value).strip()
        if not text.isdigit() or len(text) > 18:
            raise _invalid("choices", _("That is not one of this poll's options."), "unknown_option")
        ids.append(int(text))
    return ids


def clean_ballot(poll: Poll, option_ids) -> list[int]:
    """The options chosen, in order (first choice first for ranked choice): known options of this
    poll, none twice, as many as the poll's kind allows."""
    ids = _parse_ids(option_ids)
    if not ids:
        raise _invalid("choices", _("Choose at least one option."), "empty")
    known = set(poll.options.values_list("id", flat=True))
    if any(i not in known for i in ids):
        raise _invalid("choices", _("That is not one of this poll's options."), "unknown_option")
    if len(set(ids)) != len(ids):
        raise _invalid("choices", _("An option appears twice on the ballot: give each option at most "
                                            "one rank."), "duplicate")
    if poll.kind == Poll.Kind.SINGLE and len(ids) != 1:
        raise _invalid("choices", _("Choose one option."), "too_many")
    if poll.kind == Poll.Kind.MULTIPLE and len(ids) > (poll.max_choices or len(known)):
        raise _invalid("choices", ngettext("Choose at most %(limit)d option.",
                                                   "Choose at most %(limit)d options.", poll.max_choices)
                               % {"limit": poll.max_choices}, "too_many")
    return ids


def _already_voted(poll: Poll) -> PermissionDenied:
    if poll.per_organisation:
        return PermissionDenied(_("Your organisation has already voted in this poll. Its vote is shown "
                                  "below: change it there if you must."))
    return PermissionDenied(_("You have already voted in this poll. Your vote is shown below: change it "
                              "there if you wish."))


def parse_replaces(raw) -> tuple[int, int] | None:
    """"<ballot id>:<revision>" from a change form, None when empty; malformed: a refusal."""
    text = str(raw or "").strip()
    if not text:
        return None
    ballot_id, _sep, revision = text.partition(":")
    if not (ballot_id.isdigit() and revision.isdigit() and len(text) <= 40):
        raise _invalid("replaces", _("This form is out of date: reload the page."), "bad_replaces")
    return int(ballot_id), int(revision)


def _check_vote_rate(voter) -> None:
    """At most FORUM_RATE_LIMITS["poll_vote"] votes and changed votes per member per window
    (forum.core.ratelimit); the refusal says the rate and how long to wait."""
    usage = ratelimit.consume("poll_vote", key=voter.pk)
    if not usage:
        limit, minutes = usage.limit, max(1, usage.window // 60)
        raise ValidationError(
            ngettext("You are voting too fast: at most %(limit)d votes per minute. Please wait a minute "
                     "and try again.",
                     "You are voting too fast: at most %(limit)d votes in %(minutes)d minutes. Please wait "
                     "%(minutes)d minutes and try again.", minutes) % {"limit": limit, "minutes": minutes},
            code="rate_limited",
        )


@transaction.atomic
def ballot_cast(*, voter, poll: Poll, option_ids, replaces: str | None = None) -> Ballot:
    """Cast `voter`'s ballot (their organisation's, in a one-vote-per-organisation poll), or change it.

    A first vote says no `replaces`; a change names the ballot and revision it was made from
    ("<id>:<revision>", from the form showing it), so a second vote from another tab, a replayed form
    or a second representative who had not seen their organisation's vote is refused, not counted
    twice or silently overwritten. The database keeps one ballot per voter / organisation, so two
    first votes at once cannot both be stored either. At most FORUM_RATE_LIMITS["poll_vote"] votes and
    changes per member (refused with code `rate_limited`). Open pages of the thread hear of it after commit.
    """
    permissions.check_vote_in_poll(voter, poll)
    ids = clean_ballot(poll, option_ids)
    previous = parse_replaces(replaces)
    _check_vote_rate(voter)  # a well-formed vote or change counts, before anything is written
    organisation_id = accounts.organisation_id(voter) if poll.per_organisation else None
    existing = Ballot.objects.select_for_update().filter(poll=poll)
    existing = (existing.filter(organisation_id=organisation_id) if poll.per_organisation
                else existing.filter(voter=voter, organisation__isnull=True))
    ballot = existing.first()
    if ballot is None and previous is not None:
        raise _invalid("replaces", _("The vote this form would change does not exist: reload the page."), "bad_replaces")
    if ballot is not None and previous is None:
        raise _already_voted(poll)
    if ballot is not None and previous != (ballot.pk, ballot.revision):
        if previous[0] != ballot.pk:
            raise _invalid("replaces", _("This form is not for your vote: reload the page."), "bad_replaces")
        raise PermissionDenied(_("This vote was changed meanwhile (in another window, or by another "
                                 "representative). Reload the page to see it before changing it."))
    if ballot is None:
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(poll=poll, voter=voter, organisation_id=organisation_id)
        except IntegrityError:  # another first vote of the same voter / organisation committed first
            raise _already_voted(poll) from None
    else:
        ballot.voter = voter
        ballot.revision += 1
        ballot.save(update_fields=["voter", "revision", "updated_at"])
        ballot.choices.all().delete()
    Choice.objects.bulk_create(Choice(ballot=ballot, option_id=option_id, rank=rank)
                               for rank, option_id in enumerate(ids, start=1))
    accounts._cache(voter).pop(f"poll-ballot:{poll.pk}", None)
    count = Ballot.objects.filter(poll=poll).count()
    activity.broadcast_to_thread(poll.thread_id, events.poll_counted(poll, ballots=count))
    return ballot
