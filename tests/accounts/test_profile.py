"""Profile page and profile editing: display name rules, bio, language; bad input saves nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forum.accounts import permissions
from forum.accounts.models import User

EDIT = "/me/profile/"


def post_profile(client, **fields):
    data = {"display_name": "Amina", "bio": "", "preferred_language": ""}
    data.update(fields)
    return client.post(EDIT, data)


def test_profile_shows_name_organisation_bio_and_avatar(member_client, make_user, make_organisation):
    org = make_organisation(name="Syrian Women Network")
    target = make_user(display_name="Rami Haddad", organisation=org)
    User.objects.filter(pk=target.pk).update(bio="Journalist in Aleppo")
    response = member_client.get(reverse("accounts:profile", kwargs={"user_id": target.pk}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rami Haddad" in html and "Syrian Women Network" in html and "Journalist in Aleppo" in html
    assert 'class="avatar avatar-hue-' in html and ">RH</span>" in html
    assert "badge-observer" not in html
    assert "gravatar" not in html.lower()


def test_observer_badge_is_visible_on_an_observers_profile(member_client, make_user):
    observer = make_user(role="observer", display_name="Envoy Smith")
    html = member_client.get(reverse("accounts:profile", kwargs={"user_id": observer.pk})).content.decode()
    assert 'class="badge badge-observer">Observer<' in html


def test_representative_badge(member_client, make_user):
    rep = make_user(role="representative")
    html = member_client.get(reverse("accounts:profile", kwargs={"user_id": rep.pk})).content.decode()
    assert ">Representative<" in html


def test_deleted_member_profile_is_not_found(member_client, make_user):
    gone = make_user()
    User.objects.filter(pk=gone.pk).update(is_active=False)
    assert member_client.get(reverse("accounts:profile", kwargs={"user_id": gone.pk})).status_code == 404


def test_observer_cannot_browse_member_profiles(client, make_user):
    observer = make_user(role="observer")
    client.force_login(observer)
    response = client.get(reverse("accounts:profile", kwargs={"user_id": make_user().pk}))
    assert response.status_code == 403


@pytest.mark.parametrize("viewer_role", ["member", "observer", "moderator", "admin", "representative"])
@pytest.mark.parametrize("target_role", ["member", "observer", "moderator", "admin"])
def test_view_profile_check_and_queryset_agree(make_user, viewer_role, target_role):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    viewer, target = make_user(role=viewer_role), make_user(role=target_role)
    try:
        permissions.check_view_profile(viewer, target)
        allowed = True
    except (PermissionDenied, Http404):
        allowed = False
    assert permissions.visible_users(viewer, User.objects.filter(pk=target.pk)).exists() == allowed


@pytest.mark.parametrize("with_organisation", [False, True])
def test_profile_page_query_count_is_constant(client, make_user, django_assert_num_queries, with_organisation):
    viewer = make_user()
    target = make_user(role="representative" if with_organisation else "moderator")
    client.force_login(viewer)
    url = reverse("accounts:profile", kwargs={"user_id": target.pk})
    client.get(url)
    # session, viewer, unread-notification badge, viewer's restrictions, target,
    # membership+organisation. (allauth's session activity tracking would add 5 per request; it is
    # off: USERSESSIONS_TRACK_ACTIVITY.)
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200


def test_member_changes_name_bio_and_language(member_client):
    user = member_client.user
    response = post_profile(member_client, display_name="  Amina   Khalil ", bio="Teacher in Idlib",
                            preferred_language="fr")
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Amina Khalil"
    assert user.display_name_key == "amina khalil"
    assert user.bio == "Teacher in Idlib"
    assert user.preferred_language == "fr"


def test_arabic_display_name_is_accepted(member_client):
    assert post_profile(member_client, display_name="أمينة خليل").status_code == 302
    member_client.user.refresh_from_db()
    assert member_client.user.display_name == "أمينة خليل"


BAD_NAMES = {
    "bidi override": ("Amina\u202eevil", "Names cannot contain invisible or text-direction characters."),
    "right-to-left isolate": ("\u2067Amina", "Names cannot contain invisible or text-direction characters."),
    "zero-width space": ("Ami\u200bna", "Names cannot contain invisible or text-direction characters."),
    "zero-width joiner": ("Ami\u200dna", "Names cannot contain invisible or text-direction characters."),
    "ten thousand characters": ("a" * 10_000, "Names can be at most 60 characters long."),
    "NUL": ("Ami\x00na", "Null characters are not allowed."),
    "only spaces": ("   ", "Please enter a name."),
    "only punctuation": ("!!!", "A name needs at least one letter or digit."),
    "control character": ("Ami\x07na", "Names cannot contain control characters."),
}


@pytest.mark.parametrize("case", list(BAD_NAMES))
def test_bad_display_name_is_refused_and_nothing_is_saved(member_client, case):
    value, message = BAD_NAMES[case]
    user = member_client.user
    before = (user.display_name, user.display_name_key, user.bio, user.preferred_language)
    response = post_profile(member_client, display_name=value, bio="changed bio", preferred_language="fr")
    assert response.status_code == 400
    assert message in response.content.decode()
    user.refresh_from_db()
    assert (user.display_name, user.display_name_key, user.bio, user.preferred_language) == before


@pytest.mark.parametrize("lookalike", ["RAMI HADDAD", "Rami  Haddad", "Ｒａｍｉ Ｈａｄｄａｄ"])
def test_display_name_that_looks_like_another_members_is_refused(member_client, make_user, lookalike):
    other = make_user(display_name="Rami Haddad")
    User.objects.filter(pk=other.pk).update(display_name_key="rami haddad")
    response = post_profile(member_client, display_name=lookalike)
    assert response.status_code == 400
    assert "This name is already used by another member." in response.content.decode()
    member_client.user.refresh_from_db()
    assert member_client.user.display_name_key != "rami haddad"


def test_keeping_ones_own_name_is_not_a_duplicate(member_client):
    user = member_client.user
    User.objects.filter(pk=user.pk).update(display_name_key=user.display_name.casefold())
    assert post_profile(member_client, display_name=user.display_name.upper()).status_code == 302


BAD_BIOS = {
    "too long": ("x" * 501, "The bio can be at most 500 characters long (it has 501)."),
    "bidi override": ("hello \u202e world", "The bio cannot contain text-direction override characters."),
    "NUL": ("hello\x00", "Null characters are not allowed."),
    "bell": ("hello\x07", "The bio cannot contain control characters."),
}


@pytest.mark.parametrize("case", list(BAD_BIOS))
def test_bad_bio_is_refused_and_nothing_is_saved(member_client, case):
    value, message = BAD_BIOS[case]
    user = member_client.user
    before = (user.display_name, user.bio)
    response = post_profile(member_client, display_name="Someone New", bio=value)
    assert response.status_code == 400
    assert message in response.content.decode()
    user.refresh_from_db()
    assert (user.display_name, user.bio) == before


def test_bio_with_line_breaks_and_arabic_marks_is_fine(member_client):
    response = post_profile(member_client, bio="سطر أول\r\nline two \u200f")
    assert response.status_code == 302


def test_unknown_language_is_refused(member_client):
    response = post_profile(member_client, preferred_language="xx")
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    member_client.user.refresh_from_db()
    assert member_client.user.preferred_language == ""


def test_profile_edit_page_has_labels(member_client):
    html = member_client.get(EDIT).content.decode()
    for field in ("display_name", "bio", "preferred_language"):
        assert f'<label for="id_{field}">' in html
    assert 'dir="auto"' in html


def test_anonymous_cannot_edit_a_profile(client):
    response = client.get(EDIT)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["ß" * 60, "ΐ" * 60, "Straße " * 8 + "Anna"])
def test_names_whose_comparison_key_is_longer_than_the_name_are_saved(member_client, name):
    """Case folding can triple a name's length (ß → ss, ΐ → three characters): the uniqueness key's
    column must hold it (PostgreSQL refused it with a 500)."""
    from forum.accounts.names import display_name_key

    name = " ".join(name.split())[:60]
    assert post_profile(member_client, display_name=name).status_code == 302
    member_client.user.refresh_from_db()
    assert member_client.user.display_name == name
    assert member_client.user.display_name_key == display_name_key(name)
    assert len(member_client.user.display_name_key) > 60


@pytest.mark.parametrize("standing", ["suspended", "expired_observer"])
def test_suspended_or_expired_member_cannot_change_name_or_bio(client, make_user, standing):
    from django.core.exceptions import PermissionDenied

    from forum.accounts import services

    user = (make_user(role="member", display_name="Rami", suspended=True) if standing == "suspended"
            else make_user(role="observer", display_name="Rami", access_days=-1))
    client.force_login(user)
    response = post_profile(client, display_name="Rami the moderator", bio="Official account")
    assert response.status_code == 403
    assert client.get(EDIT).status_code == 403
    with pytest.raises(PermissionDenied):
        services.profile_update(user=user, actor=user, display_name="Rami 2", bio="x")
    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("Rami", "")


def test_suspended_member_keeps_the_rights_over_their_own_data(make_user):
    user = make_user(role="member", suspended=True)
    permissions.check_export_data(user, user)
    permissions.check_delete_account(user, user)
