"""Search follows the real discussions services: open, reply, edit, delete, move."""

from __future__ import annotations

from forum.discussions import services as discussions
from forum.search import selectors
from forum.search.text import parse_query


def found(viewer, query: str) -> list[int]:
    return [d.post_id for d in selectors.search_documents(viewer=viewer, query=parse_query(query, max_terms=12))]


def test_posts_written_through_the_services_are_found_and_follow_edits_and_deletion(
        make_category, make_user, django_capture_on_commit_callbacks):
    category = make_category()
    author = make_user(role="member")
    reader = make_user(role="member")
    # Each write's document is built after it commits (the callbacks run as the commit would).
    with django_capture_on_commit_callbacks(execute=True):
        thread = discussions.thread_create(author=author, category=category, title="إعادة تأهيل المدرسة",
                                           source="نحتاج إلى دعم **المُجتمَع** المحلي")
    opening = thread.posts.get()
    with django_capture_on_commit_callbacks(execute=True):
        reply = discussions.post_create(author=reader, thread=thread, source="أوافق، مستوى التعليم مهم")
    assert found(reader, "مدرسه") == [opening.pk]
    assert found(reader, "مجتمع") == [opening.pk]
    assert found(reader, "مستوي") == [reply.pk]

    with django_capture_on_commit_callbacks(execute=True):
        discussions.post_edit(actor=reader, post=reply, source="أوافق، الصحة أيضاً")
    assert found(reader, "مستوي") == []
    assert found(reader, "الصحه") == [reply.pk]

    discussions.post_delete(actor=reader, post=reply)
    assert found(reader, "الصحه") == []


def test_a_thread_moved_into_a_restricted_category_disappears_for_outsiders(
        make_category, make_user, django_capture_on_commit_callbacks):
    open_category = make_category()
    restricted = make_category(visibility="restricted", roles=["moderator"])
    author = make_user(role="member")
    moderator = make_user(role="moderator")
    with django_capture_on_commit_callbacks(execute=True):
        thread = discussions.thread_create(author=author, category=open_category, title="خطة",
                                           source="تفاصيل الخطة")
    assert found(author, "خطه") == [thread.posts.get().pk]
    thread.category = restricted
    thread.save(update_fields=["category"])
    assert found(author, "خطه") == []
    assert found(moderator, "خطه") == [thread.posts.get().pk]
