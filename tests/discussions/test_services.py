import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from forum.audit.models import AuditEntry
from forum.discussions import services
from forum.discussions.models import MAX_TREE_DEPTH, Post, PostRevision, Reaction, Thread


def test_thread_create_saves_thread_and_opening_post_and_counts(member, make_category):
    category = make_category()
    thread = services.thread_create(author=member, category=category, title="  الحوار الوطني  ",
                                    source="**مرحبا** بالجميع")
    post = thread.posts.get()
    assert thread.title == "الحوار الوطني"
    assert post.depth == 0 and post.path == f"{post.pk:08d}" or len(post.path) == 8
    assert "<strong>مرحبا</strong>" in post.html
    assert thread.last_post_id == post.pk
    category.refresh_from_db()
    assert (category.thread_count, category.post_count) == (1, 1)
    assert category.last_activity_at is not None


def test_replies_build_the_tree_paths(make_thread, make_post, member, root_of):
    thread = make_thread()
    root = root_of(thread)
    a = make_post(thread=thread, author=member)
    a1 = make_post(thread=thread, parent=a)
    b = make_post(thread=thread)
    assert a.parent_id == root.pk and a.depth == 1 and a.path.startswith(root.path + "/")
    assert a1.depth == 2 and a1.path.startswith(a.path + "/")
    ordered = list(thread.posts.order_by("path").values_list("pk", flat=True))
    assert ordered == [root.pk, a.pk, a1.pk, b.pk]
    thread.refresh_from_db()
    assert thread.reply_count == 3 and thread.last_post_id == b.pk


def test_replies_deeper_than_the_limit_stay_at_the_limit_as_siblings(make_thread, make_post, root_of):
    thread = make_thread()
    parent = root_of(thread)
    chain = []
    for _ in range(MAX_TREE_DEPTH + 2):
        parent = make_post(thread=thread, parent=parent)
        chain.append(parent)
    assert [p.depth for p in chain] == list(range(1, MAX_TREE_DEPTH + 1)) + [MAX_TREE_DEPTH, MAX_TREE_DEPTH]
    deepest, beyond = chain[MAX_TREE_DEPTH - 1], chain[MAX_TREE_DEPTH]
    assert beyond.parent_id == deepest.pk  # the real parent is kept for "in reply to"
    assert beyond.path.rsplit("/", 1)[0] == deepest.path.rsplit("/", 1)[0]
    assert beyond.path > deepest.path


@pytest.mark.parametrize("source, message", [
    ("", "empty"), ("   \n\t  ", "empty"), ("hello\x00world", "control characters"),
    ("bell\x07", "control characters"),
])
def test_bad_post_text_is_refused_and_nothing_saved(make_thread, member, source, message):
    thread = make_thread()
    before = Post.objects.count()
    with pytest.raises(ValidationError, match=message):
        services.post_create(author=member, thread=thread, source=source)
    assert Post.objects.count() == before


def test_over_long_post_is_refused_with_the_limit(make_thread, member, settings):
    settings.FORUM_POST_MAX_CHARS = 100
    thread = make_thread()
    with pytest.raises(ValidationError, match="101 characters long; the limit is 100"):
        services.post_create(author=member, thread=thread, source="x" * 101)
    assert thread.posts.count() == 1


@pytest.mark.parametrize("title, message", [("", "title"), ("x" * 201, "limit is 200"), ("a\nb", "control"),
                                            ("nul\x00", "control")])
def test_bad_titles_are_refused_and_nothing_saved(member, make_category, title, message):
    with pytest.raises(ValidationError, match=message):
        services.thread_create(author=member, category=make_category(), title=title, source="ok")
    assert not Thread.objects.exists() and not Post.objects.exists()


def test_reply_to_a_post_of_another_thread_is_refused(make_thread, member, root_of):
    one, other = make_thread(), make_thread()
    with pytest.raises(ValidationError, match="only reply to a post of this thread"):
        services.post_create(author=member, thread=one, source="hi", parent=root_of(other).pk)
    assert one.posts.count() == 1 and other.posts.count() == 1


def test_reply_to_a_deleted_post_or_a_forged_id_is_refused(make_thread, make_post, member):
    thread = make_thread()
    mine = make_post(thread=thread, author=member)
    services.post_delete(actor=member, post=mine)
    with pytest.raises(ValidationError, match="was deleted"):
        services.post_create(author=member, thread=thread, source="hi", parent=mine.pk)
    for forged in (999999, "abc", "-1"):
        with pytest.raises(ValidationError, match="does not exist"):
            services.post_create(author=member, thread=thread, source="hi", parent=forged)
    assert thread.posts.count() == 2


def test_posting_in_a_locked_thread_is_refused_except_for_moderators(make_thread, make_user, give_mfa):
    moderator = give_mfa(make_user(role="moderator"))
    thread = make_thread()
    services.thread_lock(actor=moderator, thread=thread, locked=True)
    member = make_user()
    with pytest.raises(PermissionDenied, match="locked"):
        services.post_create(author=member, thread=thread, source="hi")
    services.post_create(author=moderator, thread=thread, source="Closing note")
    assert thread.posts.count() == 2
    assert AuditEntry.objects.filter(verb="thread.lock", target_id=str(thread.pk), actor=moderator).exists()


def test_posting_without_permission_in_the_category_is_refused(make_thread, make_category, make_user, give_mfa):
    category = make_category(reply_policy="moderators")
    thread = make_thread(category=category, author=give_mfa(make_user(role="admin")))
    with pytest.raises(PermissionDenied, match="Only moderators"):
        services.post_create(author=make_user(), thread=thread, source="hi")
    hidden = make_category(visibility="restricted", allowed_roles=["representative"])
    with pytest.raises(Http404):
        services.thread_create(author=make_user(), category=hidden, title="t", source="s")
    assert thread.posts.count() == 1


def test_observer_replies_while_granted_and_is_refused_after_access_ends(make_thread, make_user):
    from datetime import timedelta

    from django.utils import timezone

    from forum.accounts import permissions as accounts
    from forum.accounts.models import ObserverGrant

    thread = make_thread()
    observer = make_user(role="observer")
    ObserverGrant.objects.create(user=observer, scope="category", object_id=thread.category_id)
    services.post_create(author=observer, thread=thread, source="A question from an observer")
    observer.access_ends_at = timezone.now() - timedelta(minutes=1)
    observer.save()
    accounts.forget(observer)
    with pytest.raises((PermissionDenied, Http404)):
        services.post_create(author=observer, thread=thread, source="Again")
    assert thread.posts.count() == 2


def test_muted_member_cannot_reply(make_thread, make_user):
    from forum.accounts.models import Restriction

    thread = make_thread()
    member = make_user()
    Restriction.objects.create(user=member, kind="mute", scope="site", reason="spam")
    with pytest.raises(PermissionDenied, match="muted"):
        services.post_create(author=member, thread=thread, source="hi")


def test_flood_of_posts_is_rate_limited(make_thread, member, settings):
    thread = make_thread()
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "post": "3/m"}
    for i in range(3):
        services.post_create(author=member, thread=thread, source=f"post {i}")
    with pytest.raises(ValidationError, match="posting too fast"):
        services.post_create(author=member, thread=thread, source="one too many")
    assert thread.posts.count() == 4


def test_edit_keeps_a_revision_and_marks_the_post(make_thread, member, root_of):
    thread = make_thread(author=member, source="first text")
    post = root_of(thread)
    services.post_edit(actor=member, post=post, source="second *text*")
    post.refresh_from_db()
    assert post.edit_count == 1 and post.edited_at is not None and "<em>text</em>" in post.html
    assert list(PostRevision.objects.filter(post=post).values_list("source", flat=True)) == ["first text"]


def test_editing_someone_elses_post_is_refused(make_thread, make_user, root_of):
    thread = make_thread(source="theirs")
    with pytest.raises(PermissionDenied, match="only edit your own"):
        services.post_edit(actor=make_user(), post=root_of(thread), source="mine now")
    assert root_of(thread).source == "theirs"


def test_category_moderator_may_edit_and_it_is_audited(make_thread, make_category, make_user, root_of, give_mfa):
    moderator = make_user()
    thread = make_thread(category=make_category(moderators=[moderator]))
    give_mfa(moderator)
    services.post_edit(actor=moderator, post=root_of(thread), source="fixed a link")
    assert AuditEntry.objects.filter(verb="post.edit", actor=moderator).exists()


def test_delete_leaves_a_placeholder_and_keeps_the_replies(make_thread, make_post, member, make_user):
    thread = make_thread()
    mine = make_post(thread=thread, author=member, source="secret")
    child = make_post(thread=thread, parent=mine)
    with pytest.raises(PermissionDenied, match="only delete your own"):
        services.post_delete(actor=make_user(), post=mine)
    services.post_delete(actor=member, post=mine)
    mine.refresh_from_db()
    assert mine.deleted_at and mine.source == "" and mine.html == ""
    assert Post.objects.get(pk=child.pk).parent_id == mine.pk
    with pytest.raises(PermissionDenied, match="deleted"):
        services.post_edit(actor=member, post=mine, source="back")


def test_reaction_toggle_keeps_counts_in_step(make_thread, make_user, root_of):
    thread = make_thread()
    post = root_of(thread)
    a, b = make_user(), make_user()
    assert services.reaction_toggle(actor=a, post=post, emoji="👍") is True
    assert services.reaction_toggle(actor=b, post=post, emoji="👍") is True
    assert services.reaction_toggle(actor=b, post=post, emoji="❤️") is True
    post.refresh_from_db()
    assert post.reaction_counts == {"👍": 2, "❤️": 1}
    assert services.reaction_toggle(actor=a, post=post, emoji="👍") is False
    post.refresh_from_db()
    assert post.reaction_counts == {"👍": 1, "❤️": 1}
    assert Reaction.objects.filter(post=post).count() == 2


def test_reactions_outside_the_set_are_refused_and_consultations_add_agree(make_thread, make_category, make_user,
                                                                           root_of):
    post = root_of(make_thread())
    with pytest.raises(ValidationError, match="not available"):
        services.reaction_toggle(actor=make_user(), post=post, emoji="agree")
    consultation = root_of(make_thread(category=make_category(is_consultation=True)))
    services.reaction_toggle(actor=make_user(), post=consultation, emoji="agree")
    assert Reaction.objects.filter(emoji="agree").count() == 1


def test_representative_speaks_for_the_organisation_only_by_choice(make_thread, make_post, make_user,
                                                                   give_mfa):
    rep = give_mfa(make_user(role="representative"))
    thread = make_thread(author=rep, on_behalf_of=True)
    assert thread.on_behalf_of is not None
    own = make_post(thread=thread, author=rep)
    speaking = make_post(thread=thread, author=rep, on_behalf_of=True)
    assert own.on_behalf_of is None and speaking.on_behalf_of == thread.on_behalf_of


def test_members_cannot_speak_for_an_organisation(make_thread, make_user):
    thread = make_thread()
    with pytest.raises(PermissionDenied, match="representatives"):
        services.post_create(author=make_user(), thread=thread, source="hi", on_behalf_of=True)
    assert thread.posts.count() == 1


def test_representative_without_mfa_cannot_speak_for_the_organisation(make_thread, make_user):
    with pytest.raises(PermissionDenied, match="two-factor"):
        services.post_create(author=make_user(role="representative"), thread=make_thread(), source="x",
                             on_behalf_of=True)


def test_pin_and_move_are_for_moderators_and_audited(make_thread, make_category, make_user, give_mfa):
    moderator = give_mfa(make_user(role="moderator"))
    source, target = make_category(), make_category()
    thread = make_thread(category=source)
    with pytest.raises(PermissionDenied):
        services.thread_pin(actor=make_user(), thread=thread)
    services.thread_pin(actor=moderator, thread=thread, pinned=True)
    services.thread_move(actor=moderator, thread=thread, category=target, reason="belongs there")
    thread.refresh_from_db()
    source.refresh_from_db()
    target.refresh_from_db()
    assert thread.pinned and thread.category_id == target.pk
    assert (source.thread_count, target.thread_count, target.post_count) == (0, 1, 1)
    assert set(AuditEntry.objects.values_list("verb", flat=True)) == {"thread.pin", "thread.move"}


def test_category_moderator_cannot_move_a_thread_into_a_category_they_do_not_moderate(make_thread,
                                                                                      make_category, make_user,
                                                                                      give_mfa):
    cm = make_user()
    thread = make_thread(category=make_category(moderators=[cm]))
    give_mfa(cm)
    with pytest.raises(PermissionDenied, match="categories you moderate"):
        services.thread_move(actor=cm, thread=thread, category=make_category())


def test_mentions_of_members_link_to_their_profiles(make_thread, make_user, member):
    named = make_user(display_name="Layla")
    thread = make_thread()
    post = services.post_create(author=member, thread=thread, source="Thank you @Layla and @nobody")
    from django.urls import reverse

    assert f'href="{reverse("accounts:profile", kwargs={"user_id": named.pk})}"' in post.html
    assert "@nobody" in post.html


def test_author_renames_their_thread_and_others_cannot(make_thread, member, make_user):
    thread = make_thread(author=member, title="Old title")
    services.thread_rename(actor=member, thread=thread, title="New title")
    assert Thread.objects.get(pk=thread.pk).title == "New title"
    with pytest.raises(PermissionDenied):
        services.thread_rename(actor=make_user(), thread=thread, title="Hijacked")
    with pytest.raises(ValidationError, match="limit is 200"):
        services.thread_rename(actor=member, thread=thread, title="x" * 201)
    assert Thread.objects.get(pk=thread.pk).title == "New title"


def test_moderator_hides_a_post_with_a_reason_and_it_is_audited(make_thread, make_post, make_user, give_mfa):
    moderator = give_mfa(make_user(role="moderator"))
    thread = make_thread()
    post = make_post(thread=thread)
    with pytest.raises(ValidationError, match="Say why"):
        services.post_hide(actor=moderator, post=post, reason=" ")
    with pytest.raises(PermissionDenied):
        services.post_hide(actor=make_user(), post=post, reason="spam")
    services.post_hide(actor=moderator, post=post, reason="Personal data of a witness")
    post.refresh_from_db()
    thread.refresh_from_db()
    assert post.hidden_at is not None and thread.reply_count == 0
    assert AuditEntry.objects.filter(verb="post.hide", reason="Personal data of a witness").exists()
    with pytest.raises(ValidationError, match="hidden by a moderator"):
        services.post_create(author=make_user(), thread=thread, source="hi", parent=post.pk)
    services.post_hide(actor=moderator, post=post, reason="", hidden=False)
    assert Post.objects.get(pk=post.pk).hidden_at is None


@pytest.mark.parametrize("title", ["Budget \u202egnissim", "zero\u200bwidth", "isolate \u2067x\u2069", "bom\ufeff"])
def test_titles_with_bidi_or_invisible_characters_are_refused_like_display_names(member, make_category, title):
    from forum.accounts.names import clean_display_name

    with pytest.raises(ValidationError):
        clean_display_name(title)  # the rule display names have always had
    with pytest.raises(ValidationError, match="invisible or text-direction"):
        services.thread_create(author=member, category=make_category(), title=title, source="ok")
    assert not Thread.objects.exists() and not Post.objects.exists()


def test_renaming_a_thread_to_a_bidi_override_is_refused_and_keeps_the_title(make_thread):
    thread = make_thread(title="Water committee")
    with pytest.raises(ValidationError, match="invisible or text-direction"):
        services.thread_rename(actor=thread.author, thread=thread, title="Water \u202eeettimmoc")
    thread.refresh_from_db()
    assert thread.title == "Water committee"


def test_arabic_and_mixed_titles_are_still_accepted(member, make_category):
    thread = services.thread_create(author=member, category=make_category(), title="اجتماع Budget 2026 (عاجل)",
                                    source="ok")
    assert thread.title == "اجتماع Budget 2026 (عاجل)"


def test_an_observers_post_links_only_members_the_observer_may_browse(make_user, make_category, give_mfa):
    from forum.accounts.models import ObserverGrant

    category = make_category(visibility="restricted")
    observer = make_user(role="observer")
    ObserverGrant.objects.create(user=observer, scope="category", object_id=category.pk)
    make_user(role="member", display_name="Hidden Activist")
    moderator = give_mfa(make_user(role="moderator", display_name="Mod"))  # reads restricted with MFA only
    thread = services.thread_create(author=moderator, category=category, title="Question",
                                    source="Hello")
    post = services.post_create(author=observer, thread=thread, source="@[Hidden Activist] @Mod")
    html = post.html
    assert html.count('class="mention"') == 1 and moderator.get_absolute_url() in html


def test_a_members_post_still_links_every_active_member(member, make_user, make_category):
    sara = make_user(role="member", display_name="Sara")
    thread = services.thread_create(author=member, category=make_category(), title="Hello", source="Hi @Sara")
    assert sara.get_absolute_url() in thread.posts.get().html
