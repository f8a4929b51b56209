import json

import pytest

from forum.core import personal_data
from forum.notifications import services
from forum.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


def test_notifications_and_preference_are_exported_and_erased(make_user):
    lina, omar = make_user(), make_user()
    services.notify(recipient=lina, kind="reply", actor=omar, url="/t/post/1/", data={"thread_title": "T"})
    services.notify(recipient=omar, kind="mention", actor=lina, url="/t/post/2/", data={})
    services.preference_set(actor=lina, email="daily")
    exported = personal_data.export_all(lina)["notifications"]
    json.dumps(exported)
    assert exported["email_preference"] == "daily"
    assert [n["url"] for n in exported["notifications"]] == ["/t/post/1/"]
    personal_data.erase_all(lina)
    assert not Notification.objects.filter(recipient=lina).exists()
    assert not NotificationPreference.objects.filter(user=lina).exists()
    # Omar's notice about Lina's post stays, without her name.
    assert Notification.objects.get(recipient=omar).actor is None
