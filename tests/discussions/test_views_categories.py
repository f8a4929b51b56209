import pytest
from django.urls import reverse

from forum.discussions import services


def test_category_list_shows_visible_categories_with_subcategories_and_counts(client, member, make_category,
                                                                              make_thread, make_user):
    parent = make_category(name="حقوق الإنسان", position=1)
    sub = make_category(name="Détentions", parent=parent)
    make_category(name="Secret", visibility="restricted", allowed_roles=["representative"])
    make_thread(category=parent)
    make_thread(category=parent)
    client.force_login(member)
    html = client.get(reverse("categories:index")).content.decode()
    assert "حقوق الإنسان" in html and "Détentions" in html and "Secret" not in html
    assert f'data-category-id="{parent.pk}"' in html
    assert f'data-unread-category="{parent.pk}"' in html
    assert html.index("حقوق الإنسان") < html.index("Détentions")
    row = html[html.index(f'data-category-id="{parent.pk}"'):]
    assert ">2</td>" in row
    assert sub.get_absolute_url() in html


def test_category_list_asks_visitors_to_sign_in_unless_public_reading(client, make_category, settings):
    make_category(name="Open", visibility="public")
    response = client.get(reverse("categories:index"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    settings.FORUM_PUBLIC_READING = True
    html = client.get(reverse("categories:index")).content.decode()
    assert "Open" in html


def test_category_page_lists_threads_pinned_first(client, member, make_category, make_thread, make_user,
                                                  give_mfa):
    category = make_category()
    older = make_thread(category=category, title="Older and pinned")
    make_thread(category=category, title="Newer")
    services.thread_pin(actor=give_mfa(make_user(role="moderator")), thread=older)
    client.force_login(member)
    html = client.get(category.get_absolute_url()).content.decode()
    assert html.index("Older and pinned") < html.index("Newer")
    assert "Start a new thread" in html
    assert f'data-unread-thread="{older.pk}"' in html


def test_category_page_hides_the_form_from_those_who_may_not_start(client, member, make_category):
    category = make_category(start_policy="representatives")
    client.force_login(member)
    html = client.get(category.get_absolute_url()).content.decode()
    assert "Start a new thread" not in html


def test_restricted_category_is_404_for_outsiders(client, member, make_category):
    category = make_category(visibility="restricted", allowed_roles=["moderator"])
    client.force_login(member)
    assert client.get(category.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("threads", [3, 30])
def test_category_page_query_count_is_constant(client, member, make_category, make_thread, threads,
                                               django_assert_num_queries):
    category = make_category()
    for _ in range(threads):
        make_thread(category=category)
    client.force_login(member)
    client.get(category.get_absolute_url())
    # session, user; category, categories, restrictions, membership, thread count, threads,
    # unread counts (discussions.unread), subcategories; the watch/track/mute control (the
    # member's category subscription, one query); the base template's notification badge
    with django_assert_num_queries(12):
        client.get(category.get_absolute_url())


@pytest.mark.parametrize("categories", [2, 12])
def test_category_list_query_count_is_constant(client, member, make_category, categories,
                                               django_assert_num_queries):
    for i in range(categories):
        parent = make_category()
        make_category(parent=parent)
    client.force_login(member)
    client.get(reverse("categories:index"))
    # session, user; categories (visible ids), restrictions, membership, categories, unread counts;
    # the base template's notification badge; the sessions live now (the members' home strip)
    with django_assert_num_queries(9):
        client.get(reverse("categories:index"))


def test_unread_counts_from_discussions_appear_on_category_pages(client, member, make_category, make_thread,
                                                                 make_post):
    category = make_category()
    thread = make_thread(category=category)
    make_post(thread=thread)
    make_post(thread=thread)
    client.force_login(member)
    detail = client.get(category.get_absolute_url()).content.decode()
    # The count links to the first unread post (discussions:thread_unread).
    unread_url = reverse("discussions:thread_unread", args=[thread.pk])
    assert (f'data-unread-thread="{thread.pk}"><a href="{unread_url}" class="unread-link">'
            f'<span class="badge">3</span>') in detail
    index = client.get(reverse("categories:index")).content.decode()
    assert f'data-unread-category="{category.pk}"><span class="badge">3</span>' in index
    client.get(thread.get_absolute_url())
    detail = client.get(category.get_absolute_url()).content.decode()
    assert f'data-unread-thread="{thread.pk}"></span>' in detail


def test_category_page_offers_the_watch_control_and_saves_it(client, member, make_category, make_thread):
    from forum.discussions import subscriptions

    category = make_category()
    make_thread(category=category)
    client.force_login(member)
    html = client.get(category.get_absolute_url()).content.decode()
    action = reverse("discussions:category_subscription", args=[category.pk])
    assert f'action="{action}"' in html and f'for="subscription-level-c{category.pk}"' in html
    response = client.post(action, {"level": "watch", "next": category.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == category.get_absolute_url()
    assert subscriptions.category_level(member, category) == "watch"
    html = client.get(category.get_absolute_url()).content.decode()
    assert '<option value="watch" selected>' in html


def test_visitors_get_no_watch_control_on_a_category_page(client, make_category, settings):
    settings.FORUM_PUBLIC_READING = True
    category = make_category(visibility="public")
    response = client.get(category.get_absolute_url())
    assert response.status_code == 200
    assert "subscription-level-" not in response.content.decode()


# The category page takes its rules from discussions (no copies): what it offers and lists agrees with
# the one home of each rule, for every kind of reader.
READERS = ["member", "representative", "representative-no-mfa", "observer", "observer-ended", "moderator",
           "moderator-no-mfa", "category-moderator", "category-moderator-no-mfa", "suspended", "admin"]


def _reader(kind, *, make_user, give_mfa, category):
    base, _sep, rest = kind.partition("-")
    if kind.startswith("category-moderator"):
        user = make_user(role="member")
        category.moderators.add(user)
    elif kind == "observer-ended":
        user = make_user(role="observer", access_days=-1)
    elif kind == "suspended":
        user = make_user(role="member", suspended=True)
    else:
        user = make_user(role=base)
    if base == "observer":
        from forum.accounts.models import ObserverGrant

        ObserverGrant.objects.create(user=user, scope="category", object_id=category.pk)
    if not kind.endswith("no-mfa"):
        give_mfa(user)
    return user


def _thread_row_ids(html: str) -> set[int]:
    import re

    return {int(i) for i in re.findall(r'<tr class="thread-row[^"]*" data-thread-id="(\d+)"', html)}


@pytest.mark.parametrize("kind", READERS)
def test_category_page_lists_exactly_the_threads_visible_threads_allows(client, kind, make_category, make_thread,
                                                                         make_user, give_mfa):
    from django.utils import timezone

    from forum.discussions import permissions
    from forum.discussions.models import Thread

    category = make_category()
    shown = make_thread(category=category)
    deleted = make_thread(category=category)
    Thread.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    make_thread(category=make_category())  # another category's thread never shows here
    reader = _reader(kind, make_user=make_user, give_mfa=give_mfa, category=category)
    client.force_login(reader)
    response = client.get(category.get_absolute_url())
    expected = set(permissions.visible_threads(reader, Thread.objects.filter(category=category))
                   .values_list("pk", flat=True))
    if response.status_code == 404:
        assert expected == set()
        return
    assert response.status_code == 200
    assert _thread_row_ids(response.content.decode()) == expected
    assert (deleted.pk in expected) == (kind in ("moderator", "category-moderator", "admin"))
    assert shown.pk in expected


@pytest.mark.parametrize("kind", READERS)
def test_category_page_offers_speaking_for_the_organisation_exactly_when_the_rule_allows(
        client, kind, make_category, make_user, give_mfa):
    from forum.discussions import permissions

    category = make_category()
    reader = _reader(kind, make_user=make_user, give_mfa=give_mfa, category=category)
    client.force_login(reader)
    response = client.get(category.get_absolute_url())
    if response.status_code == 404:
        return
    offered = 'name="on_behalf_of"' in response.content.decode()
    assert offered == (permissions.allows(permissions.check_start_thread, reader, category)
                       and permissions.allows(permissions.check_speak_for_organisation, reader, None))
    assert offered == (kind == "representative")


def test_category_page_names_the_organisation_a_representative_speaks_for(client, make_category, make_user,
                                                                          give_mfa, make_organisation):
    organisation = make_organisation(name="شبكة الياسمين")
    rep = give_mfa(make_user(role="representative", organisation=organisation))
    category = make_category()
    client.force_login(rep)
    html = client.get(category.get_absolute_url()).content.decode()
    assert "Speak for <bdi>شبكة الياسمين</bdi>" in html


def test_category_list_unread_counts_are_those_of_discussions_unread(client, member, make_category, make_thread,
                                                                     make_post):
    from forum.discussions import unread

    parent = make_category()
    sub = make_category(parent=parent)
    make_post(thread=make_thread(category=parent))
    make_thread(category=sub)
    client.force_login(member)
    html = client.get(reverse("categories:index")).content.decode()
    counts = unread.category_unread_counts(member, [parent.pk, sub.pk])
    assert counts == {parent.pk: 2, sub.pk: 1}
    assert f'data-unread-category="{parent.pk}"><span class="badge">2</span>' in html
