"""MFA: privileged users enrol before privileged actions; TOTP sign-in asks for the code."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse

from forum.accounts import permissions
from forum.accounts.adapter import MFAAdapter

from .conftest import sign_in, totp_code

pytestmark = pytest.mark.urls("tests.accounts.urls")
SET_UP_FIRST = "Set up two-factor authentication first."


@pytest.mark.parametrize("role", ["admin", "moderator", "representative"])
def test_privileged_roles_need_mfa(make_user, role):
    assert permissions.needs_mfa(make_user(role=role))


@pytest.mark.parametrize("role", ["member", "observer"])
def test_members_and_observers_do_not_need_mfa(make_user, role):
    user = make_user(role=role)
    assert not permissions.needs_mfa(user)
    permissions.check_privileged_action(user)  # nothing to enrol; the role checks are elsewhere


@pytest.mark.parametrize("role", ["admin", "moderator", "representative"])
def test_privileged_action_is_refused_without_mfa_and_allowed_with_totp(make_user, enrol_totp, role):
    user = make_user(role=role)
    with pytest.raises(PermissionDenied, match=SET_UP_FIRST):
        permissions.check_privileged_action(user)
    enrol_totp(user)
    permissions.forget(user)
    permissions.check_privileged_action(user)
    assert permissions.has_mfa(user)


def test_recovery_codes_alone_do_not_count_as_a_second_factor(make_user):
    user = make_user(role="moderator")
    RecoveryCodes.activate(user)
    assert not permissions.has_mfa(user)


def test_moderator_without_totp_is_sent_to_enrol(client, make_user):
    moderator = make_user(role="moderator")
    client.force_login(moderator)
    response = client.get("/test-privileged/", follow=True)
    assert response.redirect_chain[0] == (reverse("mfa_index") + "?next=%2Ftest-privileged%2F", 302)
    html = response.content.decode()
    assert SET_UP_FIRST in html
    assert "Authenticator App" in html


def test_moderator_with_totp_passes(client, make_user, enrol_totp):
    moderator = make_user(role="moderator")
    enrol_totp(moderator)
    client.force_login(moderator)
    response = client.get("/test-privileged/")
    assert response.status_code == 200
    assert response.content == b"privileged ok"


def test_representative_without_mfa_is_sent_to_enrol(client, make_user):
    client.force_login(make_user(role="representative"))
    response = client.get("/test-privileged/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index") + "?next=%2Ftest-privileged%2F"


def test_member_passes_the_mfa_gate_of_a_privileged_view(client, make_user):
    client.force_login(make_user(role="member"))
    assert client.get("/test-privileged/").status_code == 200  # the view's own role check decides


def test_anonymous_visitor_of_a_privileged_view_is_asked_to_sign_in(client):
    response = client.get("/test-privileged/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_admin_without_mfa_is_sent_from_the_django_admin_to_enrol(client, make_user):
    client.force_login(make_user(role="admin"))
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index") + "?next=%2Fadmin%2F"


def test_admin_with_totp_opens_the_django_admin(client, make_user, enrol_totp):
    admin = make_user(role="admin")
    enrol_totp(admin)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/?q=User").status_code == 200


def test_member_calling_the_admin_is_refused_with_a_reason(client, make_user):
    client.force_login(make_user(role="member"))
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 403
    assert "Only administrators can open the administration pages." in response.content.decode()


def test_moderator_who_is_not_staff_is_refused_by_the_admin(client, make_user, enrol_totp):
    moderator = make_user(role="moderator")
    enrol_totp(moderator)
    client.force_login(moderator)
    assert client.get("/admin/").status_code == 403


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_login_of_a_totp_user_asks_for_the_code_and_accepts_a_valid_one(client, make_user, enrol_totp):
    user = make_user(email="mod@example.org", role="moderator")
    secret = enrol_totp(user)
    response = sign_in(client, "mod@example.org")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert Authenticator.objects.get(user=user, type="totp").last_used_at is not None


def test_a_totp_code_cannot_be_used_twice(client, make_user, enrol_totp):
    user = make_user(email="twice@example.org", role="moderator")
    secret = enrol_totp(user)
    code = totp_code(secret)
    sign_in(client, "twice@example.org")
    client.post(reverse("mfa_authenticate"), {"code": code})
    client.post(reverse("account_logout"))
    sign_in(client, "twice@example.org")
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert "_auth_user_id" not in client.session
    assert "Incorrect code." in response.content.decode()


def test_totp_enrolment_through_the_pages(client, make_user):
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    user = make_user(email="enrol@example.org", role="moderator")
    sign_in(client, "enrol@example.org")
    client.post(reverse("account_reauthenticate"), {"password": "correct-horse-battery"})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="totp-qr"' in html and "<label" in html
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": "12"})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get("/test-privileged/").status_code == 200


def test_privileged_user_cannot_remove_their_only_second_factor(make_user, enrol_totp):
    moderator = make_user(role="moderator")
    enrol_totp(moderator)
    totp = Authenticator.objects.get(user=moderator, type="totp")
    assert not MFAAdapter().can_delete_authenticator(totp)
    Authenticator.objects.create(user=moderator, type="webauthn", data={"name": "key"})
    assert MFAAdapter().can_delete_authenticator(totp)


def test_member_may_remove_their_second_factor(make_user, enrol_totp):
    member = make_user(role="member")
    enrol_totp(member)
    assert MFAAdapter().can_delete_authenticator(Authenticator.objects.get(user=member))


@override_settings(MFA_ADAPTER="forum.accounts.adapter.MFAAdapter")
def test_deactivating_the_last_factor_is_refused_on_the_page(client, make_user, enrol_totp):
    moderator = make_user(email="keep@example.org", role="moderator")
    secret = enrol_totp(moderator)
    sign_in(client, "keep@example.org")
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    client.post(reverse("account_reauthenticate"), {"password": "correct-horse-battery"})
    response = client.post(reverse("mfa_deactivate_totp"), {})
    assert response.status_code == 200
    assert "You cannot deactivate two-factor authentication." in response.content.decode()
    assert Authenticator.objects.filter(user=moderator, type="totp").exists()


def test_staff_without_an_admin_role_needs_mfa_for_the_admin(client, make_user):
    staff = make_user(role="member")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index") + "?next=%2Fadmin%2F"


@override_settings(MFA_ADAPTER="forum.accounts.adapter.MFAAdapter")
def test_totp_secret_is_encrypted_at_rest_and_still_works(client, make_user, enrol_totp):
    user = make_user(email="enc@example.org", role="moderator")
    secret = enrol_totp(user)
    stored = Authenticator.objects.get(user=user, type="totp").data["secret"]
    assert stored.startswith("enc1:") and secret not in stored
    sign_in(client, "enc@example.org")
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.session["_auth_user_id"] == str(user.pk)


@override_settings(MFA_ADAPTER="forum.accounts.adapter.MFAAdapter")
def test_secrets_survive_a_key_rotation_with_the_old_key_as_fallback(settings):
    adapter = MFAAdapter()
    token = adapter.encrypt("JBSWY3DPEHPK3PXP")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test-0123456789-abcdefghij"
    assert adapter.decrypt(token) == "JBSWY3DPEHPK3PXP"
    assert adapter.decrypt("PLAINSECRET") == "PLAINSECRET"  # stored before encryption was on


@override_settings(MFA_ADAPTER="forum.accounts.adapter.MFAAdapter")
def test_recovery_codes_work_with_the_encrypting_adapter(make_user):
    user = make_user(role="moderator")
    codes = RecoveryCodes.activate(user)
    assert codes.instance.data["seed"].startswith("enc1:")
    assert codes.validate_code(codes.get_unused_codes()[0])


# --- Category moderators: appointed to moderate some categories, they need a second factor too ----

def _appoint(user, slug="rights"):
    from forum.categories.models import Category

    category = Category.objects.create(name=slug.title(), slug=slug)
    category.moderators.add(user)
    return category


def test_category_moderator_needs_mfa_before_moderating(make_user, enrol_totp):
    moderator = make_user(role="member")
    assert not permissions.needs_mfa(moderator)
    permissions.forget(moderator)
    _appoint(moderator)
    assert permissions.needs_mfa(moderator) and permissions.mfa_missing(moderator)
    with pytest.raises(PermissionDenied, match=SET_UP_FIRST):
        permissions.check_privileged_action(moderator)
    enrol_totp(moderator)
    permissions.forget(moderator)
    permissions.check_privileged_action(moderator)


def test_category_moderator_without_mfa_is_refused_moderation_and_nothing_changes(make_user):
    from forum.categories import permissions as category_permissions

    moderator = make_user(role="member")
    category = _appoint(moderator)
    with pytest.raises(PermissionDenied, match=SET_UP_FIRST):
        category_permissions.check_moderate_category(moderator, category)
    assert not category_permissions.moderated_categories(moderator).exists()


def test_category_moderator_without_mfa_is_sent_to_enrol_from_a_privileged_page(client, make_user):
    moderator = make_user(role="member")
    _appoint(moderator)
    client.force_login(moderator)
    response = client.get("/test-privileged/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index") + "?next=%2Ftest-privileged%2F"


def test_an_observer_appointed_to_a_category_does_not_moderate_so_needs_no_mfa(make_user):
    observer = make_user(role="observer")
    _appoint(observer)
    assert not permissions.needs_mfa(observer)


def test_the_category_appointments_loaded_for_a_page_are_reused(make_user, django_assert_num_queries):
    from forum.categories import permissions as category_permissions

    moderator = make_user(role="member")
    _appoint(moderator)
    permissions.forget(moderator)
    category_permissions.visible_category_ids(moderator)  # asks about the second factor too (cached)
    with django_assert_num_queries(0):
        assert permissions.mfa_missing(moderator)
    member = make_user(role="member")
    with django_assert_num_queries(2):  # membership, then one look at the appointments, both cached
        assert not permissions.needs_mfa(member)
        assert not permissions.needs_mfa(member)


def test_posting_a_password_to_the_admin_login_signs_nobody_in(client, make_user, enrol_totp):
    """The admin's own login form is replaced by allauth's (secure_admin_login): a password posted
    there skips neither the rate limits nor the second factor."""
    admin = make_user(role="admin", email="root@example.org")
    enrol_totp(admin)
    response = client.post("/admin/login/?next=/admin/", {"username": "root@example.org",
                                                          "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    response = sign_in(client, "root@example.org")
    assert response["Location"] == reverse("mfa_authenticate")  # the second factor is asked for
    assert "_auth_user_id" not in client.session


def test_a_suspended_administrator_cannot_use_the_django_admin(client, make_user, enrol_totp):
    from forum.accounts.models import User

    admin = make_user(role="admin", suspended=True)
    enrol_totp(admin)
    target = make_user(role="member", display_name="Hadi Karam")
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 403 and "Your account is suspended." in response.content.decode()
    response = client.post(f"/admin/accounts/user/{target.pk}/change/", {
        "email": target.email, "display_name": "Hadi Karam", "role": "admin", "is_active": "on"})
    assert response.status_code == 403
    assert User.objects.get(pk=target.pk).role == "member"


def test_a_burst_of_wrong_codes_locks_the_second_factor_even_for_the_right_code(client, make_user, enrol_totp):
    user = make_user(email="brute@example.org", role="admin")
    secret = enrol_totp(user)
    sign_in(client, "brute@example.org")
    right = totp_code(secret)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        response = client.post(reverse("mfa_authenticate"), {"code": wrong})
        assert "Incorrect code." in response.content.decode()
    response = client.post(reverse("mfa_authenticate"), {"code": right})
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session
