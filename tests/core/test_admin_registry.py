"""Django admin for every model, with search and filters (issue #2, operations).

Walks every model of the forum apps: each must be registered in `admin.site` with `search_fields`
and `list_filter`, and its list page must open and answer a search. A model added without its admin
makes this test fail, naming it.
"""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

# allauth's models that hold our members' data: their admins must search and filter too.
ALLAUTH_MODELS = ("account.EmailAddress", "mfa.Authenticator", "usersessions.UserSession")
# Kept out of the admin on purpose: who chose what in a secret poll is shown by no page, the admin
# included (docs/consultations.md, "Results and secrecy"; tests/polls/test_secrecy.py pins it).
# A poll's options are shown read-only on the poll's own admin page.
NOT_IN_ADMIN = {"polls.Ballot", "polls.Choice", "polls.Option"}


def checked_models():
    forum = [m for m in apps.get_models() if m.__module__.startswith("forum.") and m._meta.label not in NOT_IN_ADMIN]
    return sorted([*forum, *(apps.get_model(label) for label in ALLAUTH_MODELS)], key=lambda m: m._meta.label)


def test_every_forum_model_has_an_admin_with_search_and_filters(rf):
    request = rf.get("/admin/")
    problems = []
    for model in checked_models():
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            problems.append(f"{model._meta.label}: not registered")
            continue
        if not model_admin.get_search_fields(request):
            problems.append(f"{model._meta.label}: no search_fields")
        if not model_admin.list_filter:
            problems.append(f"{model._meta.label}: no list_filter")
    assert problems == [], "Django admin incomplete:\n" + "\n".join(problems)


@pytest.fixture
def admin_client(client, make_user):
    admin_user = make_user(role="admin", email="root@example.org")
    TOTP.activate(admin_user, generate_totp_secret())
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
def test_every_registered_list_page_opens_and_searches(admin_client):
    """Catches a search field or filter naming something that does not exist (a 500 on the page)."""
    failures = []
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        query = "?q=madaniya"
        status = admin_client.get(url + query).status_code
        if status != 200:
            failures.append(f"{model._meta.label}: {url}{query} answered {status}")
    assert failures == []
