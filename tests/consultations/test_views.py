"""The consultation pages over HTTP: the comparison (filter, grid, who has not responded, timeline),
the position form, history, synthesis and exports; bad input answered with a translated refusal and
nothing changed; query counts constant in the number of organisations."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from forum.consultations.models import Position, PositionRevision
from tests.consultations.factories import close

pytestmark = pytest.mark.django_db


def _url(name, consultation, **kw):
    return reverse(f"consultations:{name}", kwargs={"consultation_id": consultation.pk, **kw})


def _rows():
    return (list(Position.objects.order_by("pk").values_list("stance", "source", "revision_count")),
            PositionRevision.objects.count())


@pytest.fixture
def consultation(make_consultation):
    return make_consultation(title="Water charter", sub_questions=["Timing?"])


def test_the_comparison_shows_positions_stances_and_who_has_not_responded(
        client, consultation, make_representative, make_organisation, submit, make_user):
    yes_org, no_org, silent = (make_organisation(name=n) for n in ("Nahr", "Sahel", "Quiet Org"))
    submit(actor=make_representative(organisation=yes_org), consultation=consultation, stance="in_favour",
           source="We *support* it", answers={"1": "Now"})
    submit(actor=make_representative(organisation=no_org), consultation=consultation, stance="against",
           source="We oppose it")
    make_representative(organisation=silent)
    client.force_login(make_user(role="member", organisation=yes_org))
    body = client.get(_url("detail", consultation)).content.decode()
    assert "We <em>support</em> it" in body and "We oppose it" in body and "Now" in body
    assert "2 of 3 organisations have responded." in body
    not_yet = body.split('id="grid-not-yet"')[1].split("</section>")[0]
    assert "Quiet Org" in not_yet and "Nahr" not in not_yet
    in_favour = body.split('id="grid-in_favour"')[1].split("</section>")[0]
    assert "Nahr" in in_favour and "Sahel" not in in_favour
    assert body.count("submitted its position") == 2
    filtered = client.get(_url("detail", consultation) + "?stance=against").content.decode()
    assert "We oppose it" in filtered and "We <em>support</em> it" not in filtered
    unknown = client.get(_url("detail", consultation) + "?stance=<script>").content.decode()
    assert "We oppose it" in unknown and "<script>" not in unknown


def test_the_fragment_is_the_comparison_only(client, consultation, make_representative, submit):
    rep = make_representative()
    submit(actor=rep, consultation=consultation, source="Fragment text")
    client.force_login(rep)
    response = client.get(_url("detail", consultation) + "?fragment=comparison")
    body = response.content.decode()
    assert response.status_code == 200 and "Fragment text" in body and "<html" not in body


def test_the_page_costs_the_same_queries_whatever_the_number_of_organisations(
        client, consultation, make_representative, submit, make_user, django_assert_num_queries):
    reader = make_user(role="member")
    client.force_login(reader)
    for _ in range(2):
        submit(actor=make_representative(), consultation=consultation, source="One")
    client.get(_url("detail", consultation))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(_url("detail", consultation))
    for _ in range(6):
        submit(actor=make_representative(), consultation=consultation, source="More", answers={"1": "x"})
    with django_assert_num_queries(len(few)):
        response = client.get(_url("detail", consultation))
    assert response.content.decode().count('class="card position') == 8


def test_a_representative_submits_and_revises_through_the_form(client, consultation, make_representative):
    rep = make_representative()
    client.force_login(rep)
    form = client.get(_url("position", consultation)).content.decode()
    assert 'name="answer_1"' in form and 'name="revision"' in form
    response = client.post(_url("position", consultation), {"stance": "abstain", "source": "First", "answer_1": "A"})
    assert response.status_code == 302
    position = Position.objects.get()
    assert (position.stance, position.answers) == ("abstain", {"1": "A"})
    prefilled = client.get(_url("position", consultation)).content.decode()
    assert 'value="1"' in prefilled and "First</textarea>" in prefilled
    client.post(_url("position", consultation), {"stance": "in_favour", "source": "Second", "revision": "1"})
    history = client.get(_url("history", consultation, position_id=position.pk)).content.decode()
    assert "Version 2" in history and "Version 1" in history and "First" in history and "Second" in history


def test_a_second_position_from_the_same_organisation_is_refused_over_http(client, consultation,
                                                                           make_representative, submit):
    rep = make_representative()
    colleague = make_representative(organisation=rep.memberships.get().organisation)
    submit(actor=rep, consultation=consultation, source="Ours")
    before = _rows()
    client.force_login(colleague)
    # Both opened the empty form before either sent it: the second has no version to revise.
    response = client.post(_url("position", consultation), {"stance": "against", "source": "Theirs"})
    assert response.status_code == 400
    assert "already submitted its position" in response.content.decode()
    assert _rows() == before


def test_refusals_are_translated(client, consultation, make_representative, make_user):
    member = make_user(role="member", preferred_language="fr")
    client.force_login(member)
    response = client.post(_url("position", consultation), {"stance": "against", "source": "x"},
                           HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403
    assert "Seul un représentant" in response.content.decode()
    assert Position.objects.count() == 0
    rep = make_representative()
    client.force_login(rep)
    close(consultation)
    response = client.post(_url("position", consultation), {"stance": "against", "source": "x"},
                           HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 403 and "انتهى" in response.content.decode()
    assert Position.objects.count() == 0


@pytest.mark.parametrize(("data", "message"), [
    ({"stance": "perhaps", "source": "x"}, "Choose a stance"),
    ({"stance": "against", "source": "   "}, "the text is empty"),
    ({"stance": "against", "source": "x", "answer_7": "forged"}, "does not have"),
    ({"stance": "against", "source": "x", "revision": "abc"}, "whole number"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, consultation, make_representative, data,
                                                               message):
    client.force_login(make_representative())
    response = client.post(_url("position", consultation), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert Position.objects.count() == 0


def test_forged_ids_are_not_found(client, consultation, make_consultation, make_representative, submit):
    rep = make_representative()
    elsewhere = submit(actor=make_representative(), consultation=make_consultation(), source="Elsewhere")
    client.force_login(rep)
    assert client.get(reverse("consultations:detail", kwargs={"consultation_id": 999999})).status_code == 404
    assert client.post(reverse("consultations:position", kwargs={"consultation_id": 999999}),
                       {"stance": "against", "source": "x"}).status_code == 404
    # A position of another consultation, named under this one.
    assert client.get(_url("history", consultation, position_id=elsewhere.pk)).status_code == 404
    # A plain thread is no consultation.
    from forum.discussions.models import Thread

    plain = Thread.objects.exclude(pk__in=[consultation.pk, elsewhere.consultation_id]).first()
    if plain is not None:
        assert client.get(reverse("consultations:detail", kwargs={"consultation_id": plain.pk})).status_code == 404
    assert Position.objects.count() == 1


def test_a_hidden_position_keeps_its_organisation_listed_but_not_its_text(
        client, consultation, make_representative, submit, make_user, give_mfa):
    from forum.consultations import services

    position = submit(actor=make_representative(), consultation=consultation, stance="against", source="Secret words")
    moderator = give_mfa(make_user(role="moderator"))
    services.position_hide(actor=moderator, position=position, reason="Rule", reason_titles={"en": "Rule"})
    reader = make_user(role="member")
    client.force_login(reader)
    body = client.get(_url("detail", consultation)).content.decode()
    assert "Secret words" not in body and "hidden by the moderators" in body
    assert position.organisation.name in body.split('id="grid-hidden"')[1].split("</section>")[0]
    assert client.get(_url("history", consultation, position_id=position.pk)).status_code == 403
    assert "Secret words" not in client.get(_url("export_markdown", consultation)).content.decode()
    assert "Secret words" not in client.get(_url("export_csv", consultation)).content.decode()
    client.force_login(moderator)
    assert "Secret words" in client.get(_url("detail", consultation)).content.decode()


def test_exports_carry_positions_and_synthesis_and_defuse_formulas(client, consultation, make_representative,
                                                                    make_organisation, submit, organiser):
    org = make_organisation(name="=HYPERLINK(1)")
    submit(actor=make_representative(organisation=org), consultation=consultation, stance="reservations",
           source="+cmd text", answers={"1": "Later"})
    close(consultation)
    from forum.consultations import services

    services.synthesis_publish(actor=organiser, consultation=consultation, source="Broad support")
    client.force_login(organiser)
    markdown = client.get(_url("export_markdown", consultation))
    assert markdown["Content-Type"].startswith("text/markdown")
    text = markdown.content.decode()
    assert "# Water charter" in text and "+cmd text" in text and "Broad support" in text and "Later" in text
    rows = list(csv.reader(io.StringIO(client.get(_url("export_csv", consultation)).content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["organisation", "stance", "signed_by"] and rows[0][-1] == "answer_1"
    assert rows[1][0] == "'=HYPERLINK(1)" and rows[1][1] == "reservations" and rows[1][6] == "'+cmd text"
    assert rows[-1][0] == "synthesis" and rows[-1][6] == "Broad support"


def test_the_synthesis_shows_on_the_page(client, consultation, organiser):
    close(consultation)
    client.force_login(organiser)
    response = client.post(_url("synthesis", consultation), {"source": "Most **agree**"})
    assert response.status_code == 302
    assert "Most <strong>agree</strong>" in client.get(_url("detail", consultation)).content.decode()
    empty = client.post(_url("synthesis", consultation), {"source": " "})
    assert empty.status_code == 400 and "the text is empty" in empty.content.decode()


def test_a_representative_without_a_second_factor_is_offered_the_form_and_sent_to_enrol(client, consultation,
                                                                                         make_user):
    rep = make_user(role="representative")
    client.force_login(rep)
    page = client.get(_url("detail", consultation)).content.decode()
    assert _url("position", consultation) in page
    response = client.get(_url("position", consultation))
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]
    assert Position.objects.count() == 0


def test_the_form_offers_a_categorys_moderators_as_organisers_and_refuses_one_of_another_category(
        client, organiser, make_category, make_user):
    from forum.consultations.models import Consultation

    category, elsewhere = make_category(name="Eau"), make_category(name="Santé")
    ours = make_user(role="member", display_name="Rim Category Moderator")
    theirs = make_user(role="member", display_name="Sami Other Moderator")
    category.moderators.add(ours)
    elsewhere.moderators.add(theirs)
    client.force_login(organiser)
    page = client.get(reverse("consultations:create")).content.decode()
    assert "Rim Category Moderator" in page and "Sami Other Moderator" in page
    data = {"category": category.pk, "title": "Charte de l’eau", "question": "Signer ?",
            "deadline": "2099-01-01T10:00", "organisers": [theirs.pk]}
    refused = client.post(reverse("consultations:create"), data, HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 400
    assert "Seuls les modérateurs de cette catégorie" in refused.content.decode()
    assert "Sami Other Moderator" in refused.content.decode()
    assert not Consultation.objects.exists()
    accepted = client.post(reverse("consultations:create"), {**data, "organisers": [ours.pk]})
    assert accepted.status_code == 302
    assert set(Consultation.objects.get().organisers.values_list("pk", flat=True)) == {organiser.pk, ours.pk}
