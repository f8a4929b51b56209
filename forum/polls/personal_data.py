"""What polls hold about a person: the ballots they cast (or last changed for their organisation).

The download names the polls one voted in, and one's choices only in polls whose voters are public:
a secret ballot stays secret even in a file that leaves the site (a downloaded file can be seen by
others). Nothing is erased with the account: the ballots stay counted, and the account itself is
anonymised, so a public poll then shows "Former member" (forum/accounts/services.account_delete).
"""

from forum.core import personal_data

from .models import Ballot


def export_ballots(user):
    ballots = (Ballot.objects.filter(voter=user).select_related("poll", "organisation")
               .prefetch_related("choices__option").order_by("id"))
    return [
        {"poll": b.poll_id, "thread": b.poll.thread_id, "question": b.poll.question, "secret": b.poll.secret,
         "for_organisation": b.organisation.name if b.organisation else None,
         "cast_at": b.created_at.isoformat(), "changed_at": b.updated_at.isoformat(),
         **({} if b.poll.secret else {"choices": [c.option.label for c in b.choices.all()]})}
        for b in ballots
    ]


personal_data.register("polls.ballots", export=export_ballots)
