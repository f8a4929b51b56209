# ruff: noqa: F811
"""Who hears of a post, once each, for the strongest reason; pages hear of every change after commit."""

import pytest

from forum.discussions import events, services, subscriptions
from forum.discussions.models import ReadState, Subscription
from forum.notifications.models import Notification
from tests.notifications.factories import listen  # noqa: F401

pytestmark = pytest.mark.django_db


def kinds_for(post):
    return dict(Notification.objects.filter(key=f"post:{post.pk}").values_list("recipient_id", "kind"))


def test_reply_notifies_the_author_of_the_parent_post(make_thread, make_post, make_user, root_of):
    lina, omar = make_user(), make_user(display_name="Omar")
    thread = make_thread(author=lina, title="Water in Idlib")
    reply = make_post(thread=thread, author=omar, parent=root_of(thread), source="I **agree**")
    n = Notification.objects.get(recipient=lina)
    assert n.kind == "reply" and n.actor == omar and n.url == reply.get_absolute_url()
    assert n.data["thread_title"] == "Water in Idlib" and n.data["excerpt"] == "I agree"


def test_the_author_never_hears_of_their_own_post(make_thread, make_post, make_user, root_of):
    lina = make_user()
    thread = make_thread(author=lina)
    make_post(thread=thread, author=lina, parent=root_of(thread), source="@[User] talking to myself")
    assert not Notification.objects.exists()


def test_mention_notifies_the_member_named(make_thread, make_post, make_user):
    lina, omar, sara = make_user(), make_user(), make_user(display_name="Sara Haddad")
    thread = make_thread(author=lina)
    Subscription.objects.filter(user=lina).delete()
    post = make_post(thread=thread, author=omar, source="What do you think, @[Sara Haddad]?")
    assert kinds_for(post) == {sara.pk: "mention", lina.pk: "reply"}


def test_quote_notifies_the_quoted_author(make_thread, make_post, make_user, root_of):
    lina, omar, sara = make_user(), make_user(), make_user()
    thread = make_thread(author=lina)
    said = make_post(thread=thread, author=sara, source="Wells first.")
    post = make_post(thread=thread, author=omar, parent=root_of(thread),
                     source=f"> [Sara wrote:](/t/post/{said.pk}/)\n>\n> Wells first.\n\nYes.")
    assert kinds_for(post)[sara.pk] in ("quote", "watched")
    assert kinds_for(post)[sara.pk] == "quote"


def test_one_notification_per_member_with_the_strongest_reason(make_thread, make_post, make_user, root_of):
    lina, omar = make_user(display_name="Lina"), make_user()
    thread = make_thread(author=lina)  # Lina watches her thread
    post = make_post(thread=thread, author=omar, parent=root_of(thread), source="@Lina see my answer")
    assert kinds_for(post) == {lina.pk: "reply"}
    assert Notification.objects.filter(recipient=lina).count() == 1


def test_watchers_hear_of_every_new_post(make_thread, make_post, make_user):
    lina, omar, sara = make_user(), make_user(), make_user()
    thread = make_thread(author=lina)
    subscriptions.subscription_set(actor=sara, thread=thread, level="watch")
    post = make_post(thread=thread, author=omar)
    assert kinds_for(post)[sara.pk] == "watched"


def test_trackers_and_members_without_a_subscription_hear_nothing(make_thread, make_post, make_user):
    lina, omar, sara, nour = make_user(), make_user(), make_user(), make_user()
    thread = make_thread(author=lina)
    subscriptions.subscription_set(actor=sara, thread=thread, level="track")
    post = make_post(thread=thread, author=omar)
    assert set(kinds_for(post)) == {lina.pk}
    assert nour.pk not in kinds_for(post)


def test_muting_a_thread_silences_even_replies_and_mentions(make_thread, make_post, make_user, root_of):
    lina, omar = make_user(display_name="Lina"), make_user()
    thread = make_thread(author=lina)
    subscriptions.subscription_set(actor=lina, thread=thread, level="mute")
    make_post(thread=thread, author=omar, parent=root_of(thread), source="@Lina hello")
    assert not Notification.objects.exists()


def test_starting_or_replying_watches_the_thread_unless_muted(make_thread, make_post, make_user):
    lina, omar, sara = make_user(), make_user(), make_user()
    thread = make_thread(author=lina)
    assert subscriptions.thread_level(lina, thread) == "watch"
    subscriptions.subscription_set(actor=sara, thread=thread, level="track")
    make_post(thread=thread, author=sara)
    assert subscriptions.thread_level(sara, thread) == "watch"
    subscriptions.subscription_set(actor=omar, thread=thread, level="mute")
    make_post(thread=thread, author=omar)
    assert subscriptions.thread_level(omar, thread) == "mute"


def test_members_who_cannot_read_the_thread_are_not_notified(make_thread, make_post, make_user, make_category,
                                                            make_organisation):
    insiders = make_organisation()
    category = make_category(visibility="restricted", allowed_organisations=[insiders])
    lina = make_user(organisation=insiders)
    outsider = make_user(display_name="Outsider")
    thread = make_thread(author=lina, category=category)
    Subscription.objects.create(user=outsider, thread=thread, level="watch")
    post = make_post(thread=thread, author=make_user(organisation=insiders), source="@Outsider look")
    assert outsider.pk not in kinds_for(post)
    assert lina.pk in kinds_for(post)


def test_new_thread_notifies_watchers_of_its_category_and_its_parent(make_thread, make_user, make_category):
    parent = make_category()
    child = make_category(parent=parent)
    parent_watcher, child_watcher, muted_child, lina = make_user(), make_user(), make_user(), make_user()
    subscriptions.subscription_set(actor=parent_watcher, category=parent, level="watch")
    subscriptions.subscription_set(actor=child_watcher, category=child, level="watch")
    subscriptions.subscription_set(actor=muted_child, category=parent, level="watch")
    subscriptions.subscription_set(actor=muted_child, category=child, level="mute")
    thread = make_thread(author=lina, category=child, title="Elections")
    recipients = dict(Notification.objects.values_list("recipient_id", "kind"))
    assert recipients == {parent_watcher.pk: "new_thread", child_watcher.pk: "new_thread"}
    assert Notification.objects.first().data["thread_title"] == thread.title


def test_editing_a_post_notifies_only_newly_mentioned_members(make_thread, make_post, make_user):
    lina, omar = make_user(display_name="Lina"), make_user()
    sara, nour = make_user(display_name="Sara"), make_user(display_name="Nour")
    thread = make_thread(author=omar)
    post = make_post(thread=thread, author=lina, source="hello @Sara")
    assert kinds_for(post)[sara.pk] == "mention"
    services.post_edit(actor=lina, post=post, source="hello @Sara and @Nour")
    kinds = kinds_for(post)
    assert kinds[nour.pk] == "mention"
    assert Notification.objects.filter(recipient=sara).count() == 1


def test_removing_a_post_drops_its_words_from_notifications(make_thread, make_post, make_user, root_of):
    lina, omar = make_user(), make_user()
    thread = make_thread(author=lina)
    post = make_post(thread=thread, author=omar, parent=root_of(thread), source="something regrettable")
    services.post_delete(actor=omar, post=post)
    assert Notification.objects.get(recipient=lina).data["excerpt"] == ""


def test_reply_marks_the_thread_read_for_its_author(make_thread, make_post, make_user):
    lina, omar = make_user(), make_user()
    thread = make_thread(author=lina)
    post = make_post(thread=thread, author=omar)
    assert ReadState.objects.get(user=omar, thread=thread).last_read_post_id == post.pk


def test_pages_hear_of_a_reply_only_after_commit(make_thread, make_post, make_user, listen,
                                                django_capture_on_commit_callbacks):
    lina, omar = make_user(), make_user()
    thread = make_thread(author=lina)
    thread_page = listen(events.thread_group(thread.pk))
    list_page = listen(events.category_group(thread.category_id))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post = make_post(thread=thread, author=omar)
    assert thread_page.events() == []
    for callback in callbacks:
        callback()
    [created] = thread_page.events()
    assert created == {**events.post_created(post), "seq": events.current_seq(thread.pk)}
    assert created["fragment_url"] == f"/t/{thread.pk}/posts/{post.pk}/fragment/"
    assert [e["type"] for e in list_page.events()] == ["discussions.thread.activity"]


def test_a_rolled_back_reply_is_never_broadcast(make_thread, make_user, listen,
                                               django_capture_on_commit_callbacks):
    from django.db import transaction

    lina = make_user()
    thread = make_thread(author=lina)
    page = listen(events.thread_group(thread.pk))
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.post_create(author=lina, thread=thread, source="oops")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert page.events() == []


def test_edits_removals_and_thread_changes_are_broadcast(make_thread, make_post, make_user, listen, give_mfa,
                                                        django_capture_on_commit_callbacks):
    lina = make_user()
    moderator = give_mfa(make_user(role="moderator"))
    thread = make_thread(author=lina)
    post = make_post(thread=thread, author=lina)
    page = listen(events.thread_group(thread.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.post_edit(actor=lina, post=post, source="changed")
        services.post_delete(actor=lina, post=post)
        services.thread_lock(actor=moderator, thread=thread, locked=True)
    got = page.events()
    assert [e["type"] for e in got] == ["discussions.post.edited", "discussions.post.removed",
                                        "discussions.thread.changed"]
    assert got[1]["reason"] == "deleted" and got[2]["locked"] is True


def test_suspended_watchers_and_observers_without_access_hear_nothing(make_thread, make_post, make_user):
    lina = make_user()
    thread = make_thread(author=lina)
    suspended = make_user(suspended=True)
    observer = make_user(role="observer")  # granted no category
    for user in (suspended, observer):
        Subscription.objects.create(user=user, thread=thread, level="watch")
    post = make_post(thread=thread, author=make_user())
    assert set(kinds_for(post)) == {lina.pk}


def test_a_reply_costs_the_same_queries_for_5_or_50_watchers(make_thread, make_user, make_category,
                                                             make_organisation, root_of):
    """Who may read the thread is decided for all watchers at once (audience.allowed_recipients
    primes everybody's facts), so the fan-out costs no query per recipient."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    org = make_organisation()
    category = make_category(visibility="restricted", allowed_organisations=[org])

    def measure(watchers):
        thread = make_thread(author=make_user(organisation=org), category=category)
        readers = [make_user(organisation=org) for _ in range(watchers)]
        outsiders = [make_user() for _ in range(watchers // 5)]  # watch, but may no longer read
        for user in readers + outsiders:
            Subscription.objects.create(user=user, thread=thread, level="watch")
        author = make_user(organisation=org)
        with CaptureQueriesContext(connection) as ctx:
            post = services.post_create(author=author, thread=thread, source="hi", parent=root_of(thread))
        assert set(kinds_for(post)) == {thread.author_id} | {u.pk for u in readers}
        return len(ctx.captured_queries)

    small, large = measure(5), measure(50)
    assert small == large, (small, large)


@pytest.mark.parametrize("source", [
    "**Bold** start. " + "A [link](https://example.org/a) and `code`, نص عربي. " * 80,
    "[" + "x" * 3000 + "](https://example.org/)\n\nthen the words that count",
    "- item\n" * 600 + "\nend",
    "Short post with *emphasis*.",
])
def test_the_excerpt_of_a_long_post_is_the_start_of_its_text(source, make_thread, make_post, make_user):
    from django.utils.html import strip_tags
    from django.utils.text import Truncator

    from forum.discussions import activity

    post = make_post(thread=make_thread(), source=source)
    expected = Truncator(" ".join(strip_tags(post.html).split())).chars(activity.EXCERPT_CHARS)
    assert activity._excerpt(post) == expected


def test_a_post_that_quotes_nothing_quotes_no_one(make_thread, make_post, make_user, root_of):
    lina = make_user()
    thread = make_thread(author=lina)
    post = make_post(thread=thread, author=make_user(), source="> a plain blockquote, no link\n\nand text")
    assert kinds_for(post) == {lina.pk: "reply"}


def test_a_new_thread_notice_names_the_category_in_each_readers_language(make_thread, make_user, make_category):
    """Issue #10: the notice keeps the category's names per language, so an Arabic reader sees its
    Arabic name, a French reader its French one, and the e-mail says the same (not the default)."""
    from django.utils import translation

    from forum.notifications import emails, texts

    water = make_category(name="Water")
    water.name_ar, water.name_fr = "المياه", "L'eau"
    water.save()
    reader = make_user(preferred_language="ar")
    subscriptions.subscription_set(actor=reader, category=water, level="watch")
    make_thread(author=make_user(), category=water, title="Wells")
    notice = Notification.objects.get(recipient=reader)
    for language, name in (("ar", "المياه"), ("fr", "L'eau"), ("en", "Water")):
        with translation.override(language):
            assert name in texts.describe(notice), language
    assert "المياه" in emails.notification_message(notice).body
    water.name_ar = "مياه الشرب"  # the notice is a snapshot: a later rename does not rewrite it
    water.save()
    with translation.override("ar"):
        assert "المياه" in texts.describe(Notification.objects.get(pk=notice.pk))
