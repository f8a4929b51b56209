"""The index follows posts and threads: created, edited, hidden, deleted, renamed, moved, rebuilt."""

from __future__ import annotations

from django.core.management import call_command
from django.utils import timezone

from forum.core.richtext import render_post
from forum.search import services
from forum.search.models import PendingDocument, SearchDocument

from .conftest import indexed


def test_a_new_post_is_indexed_with_its_written_and_normalised_words(make_post):
    post = make_post(title="مدرسة المستقبل", source="نناقش **المُجْتَمَع** المدني & <b>حقوق</b>")
    document = SearchDocument.objects.get(post=post)
    assert document.title_norm == "مدرسه المستقبل"
    assert document.body_text == "نناقش المُجْتَمَع المدني & <b>حقوق</b>"
    assert document.body_norm == "نناقش المجتمع المدني & <b>حقوق</b>"
    assert len(document.body_text.split(" ")) == len(document.body_norm.split(" "))
    assert set(document.stems.split()) == {"مستقبل", "مجتمع", "مدني"}
    assert document.thread_id == post.thread_id
    assert document.category_id == post.thread.category_id
    assert document.author_id == post.author_id
    assert document.created_at == post.created_at


def test_only_the_opening_post_carries_the_thread_title(make_post):
    opening = make_post(title="Budget participatif", source="first")
    reply = make_post(thread=opening.thread, source="second")
    assert SearchDocument.objects.get(post=opening).title_norm == "budget participatif"
    assert SearchDocument.objects.get(post=reply).title_norm == ""


def test_the_organisation_is_the_authors_at_write_time_or_the_one_spoken_for(make_post, make_user,
                                                                            make_organisation):
    author = make_user(role="representative")
    own = author.memberships.get().organisation
    post = make_post(source="hello", author=author)
    assert SearchDocument.objects.get(post=post).organisation_id == own.pk
    other = make_organisation()
    spoken_for = make_post(source="on behalf", author=author, on_behalf_of=other)
    assert SearchDocument.objects.get(post=spoken_for).organisation_id == other.pk
    # Moving to another organisation later does not rewrite history.
    author.memberships.update(organisation=other)
    post.source = "hello again"
    post.html = render_post(post.source)
    post.save()
    assert SearchDocument.objects.get(post=post).organisation_id == own.pk


def test_an_edit_refreshes_the_document(make_post):
    post = make_post(source="ancien texte")
    post.source = "nouveau texte"
    post.html = render_post(post.source)
    post.save()
    assert SearchDocument.objects.get(post=post).body_norm == "ancien texte"  # until the worker runs
    assert indexed() == 1
    assert SearchDocument.objects.get(post=post).body_norm == "nouveau texte"


def test_hidden_and_deleted_posts_leave_the_index(make_post):
    hidden = make_post(source="hidden words")
    deleted = make_post(source="deleted words")
    hidden.hidden_at = timezone.now()
    hidden.save()
    deleted.deleted_at = timezone.now()
    deleted.save(update_fields=["deleted_at"])
    # Removal is never deferred: gone in the same transaction.
    assert not SearchDocument.objects.filter(post__in=[hidden, deleted]).exists()
    hidden.hidden_at = None
    hidden.save()
    indexed()
    assert SearchDocument.objects.filter(post=hidden).exists()


def test_posts_and_threads_removed_from_the_database_take_their_documents(make_post):
    post = make_post(source="gone")
    post_id = post.pk
    post.delete()
    assert not SearchDocument.objects.filter(post_id=post_id).exists()
    opening = make_post(source="thread gone")
    reply = make_post(thread=opening.thread, source="reply gone")
    reply.delete()
    opening.delete()
    opening.thread.delete()
    assert not SearchDocument.objects.exists()


def test_indexing_costs_one_statement_per_write(make_post, make_user, django_assert_num_queries):
    from forum.accounts import permissions as accounts
    from forum.discussions.models import Post

    opening = make_post(source="first")
    author = make_user(role="member")
    accounts.organisation_id(author)  # loaded by the permission checks of a real request
    with django_assert_num_queries(2):  # INSERT the post, queue it for the index (one upsert)
        post = Post.objects.create(thread=opening.thread, author=author, parent=opening, source="reply",
                                   html=render_post("reply"))
    assert not SearchDocument.objects.filter(post=post).exists()
    assert PendingDocument.objects.filter(post=post).exists()
    post.source = "edited"
    post.html = render_post("edited")
    with django_assert_num_queries(2):  # UPDATE the post, queue it again (the same upsert)
        post.save()
    assert PendingDocument.objects.filter(post=post).count() == 1
    assert indexed() == 1
    assert SearchDocument.objects.get(post=post).body_norm == "edited"
    assert SearchDocument.objects.get(post=post).organisation_id == author.memberships.get().organisation_id
    assert not PendingDocument.objects.filter(post=post).exists()


def test_counter_only_saves_do_not_reindex(make_post, django_assert_num_queries):
    post = make_post(source="counted")
    post.reaction_counts = {"👍": 1}
    with django_assert_num_queries(1):  # the UPDATE of the post, nothing for search
        post.save(update_fields=["reaction_counts"])


def test_renaming_moving_and_deleting_a_thread_follow(make_post, make_category):
    opening = make_post(title="Old title", source="body")
    reply = make_post(thread=opening.thread, source="reply")
    thread = opening.thread
    target = make_category()
    thread.title = "Nouveau titre"
    thread.category = target
    thread.save()
    assert SearchDocument.objects.get(post=opening).title_norm == "nouveau titre"
    assert set(SearchDocument.objects.filter(thread=thread).values_list("category_id", flat=True)) == {target.pk}
    thread.deleted_at = timezone.now()
    thread.save()
    assert not SearchDocument.objects.filter(post__in=[opening, reply]).exists()


def test_a_restored_thread_is_searchable_again_with_all_its_posts(make_post):
    opening = make_post(title="Restored", source="body")
    reply = make_post(thread=opening.thread, source="reply")
    thread = opening.thread
    thread.deleted_at = timezone.now()
    thread.save()
    thread.deleted_at = None
    thread.save()
    assert set(SearchDocument.objects.filter(thread=thread).values_list("post_id", flat=True)) == {
        opening.pk, reply.pk}
    assert SearchDocument.objects.get(post=opening).title_norm == "restored"


def test_rebuild_restores_documents_lost_or_stale(make_post):
    kept = make_post(title="مستوى التعليم", source="نص")
    hidden = make_post(source="hidden")
    from forum.discussions.models import Post

    # Writes that bypass signals leave the index stale; the rebuild repairs it.
    Post.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    SearchDocument.objects.filter(post=kept).delete()
    assert services.index_rebuild(batch_size=1) == 1
    assert list(SearchDocument.objects.values_list("post_id", flat=True)) == [kept.pk]
    assert SearchDocument.objects.get(post=kept).title_norm == "مستوي التعليم"


def test_rebuild_command_reports_the_count(make_post, capsys):
    make_post(source="one")
    make_post(source="two")
    call_command("rebuild_search_index")
    assert "2" in capsys.readouterr().out
    assert SearchDocument.objects.count() == 2


def test_the_accent_folding_migration_refolds_documents_indexed_before(make_post):
    import importlib

    from django.apps import apps

    from forum.search.models import SearchDocument

    post = make_post(title="Citoyenneté", source="La citoyenneté active")
    SearchDocument.objects.filter(post=post).update(title_norm="citoyenneté", body_norm="la citoyenneté active",
                                                    stems="")
    migration = importlib.import_module("forum.search.migrations.0003_fold_latin_accents")
    migration.refold(apps, None)
    document = SearchDocument.objects.get(post=post)
    assert (document.title_norm, document.body_norm) == ("citoyennete", "la citoyennete active")
