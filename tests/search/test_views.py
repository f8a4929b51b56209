"""The search page over HTTP: form, results, bad input, permissions, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forum.search import permissions
from forum.search.models import SearchDocument

URL = reverse("search:search")


def test_anonymous_visitors_get_the_login_page(client):
    response = client.get(URL, {"q": "مجتمع"})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_suspended_members_are_refused(client, make_user):
    client.force_login(make_user(role="member", suspended=True))
    assert client.get(URL, {"q": "x"}).status_code == 403


def test_the_empty_page_shows_a_labelled_form(member_client):
    response = member_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    for field in ("q", "category", "author", "organisation", "date_from", "date_to"):
        assert f'for="id_{field}"' in html
    assert 'role="search"' in html
    assert "search-results" not in html


def test_results_are_marked_and_carry_dir_auto(member_client, make_post):
    post = make_post(title="مستقبل المدارس", source="نريد رفع مستوى التعليم في الريف")
    response = member_client.get(URL, {"q": "مستوي"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>مستوى</mark>" in html
    assert f'href="{post.get_absolute_url()}"' in html
    assert 'class="search-snippet user-content" dir="auto"' in html
    assert '<h3 dir="auto">' in html


def test_a_search_without_results_says_nothing_was_found(member_client, make_post):
    make_post(source="اجتماع اللجنة")
    response = member_client.get(URL, {"q": "كهرباء"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "0 results" in text
    assert "Nothing found. Try fewer words, or another spelling." in text


def test_an_empty_query_says_so_and_does_not_search(member_client, make_post, django_assert_num_queries):
    make_post(source="anything")
    response = member_client.get(URL, {"q": "   "})
    assert response.status_code == 200
    assert "Type at least one word to search for." in response.content.decode()
    assert response.context["page"] is None


@pytest.mark.parametrize(("query", "message"), [
    ("!!! ؟؟ ...", "Your search has no words to look for"),
    ("\u0001\u0002\u200f", "Your search has no words to look for"),
    ("-alone", "not only words to leave out"),
])
def test_queries_without_words_say_why(member_client, query, message):
    response = member_client.get(URL, {"q": query})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["page"] is None


def test_a_null_character_is_refused_with_a_message(member_client):
    response = member_client.get(URL, {"q": "abc\x00def"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


def test_control_characters_inside_a_word_are_ignored(member_client, make_post):
    post = make_post(source="مدرسة الحي")
    response = member_client.get(URL, {"q": "مدر\u0007سة"})
    assert [d.post_id for d in response.context["page"].object_list] == [post.pk]


def test_a_very_long_query_is_shortened_with_a_notice(member_client, make_post, settings):
    settings.FORUM_SEARCH_QUERY_MAX_CHARS = 48
    post = make_post(source="مجتمع مدني")
    # 1,200 characters (6 KB once URL-encoded: longer addresses get 414, tests/core/test_url_length.py).
    response = member_client.get(URL, {"q": "مجتمع " * 200})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your search was shortened to its first 48 characters." in html
    assert len(response.context["form"].cleaned_data["q"]) == 48
    assert [d.post_id for d in response.context["page"].object_list] == [post.pk]


def test_too_many_words_keep_only_the_first(member_client, make_post, settings):
    settings.FORUM_SEARCH_QUERY_MAX_TERMS = 2
    post = make_post(source="alpha beta")
    response = member_client.get(URL, {"q": "alpha beta gamma delta"})
    assert [d.post_id for d in response.context["page"].object_list] == [post.pk]


@pytest.mark.parametrize(("params", "message"), [
    ({"date_from": "2026-13-45"}, "Enter the start date as YYYY-MM-DD."),
    ({"date_to": "yesterday"}, "Enter the end date as YYYY-MM-DD."),
    ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "The end date must not be before the start date."),
    ({"category": "999999"}, "That category does not exist or you cannot see it."),
    ({"category": "1 OR 1=1"}, "That category does not exist or you cannot see it."),
    ({"organisation": "abc"}, "That organisation does not exist."),
    ({"author": "Nobody Here"}, "No member is called"),
])
def test_bad_filters_are_refused_with_a_clear_error(member_client, params, message):
    response = member_client.get(URL, {"q": "مجتمع", **params})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    field = next(name for name in ("date_to", "date_from", "category", "organisation", "author") if name in params
                 and name in response.context["form"].errors)
    # The message is tied to its input for screen readers.
    assert f'aria-describedby="id_{field}_error"' in html or f'id_{field}_helptext id_{field}_error' in html
    assert f'id="id_{field}_error"' in html
    assert response.context["page"] is None


def test_a_restricted_category_cannot_be_chosen_by_id_without_access(member_client, make_category, make_post):
    restricted = make_category(visibility="restricted", roles=["moderator"])
    make_post(source="سر", category=restricted)
    response = member_client.get(URL, {"q": "سر", "category": restricted.pk})
    assert response.status_code == 400
    assert "That category does not exist or you cannot see it." in response.content.decode()
    assert f"<option value=\"{restricted.pk}\"" not in response.content.decode().split("id_category")[1].split("</select>")[0]


def test_restricted_posts_never_appear_in_results(member_client, make_category, make_post):
    restricted = make_category(visibility="restricted", roles=["moderator"])
    make_post(source="خطة سرية", category=restricted)
    visible = make_post(source="خطة علنية")
    response = member_client.get(URL, {"q": "خطة"})
    assert [d.post_id for d in response.context["page"].object_list] == [visible.pk]
    assert "سرية" not in response.content.decode()


def test_filter_by_author_name(member_client, make_user, make_post):
    author = make_user(role="member", display_name="Rania Haddad")
    mine = make_post(source="مشروع المياه", author=author)
    make_post(source="مشروع المياه")
    response = member_client.get(URL, {"q": "مياه", "author": "rania  HADDAD"})
    assert [d.post_id for d in response.context["page"].object_list] == [mine.pk]


def test_pages_and_forged_page_numbers(member_client, make_post, settings):
    settings.FORUM_SEARCH_RESULTS_PER_PAGE = 2
    for n in range(5):
        make_post(source=f"تقرير رقم {n}")
    first = member_client.get(URL, {"q": "تقرير"})
    assert len(first.context["page"].object_list) == 2
    assert "page=2" in first.content.decode()
    last = member_client.get(URL, {"q": "تقرير", "page": "3"})
    assert len(last.context["page"].object_list) == 1
    for forged in ("abc", "-1", "999", "1e9"):
        response = member_client.get(URL, {"q": "تقرير", "page": forged})
        assert response.status_code == 200


@pytest.mark.parametrize("results", [2, 9])
def test_query_count_is_constant_in_the_number_of_results(member_client, make_post, make_user, results,
                                                          django_assert_num_queries):
    for n in range(results):
        make_post(source=f"اجتماع اللجنة {n}", author=make_user(role="member"))
    member_client.get(URL, {"q": "اجتماع"})  # warm the session and the user
    # session and user, then search's own: restrictions, categories, membership (the permission
    # facts), the count, the ids of the page, its documents, the category and organisation choices;
    # and the navigation's unread-notification badge.
    with django_assert_num_queries(11):
        response = member_client.get(URL, {"q": "اجتماع"})
    assert len(response.context["page"].object_list) == results


@pytest.mark.parametrize(("role", "options", "status"), [
    ("member", {}, 200),
    ("representative", {}, 200),
    ("moderator", {}, 200),
    ("admin", {}, 200),
    ("observer", {}, 200),
    ("observer", {"access_days": -1}, 403),
    ("member", {"suspended": True}, 403),
])
def test_who_may_search(client, make_user, role, options, status):
    user = make_user(role=role, **options)
    client.force_login(user)
    response = client.get(URL, {"q": "مجتمع"})
    assert response.status_code == status
    # The check and the queryset form agree: those refused could find nothing anyway.
    assert permissions.visible_documents(user, SearchDocument.objects.all()).query.is_empty() == (status == 403)
    assert "search" in permissions.ACTIONS


def test_organisations_show_their_arabic_name_in_arabic(client, make_user, make_organisation, make_post):
    org = make_organisation(name="Civil Voices", name_ar="أصوات مدنية")
    reader = make_user(role="member", preferred_language="ar")
    make_post(source="مجتمع", author=make_user(role="member", organisation=org))
    client.force_login(reader)
    client.cookies["madaniya_language"] = "ar"
    html = client.get(URL, {"q": "مجتمع"}).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "أصوات مدنية</a>" in html
