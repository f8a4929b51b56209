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
