import asyncio

import pytest
from django.urls import reverse


def test_admin_refuses_a_second_level_of_subcategories(client, make_user, give_mfa, make_category):
    admin = give_mfa(make_user(role="admin"))
    parent = make_category()
    child = make_category(parent=parent)
    client.force_login(admin)
    response = client.post(reverse("admin:categories_category_add"), {
        "name": "Too deep", "slug": "too-deep", "parent": child.pk, "position": 0, "visibility": "members",
        "allowed_roles": "[]", "start_policy": "members", "reply_policy": "members",
    })
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors  # only top-level categories are offered
    assert not type(parent).objects.filter(slug="too-deep").exists()
    response = client.post(reverse("admin:categories_category_add"), {
        "name": "Fine", "slug": "fine", "parent": parent.pk, "position": 0, "visibility": "members",
        "allowed_roles": "[]", "start_policy": "members", "reply_policy": "members",
    })
    assert response.status_code == 302


def test_admin_refuses_a_category_name_with_a_bidi_override(client, make_user, give_mfa):
    from forum.categories.models import Category

    admin = give_mfa(make_user(role="admin"))
    client.force_login(admin)
    response = client.post(reverse("admin:categories_category_add"), {
        "name": "Elections \u202esnoitcelE", "slug": "elections", "position": 0, "visibility": "members",
        "allowed_roles": "[]", "start_policy": "members", "reply_policy": "members",
    })
    assert response.status_code == 200
    assert "invisible or text-direction" in str(response.context["adminform"].form.errors["name"])
    assert not Category.objects.filter(slug="elections").exists()


def _form(category, **overrides):
    data = {"name": category.name, "slug": category.slug, "description": category.description,
            "parent": category.parent_id or "", "position": category.position, "visibility": category.visibility,
            "allowed_roles": "[]", "start_policy": category.start_policy, "reply_policy": category.reply_policy,
            "allowed_organisations": [o.pk for o in category.allowed_organisations.all()],
            "moderators": [u.pk for u in category.moderators.all()]}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.django_db(transaction=True)
def test_every_admin_write_goes_through_the_services(client, make_user, give_mfa, make_category,
                                                     make_organisation):
    """Change form, list edits and deletion: each audited and announced to open sockets."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from forum.audit.models import AuditEntry
    from forum.categories import events

    admin = give_mfa(make_user(role="admin"))
    org, moderator = make_organisation(), make_user(role="member")
    category = make_category(visibility="restricted", allowed_organisations=[org], moderators=[moderator])
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)("test.")
    async_to_sync(layer.group_add)(events.access_group(category.pk), channel)

    def told():
        async def receive():
            return await asyncio.wait_for(layer.receive(channel), timeout=1)
        return async_to_sync(receive)()["event"]

    client.force_login(admin)
    url = reverse("admin:categories_category_change", args=[category.pk])
    response = client.post(url, _form(category, name="Renamed", allowed_organisations=[], moderators=[]))
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.name == "Renamed"
    assert not category.allowed_organisations.exists() and not category.moderators.exists()
    assert set(AuditEntry.objects.filter(actor=admin).values_list("verb", flat=True)) == {
        "category.update", "category.organisations", "category.moderators"}
    assert told() == events.access_changed(category.pk)

    response = client.post(reverse("admin:categories_category_changelist"), {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": category.pk, "form-0-position": "7",
        "_save": "Save"})
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.position == 7
    assert AuditEntry.objects.filter(verb="category.update").first().data == {"position": {"from": 0, "to": 7}}

    response = client.post(reverse("admin:categories_category_add"), _form(
        category, name="Fresh", slug="fresh", position=0, allowed_organisations=[org.pk], moderators=[moderator.pk]))
    assert response.status_code == 302
    fresh = type(category).objects.get(slug="fresh")
    assert list(fresh.moderators.all()) == [moderator] and list(fresh.allowed_organisations.all()) == [org]
    assert AuditEntry.objects.filter(verb="category.create", target_id=str(fresh.pk)).exists()

    response = client.post(reverse("admin:categories_category_changelist"), {
        "action": "delete_selected", "_selected_action": [category.pk], "post": "yes"})
    assert response.status_code == 302
    assert not type(category).objects.filter(pk=category.pk).exists()
    assert AuditEntry.objects.filter(verb="category.delete", target_id=str(category.pk)).exists()
    assert told() == events.access_changed(category.pk)


def test_only_administrators_with_a_second_factor_reach_the_category_admin(client, make_user, give_mfa,
                                                                           make_category):
    category = make_category()
    url = reverse("admin:categories_category_change", args=[category.pk])
    for user in (make_user(role="admin"), give_mfa(make_user(role="moderator"))):
        user.is_staff = True
        user.save()
        client.force_login(user)
        response = client.post(url, _form(category, name="Taken over"))
        assert response.status_code in (302, 403)
        category.refresh_from_db()
        assert category.name != "Taken over"
