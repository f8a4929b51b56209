"""Moderation's part of "download my data" and "delete my account"."""

import pytest

from forum.core import personal_data
from forum.moderation import services
from forum.moderation.models import Appeal, Flag

pytestmark = pytest.mark.django_db


def test_export_and_erase(post, make_user, flag_post, moderator, rule, author):
    reporter = make_user(role="member")
    flag = flag_post(post, reporter, reason="other", text="He names my cousin's street")
    action = services.item_act(actor=moderator, item=flag.item, kind="hide", rule=rule, note="Hidden.")
    services.appeal_create(actor=author, action=action, statement="My cousin agreed.")
    entry = {e.name: e for e in personal_data.entries()}["moderation"]
    mine = entry.export(reporter)
    assert mine["flags"][0]["text"] == "He names my cousin's street" and mine["flags"][0]["state"] == "actioned"
    theirs = entry.export(author)
    assert theirs["decisions_about_me"][0]["rule"] == "No personal attacks"
    assert theirs["appeals"][0]["statement"] == "My cousin agreed."
    entry.erase(reporter)
    entry.erase(author)
    assert Flag.objects.get().text == "—" and Appeal.objects.get().statement == ""
