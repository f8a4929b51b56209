"""seed_demo: one consultation with two organisations' positions (one revised), once."""

from io import StringIO

import pytest
from django.core.management import call_command

from forum.consultations import demo
from forum.consultations.models import Position, PositionRevision

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_one_consultation_with_two_positions(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent
    consultation = demo.demo_consultation()
    assert consultation is not None and consultation.sub_questions.count() == 2
    positions = Position.objects.filter(consultation=consultation)
    assert positions.count() == 2
    assert sorted(positions.values_list("revision_count", flat=True)) == [1, 2]
    assert PositionRevision.objects.filter(position__consultation=consultation).count() == 3
    from forum.accounts.models import User

    client.force_login(User.objects.get(email="member-olive@madaniya.example"))
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert "حماية الشهود" in page and "steering board" in page
