import json

import pytest

from forum.core import personal_data
from forum.discussions import subscriptions, unread
from forum.discussions.models import ReadState, Subscription

pytestmark = pytest.mark.django_db


def test_subscriptions_and_read_marks_are_exported_and_erased(make_thread, make_user, make_category):
    lina = make_user()
    thread = make_thread(author=lina)
    category = make_category()
    subscriptions.subscription_set(actor=lina, category=category, level="mute")
    exported = personal_data.export_all(lina)
    json.dumps(exported)
    assert {"thread": thread.pk, "category": None, "level": "watch"} in exported["discussions.subscriptions"]
    assert {"thread": None, "category": category.pk, "level": "mute"} in exported["discussions.subscriptions"]
    assert exported["discussions.read_state"][0]["last_read_post"] == thread.last_post_id
    personal_data.erase_all(lina)
    assert not Subscription.objects.filter(user=lina).exists()
    assert not ReadState.objects.filter(user=lina).exists()
    # The remembered mark went too: reading again writes a new one.
    unread.mark_read(user=lina, thread=thread, last_post_id=thread.last_post_id)
    assert ReadState.objects.filter(user=lina, thread=thread).exists()
