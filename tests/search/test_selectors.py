"""What a search finds, on the database in use (SQLite by default, PostgreSQL with DATABASE_URL).

Arabic spelled differently on the two sides must meet; French and English stemming is PostgreSQL's.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from forum.discussions.models import Post
from forum.search import selectors
from forum.search.text import parse_query
from tests.conftest import require_service


def found(viewer, query: str, **filters) -> list[int]:
    qs = selectors.search_documents(viewer=viewer, query=parse_query(query, max_terms=12),
                                    filters=selectors.SearchFilters(**filters))
    return [document.post_id for document in qs]


ARABIC_VARIANTS = [
    # (written in the post, typed in the search)
    ("الإسلام والمجتمع المدني", "اسلام"),            # hamza below vs bare alef, article
    ("دور الاسلام في الحياة العامة", "إسلام"),       # and the other way round
    ("بناء مُجْتَمَع مدني قوي", "مجتمع"),            # tashkeel in the post
    ("بناء مجتمع مدني قوي", "مُجْتَمَعٌ"),           # tashkeel in the query
    ("افتتاح مدرسة جديدة في الحي", "مدرسه"),          # ta marbuta vs ha
    ("افتتاح مدرسه جديدة في الحي", "مدرسة"),
    ("رفع مستوى التعليم", "مستوي"),                  # alef maqsura vs ya
    ("رفع مستوي التعليم", "مستوى"),
    ("مجـــتمع متماسك", "مجتمع"),                    # tatweel in the post
    ("مجتمع متماسك", "مجــتمع"),                     # tatweel in the query
    ("مؤتمر الحوار الوطني", "موتمر"),                # hamza on waw
    ("مسائل عالقة", "مسايل"),                        # hamza on ya
    ("عام ٢٠٢٦ للحوار", "2026"),                     # Arabic-Indic digits
    ("المجتمع المدني", "مجتمع مدني"),                # several words, all present
]


@pytest.mark.parametrize(("written", "typed"), ARABIC_VARIANTS)
def test_arabic_written_differently_is_found(make_post, member, written, typed):
    post = make_post(source=written)
    make_post(source="نص آخر لا علاقة له بالموضوع")
    assert found(member, typed) == [post.pk]


def test_the_thread_title_is_searched(make_post, member):
    post = make_post(title="إعادة إعمار المدارس", source="التفاصيل في الداخل")
    reply = make_post(thread=post.thread, source="رد بدون العنوان")
    assert found(member, "اعمار") == [post.pk]
    assert reply.pk not in found(member, "اعمار")


def test_every_word_must_appear_and_minus_leaves_out(make_post, member):
    both = make_post(source="water and schools")
    one = make_post(source="water only")
    assert found(member, "water schools") == [both.pk]
    assert set(found(member, "water")) == {both.pk, one.pk}
    assert found(member, "water -schools") == [one.pk]


def test_latin_case_does_not_matter(make_post, member):
    post = make_post(source="Conseil MUNICIPAL de Homs")
    assert found(member, "municipal homs") == [post.pk]


@pytest.mark.parametrize(("written", "typed"), [
    ("La citoyenneté active", "citoyennete"),   # typed without accents (issue #10)
    ("La citoyennete active", "citoyenneté"),   # and the reverse
    ("Une façade rénovée à Alep", "facade renovee"),
    ("ÉCOLE publique", "ecole"),
])
def test_french_accents_are_folded(make_post, member, written, typed):
    """On SQLite and PostgreSQL alike (run with DATABASE_URL and REQUIRE_SERVICES=1 for the latter)."""
    post = make_post(source=written)
    assert found(member, typed) == [post.pk]


def test_french_plural_without_accents_finds_the_accented_singular_on_postgresql(make_post, member,
                                                                                 on_postgresql):
    require_service(on_postgresql, "PostgreSQL")
    post = make_post(source="Préparer l'élection du conseil local")
    assert found(member, "elections") == [post.pk]


def test_french_plural_finds_singular_on_postgresql(make_post, member, on_postgresql):
    require_service(on_postgresql, "PostgreSQL")
    singular = make_post(source="Préparer l'élection du conseil local")
    plural = make_post(source="Les élections municipales approchent")
    assert set(found(member, "élections")) == {singular.pk, plural.pk}
    assert set(found(member, "élection")) == {singular.pk, plural.pk}


def test_english_stemming_on_postgresql(make_post, member, on_postgresql):
    require_service(on_postgresql, "PostgreSQL")
    post = make_post(source="We organised several meetings with the councils")
    assert found(member, "meeting council organise") == [post.pk]


def test_title_matches_rank_above_body_matches_on_postgresql(make_post, member, on_postgresql):
    require_service(on_postgresql, "PostgreSQL")
    body = make_post(title="Divers", source="un mot sur la reconstruction")
    title = make_post(title="La reconstruction", source="détails")
    assert found(member, "reconstruction") == [title.pk, body.pk]


def test_restricted_category_is_not_searched_by_a_member_without_access(make_post, make_category, make_user,
                                                                       make_organisation):
    insiders = make_organisation()
    restricted = make_category(visibility="restricted", organisations=[insiders])
    secret = make_post(source="خطة سرية للتفاوض", category=restricted)
    outsider = make_user(role="member")
    insider = make_user(role="member", organisation=insiders)
    assert found(outsider, "خطة") == []
    assert found(insider, "خطة") == [secret.pk]


def test_a_subcategory_of_a_restricted_category_stays_hidden(make_post, make_category, make_user):
    restricted = make_category(visibility="restricted", roles=["moderator"])
    child = make_category(parent=restricted)
    make_post(source="hidden child words", category=child)
    assert found(make_user(role="member"), "child") == []
    assert len(found(make_user(role="moderator"), "child")) == 1


def test_observers_find_only_granted_categories(make_post, make_category, make_user):
    from forum.accounts.models import ObserverGrant

    granted, other = make_category(), make_category()
    seen = make_post(source="dialogue public", category=granted)
    make_post(source="dialogue interne", category=other)
    observer = make_user(role="observer")
    ObserverGrant.objects.create(user=observer, scope="category", object_id=granted.pk)
    assert found(observer, "dialogue") == [seen.pk]
    expired = make_user(role="observer", access_days=-1)
    ObserverGrant.objects.create(user=expired, scope="category", object_id=granted.pk)
    assert found(expired, "dialogue") == []


def test_suspended_members_find_nothing(make_post, make_user):
    make_post(source="anything")
    assert found(make_user(role="member", suspended=True), "anything") == []


def test_removed_posts_and_threads_are_not_found_even_when_the_index_is_stale(make_post, member):
    from forum.discussions.models import Thread

    hidden, deleted, in_deleted_thread = (make_post(source=f"stale words {n}") for n in range(3))
    # update() sends no signal: the index still holds these rows, the live check must drop them.
    Post.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    Post.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    Thread.objects.filter(pk=in_deleted_thread.thread_id).update(deleted_at=timezone.now())
    assert found(member, "stale") == []


def test_a_thread_moved_by_update_is_judged_by_its_live_category(make_post, make_category, make_user):
    from forum.discussions.models import Thread

    post = make_post(source="moved words")
    restricted = make_category(visibility="restricted", roles=["moderator"])
    Thread.objects.filter(pk=post.thread_id).update(category=restricted)
    assert found(make_user(role="member"), "moved") == []


def test_filters_category_author_organisation_and_dates(make_post, make_category, make_user, member,
                                                       make_organisation):
    parent = make_category()
    child = make_category(parent=parent)
    elsewhere = make_category()
    org = make_organisation()
    author = make_user(role="member", organisation=org)
    today = timezone.now()
    in_child = make_post(source="قرار المجلس", category=child, author=author, created_at=today - timedelta(days=10))
    in_parent = make_post(source="قرار المجلس", category=parent, created_at=today)
    make_post(source="قرار المجلس", category=elsewhere, created_at=today - timedelta(days=40))

    assert set(found(member, "قرار", category=parent)) == {in_child.pk, in_parent.pk}
    assert found(member, "قرار", category=child) == [in_child.pk]
    assert found(member, "قرار", author=author) == [in_child.pk]
    assert found(member, "قرار", organisation=org) == [in_child.pk]
    day = timezone.localdate(in_child.created_at)
    assert found(member, "قرار", date_from=day, date_to=day) == [in_child.pk]
    assert len(found(member, "قرار", date_from=day - timedelta(days=1))) == 2
    assert found(member, "قرار", date_to=date(2000, 1, 1)) == []


def test_page_snippets_show_written_words_marked_and_escaped(make_post, member):
    make_post(source="قبل <script>alert(1)</script> ثم **المُجْتَمَع** المدني بعد ذلك")
    page = selectors.search_page_for_viewer(viewer=member, query=parse_query("مجتمع", max_terms=12))
    snippet = str(page.object_list[0].snippet)
    assert "<mark>المُجْتَمَع</mark>" in snippet
    assert "&lt;script&gt;" in snippet and "<script>" not in snippet


def test_page_snippet_marks_stemmed_french_words_on_postgresql(make_post, member, on_postgresql):
    require_service(on_postgresql, "PostgreSQL")
    make_post(source="Le calendrier des élections municipales est publié")
    page = selectors.search_page_for_viewer(viewer=member, query=parse_query("élection", max_terms=12))
    assert "<mark>élections</mark>" in str(page.object_list[0].snippet)


def test_long_posts_get_a_window_around_the_first_match(make_post, member):
    words = [f"w{n}" for n in range(200)]
    words[150] = "مدرسة"
    make_post(source=" ".join(words))
    page = selectors.search_page_for_viewer(viewer=member, query=parse_query("مدرسه", max_terms=12))
    snippet = str(page.object_list[0].snippet)
    assert "<mark>مدرسة</mark>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "w0 " not in snippet
