"""The live rows fragment of a category page (views_categories.category_rows): the asked-for threads'
table rows, only those the viewer may see, rendered exactly as the page renders them."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from forum.discussions import permissions as discussion_permissions
from forum.discussions import selectors_categories as selectors
from forum.discussions import services
from forum.discussions.models import Thread


def _rows_url(category, ids) -> str:
    return reverse("categories:rows", args=[category.slug]) + "?ids=" + ",".join(str(i) for i in ids)


def _row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr class="thread-row[^"]*" data-thread-id="(\d+)"', html)]


def _row_html(html: str, thread_id: int) -> str:
    start = html.index(f'data-thread-id="{thread_id}"')
    start = html.rindex("<tr", 0, start)
    return html[start:html.index("</tr>", start) + len("</tr>")]


def test_rows_render_exactly_like_the_page_rows(client, member, make_category, make_thread, make_post):
    category = make_category()
    thread = make_thread(category=category, title="Wells & pumps <before> winter")
    make_post(thread=thread)
    client.force_login(member)
    page = client.get(category.get_absolute_url()).content.decode()
    response = client.get(_rows_url(category, [thread.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    fragment = response.content.decode()
    assert _row_html(fragment, thread.pk) == _row_html(page, thread.pk)
    row = _row_html(fragment, thread.pk)
    assert "Wells &amp; pumps &lt;before&gt; winter" in row
    assert re.search(r'<td data-label="[^"]*">1</td>', row)  # the reply count (labelled for phone cards)
    assert '<span class="badge">2</span>' in row  # unread: the opening post and the reply
    assert "<html" not in fragment


def test_rows_come_pinned_first_then_by_last_activity(client, member, make_category, make_thread, make_post,
                                                     make_user, give_mfa):
    category = make_category()
    pinned = make_thread(category=category)
    old = make_thread(category=category)
    new = make_thread(category=category)
    make_post(thread=old)  # `old` is now the most recently active
    services.thread_pin(actor=give_mfa(make_user(role="moderator")), thread=pinned)
    client.force_login(member)
    html = client.get(_rows_url(category, [new.pk, old.pk, pinned.pk])).content.decode()
    assert _row_ids(html) == [pinned.pk, old.pk, new.pk]
    assert "thread-pinned" in _row_html(html, pinned.pk)


def test_forged_and_foreign_ids_are_silently_dropped(client, member, make_category, make_thread, make_user,
                                                     give_mfa):
    category = make_category()
    mine = make_thread(category=category)
    elsewhere = make_thread(category=make_category())
    secret = make_thread(category=make_category(visibility="restricted", allowed_roles=["moderator"]),
                         author=give_mfa(make_user(role="moderator")))
    deleted = make_thread(category=category)
    Thread.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    client.force_login(member)
    url = reverse("categories:rows", args=[category.slug])
    ids = f"{mine.pk},{elsewhere.pk},{secret.pk},{deleted.pk},999999,abc,-3,,{mine.pk},٣"
    response = client.get(url, {"ids": ids})
    assert response.status_code == 200
    assert _row_ids(response.content.decode()) == [mine.pk]
    assert _row_ids(client.get(url).content.decode()) == []
    assert _row_ids(client.get(url, {"ids": "nonsense"}).content.decode()) == []


def test_only_what_visible_threads_allows(member, make_category, make_thread, make_user, give_mfa):
    """The selector keeps to the rule of forum.discussions.permissions.visible_threads."""
    category = make_category()
    shown = make_thread(category=category)
    deleted = make_thread(category=category)
    Thread.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    moderator = give_mfa(make_user(role="moderator"))
    for viewer in (member, moderator):
        expected = set(discussion_permissions.visible_threads(viewer, Thread.objects.filter(category=category))
                       .values_list("pk", flat=True))
        got = {t.pk for t in selectors.category_thread_rows_for_viewer(
            category=category, viewer=viewer, thread_ids=[shown.pk, deleted.pk])}
        assert got == expected
    assert expected == {shown.pk, deleted.pk}  # the moderator sees the deleted one, the member does not


def test_the_number_of_ids_is_capped(client, member, make_category, make_thread):
    category = make_category()
    threads = [make_thread(category=category) for _ in range(selectors.LIVE_ROWS_MAX + 2)]
    ids = [t.pk for t in threads]
    assert selectors.parse_thread_ids(",".join(map(str, ids))) == ids[:selectors.LIVE_ROWS_MAX]
    client.force_login(member)
    html = client.get(_rows_url(category, ids)).content.decode()
    assert len(_row_ids(html)) == selectors.LIVE_ROWS_MAX
    assert set(_row_ids(html)) == set(ids[:selectors.LIVE_ROWS_MAX])


def test_a_hidden_category_is_404_and_visitors_are_sent_to_sign_in(client, member, make_category, make_thread,
                                                                   make_user, give_mfa):
    secret = make_category(visibility="restricted", allowed_roles=["moderator"])
    thread = make_thread(category=secret, author=give_mfa(make_user(role="moderator")))
    response = client.get(_rows_url(secret, [thread.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(member)
    assert client.get(_rows_url(secret, [thread.pk])).status_code == 404
    assert client.post(_rows_url(make_category(), [thread.pk])).status_code == 405


def test_the_category_page_offers_the_live_rows_banner_on_its_first_page_only(client, member, make_category,
                                                                               make_thread):
    category = make_category()
    for _ in range(selectors.THREADS_PER_PAGE + 1):
        make_thread(category=category)
    client.force_login(member)
    html = client.get(category.get_absolute_url()).content.decode()
    assert "data-live-rows" in html and 'aria-live="polite"' in html
    assert reverse("categories:rows", args=[category.slug]) in html
    assert "Show new or updated threads: %s" in html
    assert "data-live-rows" not in client.get(category.get_absolute_url() + "?page=2").content.decode()


def test_an_empty_category_keeps_its_message_and_a_hidden_table_for_live_rows(client, member, make_category):
    category = make_category()
    client.force_login(member)
    html = client.get(category.get_absolute_url()).content.decode()
    assert "No threads here yet." in html
    assert re.search(r'<table class="thread-table cards" hidden data-thread-table>', html)


def test_visitors_get_no_live_rows_banner(client, make_category, make_thread, settings):
    settings.FORUM_PUBLIC_READING = True
    category = make_category(visibility="public")
    make_thread(category=category)
    html = client.get(category.get_absolute_url()).content.decode()
    assert "thread-row" in html and "data-live-rows" not in html


@pytest.mark.parametrize("size", [1, 20])
def test_rows_query_count_is_constant(client, member, make_category, make_thread, size,
                                      django_assert_num_queries):
    category = make_category()
    ids = [make_thread(category=category).pk for _ in range(size)]
    client.force_login(member)
    client.get(_rows_url(category, ids))
    # session, user; category, restrictions, the viewer's category facts, membership; the threads
    # with their authors and organisations; unread counts (discussions.unread)
    with django_assert_num_queries(8) as captured:
        response = client.get(_rows_url(category, ids))
    assert len(_row_ids(response.content.decode())) == size
    assert captured
