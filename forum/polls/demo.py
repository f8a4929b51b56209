"""The demo poll: on the demo thread that asks organisations whether they agree with Article 1, one
vote per organisation, voters public, results always shown, with the two demo representatives'
votes already cast. Idempotent (matched by its thread). Ballots are written directly: the demo
representatives have no second factor yet, which the voting service would ask of them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from forum.accounts import permissions as accounts
from forum.discussions.models import Thread

from .models import Ballot, Choice, Poll

THREAD_TITLE = "Article 1 : la citoyenneté égale"
QUESTION = "Votre organisation approuve-t-elle l’article 1 ?"
OPTIONS = ["D’accord", "D’accord, avec réserves", "Pas d’accord", "Abstention"]
VOTES = {"rep-lamsa": "D’accord", "rep-bina": "D’accord, avec réserves"}


def seed_poll(users) -> Poll | None:
    thread = Thread.objects.filter(title=THREAD_TITLE).first()
    if thread is None:
        return None
    poll = Poll.objects.filter(thread=thread).first()
    if poll is not None:
        return poll
    now = timezone.now()
    poll = Poll.objects.create(thread=thread, question=QUESTION, kind=Poll.Kind.SINGLE,
                               electorate=Poll.Electorate.ORGANISATIONS, results=Poll.Results.ALWAYS, secret=False,
                               opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=14),
                               created_by=thread.author)
    options = {label: poll.options.create(label=label, position=i) for i, label in enumerate(OPTIONS)}
    for key, label in VOTES.items():
        user = users.get(key)
        if user is None:
            continue
        ballot = Ballot.objects.create(poll=poll, voter=user, organisation_id=accounts.organisation_id(user))
        Choice.objects.create(ballot=ballot, option=options[label], rank=1)
    return poll
