"""Each rule's check and queryset forms agree."""

import pytest

from forum.consultations import permissions
from forum.consultations.models import Consultation

pytestmark = pytest.mark.django_db


def test_visible_consultations_agrees_with_check_view_consultation(make_consultation, make_category, make_user,
                                                                   make_organisation, give_mfa):
    org = make_organisation()
    open_to_all = make_consultation()
    for_org = make_consultation(category=make_category(visibility="restricted", allowed_organisations=[org]))
    for_nobody = make_consultation(category=make_category(visibility="restricted"))
    deleted = make_consultation()
    type(deleted.thread).objects.filter(pk=deleted.pk).update(deleted_at=deleted.created_at)
    users = [make_user(role="member"), make_user(role="member", organisation=org), make_user(role="observer"),
             give_mfa(make_user(role="moderator")), make_user(role="member", suspended=True)]
    for user in users:
        listed = set(permissions.visible_consultations(user).values_list("pk", flat=True))
        for consultation in Consultation.objects.select_related("thread", "thread__category"):
            assert (consultation.pk in listed) == permissions.allows(
                permissions.check_view_consultation, user, consultation), (user, consultation)
    assert open_to_all and for_org and for_nobody
