from datetime import timedelta

import pytest
from django.utils import timezone

from tests.discussions.factories import (  # noqa: F401
    _generous_post_rate,
    give_mfa,
    make_category,
    make_post,
    make_thread,
)


@pytest.fixture
def make_poll(db, make_thread, make_user):  # noqa: F811
    """make_poll(thread=..., kind=..., electorate=..., options=[...], ...) through the real service."""
    from forum.polls import services

    def make(*, thread=None, author=None, question="Which well first?", options=("North", "South", "East"),
             closes_in=timedelta(days=7), **fields):
        if thread is None:
            thread = make_thread(author=author or make_user(role="member"))
        return services.poll_create(actor=thread.author, thread=thread, question=question, options=list(options),
                                    closes_at=timezone.now() + closes_in, **fields)

    return make


def option_ids(poll, *labels):
    by_label = {o.label: o.pk for o in poll.options.all()}
    return [by_label[label] for label in labels]
