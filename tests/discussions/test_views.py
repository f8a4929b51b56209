import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum.discussions import services
from forum.discussions.models import Post, PostRevision, Thread


@pytest.fixture
def thread(make_thread, member):
    return make_thread(author=member, title="حوار حول الدستور", source="**نص** عربي")


def login(client, user):
    client.force_login(user)
    return client


def test_thread_page_shows_posts_with_tree_markup(client, thread, member, make_post, root_of):
    reply = make_post(thread=thread, source="A reply")
    make_post(thread=thread, parent=reply, source="A nested reply")
    response = login(client, member).get(thread.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-thread-id="{thread.pk}"' in html
    assert f'id="post-{reply.pk}"' in html and f'data-post-id="{reply.pk}"' in html
    # The body takes its post's direction (the opening post is Arabic; the replies are Latin).
    assert 'class="post-body user-content" dir="rtl"' in html
    assert 'class="post-body user-content" dir="ltr"' in html
    assert "<strong>نص</strong>" in html
    assert '<details class="replies" open>' in html
    assert html.count("<details") == html.count("</details>")
    assert 'class="post depth-2' in html


def test_flat_view_orders_by_time_and_says_whom_a_post_answers(client, thread, member, make_post):
    first = make_post(thread=thread, source="first")
    make_post(thread=thread, source="second")
    make_post(thread=thread, parent=first, source="answer to first")
    html = login(client, member).get(thread.get_absolute_url() + "?view=flat").content.decode()
    assert html.index("first") < html.index("second") < html.index("answer to first")
    assert "in reply to" in html
    assert "<details class=\"replies\"" not in html  # (the header menu is a <details> too)


def _long_thread(*, size, make_thread, make_post, make_user, author):
    thread = make_thread(author=author)
    parent = None
    users = [make_user() for _ in range(5)]
    for i in range(size):
        post = make_post(thread=thread, author=users[i % 5], parent=parent, source=f"post {i}")
        parent = post if i % 3 else None
        if i % 4 == 0:
            services.reaction_toggle(actor=users[(i + 1) % 5], post=post, emoji="👍")
    return thread


# The page's own queries: thread, restrictions, categories (with the viewer's appointments),
# membership, posts (with authors, parents, organisations), reactions, and the header's
# watch/track/mute control (the member's subscription to the thread: one query, whatever the size).
# The thread's poll (forum.polls) comes joined to the thread: no query of its own; tests/polls pins
# the poll section's.
THREAD_PAGE_QUERIES = 7


@pytest.mark.parametrize("size", [10, 200])
def test_thread_page_queries_are_pinned_at_two_sizes(rf, make_thread, make_post, make_user, member, settings,
                                                     size, django_assert_num_queries):
    from django.template.loader import render_to_string

    from forum.accounts.models import User
    from forum.discussions import selectors

    settings.FORUM_POSTS_PER_PAGE = size
    thread = _long_thread(size=size, make_thread=make_thread, make_post=make_post, make_user=make_user,
                          author=member)
    # What any page costs through base.html (context processors such as the notification badge),
    # measured on a page of nothing, for a user object whose access facts are loaded (the thread page
    # loads them itself, and the badge asks them to leave out threads the member may not see now).
    bare = rf.get("/")
    bare.user = User.objects.get(pk=member.pk)
    from forum.discussions import permissions as thread_permissions

    thread_permissions.check_view_thread(bare.user, thread)
    from django.core.cache import cache

    with CaptureQueriesContext(connection) as base:
        render_to_string("discussions/refused.html", {"reason": "-"}, request=bare)
    cache.clear()  # the page below meets the cache as the bare one did (the header's cached answers)
    viewer = User.objects.get(pk=member.pk)  # no facts cached yet
    request = rf.get(thread.get_absolute_url())
    request.user = viewer
    with django_assert_num_queries(THREAD_PAGE_QUERIES + len(base.captured_queries)):
        loaded = selectors.thread_get_for_viewer(thread_id=thread.pk, viewer=viewer)
        page = selectors.thread_page_for_viewer(thread=loaded, viewer=viewer)
        html = render_to_string("discussions/thread_detail.html", {"page": page, "thread": loaded, "form": None},
                                request=request)
    assert html.count('class="post depth-') == size


def test_whole_thread_request_costs_the_same_for_10_and_200_posts(client, make_thread, make_post, make_user,
                                                                  member, settings):
    counts = {}
    for size in (10, 200):
        settings.FORUM_POSTS_PER_PAGE = size
        thread = _long_thread(size=size, make_thread=make_thread, make_post=make_post, make_user=make_user,
                              author=member)
        login(client, member)
        client.get(thread.get_absolute_url())  # open the view-count flush window
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(thread.get_absolute_url())
        assert response.content.decode().count('class="post depth-') == size
        counts[size] = len(ctx.captured_queries)
    assert counts[10] == counts[200], counts
    # + session and user (2), the base template's badge count (1), the reader's first unread post
    # for the "new since your last visit" marker (1, read before the view is recorded), and the
    # read-state hook of activity.py (at most 3 when it writes).
    assert counts[10] <= THREAD_PAGE_QUERIES + 2 + 1 + 1 + 3, counts


def test_keyset_pages_follow_the_tree_and_never_repeat(client, thread, make_post, member, settings):
    settings.FORUM_POSTS_PER_PAGE = 4
    posts = [make_post(thread=thread, source=f"reply {i}") for i in range(9)]
    login(client, member)
    seen, url = [], thread.get_absolute_url()
    while url:
        html = client.get(url).content.decode()
        seen += [int(x) for x in re.findall(r'data-post-id="(\d+)"', html)]
        nxt = re.search(r'href="(\?[^"]*after=[^"]*)" rel="next"', html)
        url = thread.get_absolute_url() + nxt.group(1).replace("&amp;", "&") if nxt else None
    expected = list(Post.objects.filter(thread=thread).order_by("path").values_list("pk", flat=True))
    assert seen == expected and len(seen) == 10
    assert posts[-1].pk in seen


def test_permalink_redirects_to_the_page_holding_the_post(client, thread, make_post, member, settings):
    settings.FORUM_POSTS_PER_PAGE = 3
    posts = [make_post(thread=thread, source=f"reply {i}") for i in range(7)]
    login(client, member)
    target = posts[4]  # 6th in tree order: the second page of three
    response = client.get(reverse("discussions:post", kwargs={"post_id": target.pk}))
    assert response.status_code == 302
    assert response.url.endswith(f"#post-{target.pk}")
    page = client.get(response.url.split("#")[0])
    ids = [int(x) for x in re.findall(r'data-post-id="(\d+)"', page.content.decode())]
    assert ids == [posts[2].pk, posts[3].pk, posts[4].pk]
    flat = client.get(reverse("discussions:post", kwargs={"post_id": target.pk}) + "?view=flat")
    assert "view=flat" in flat.url


def test_reply_page_works_without_javascript_and_quotes(client, thread, make_post, member, make_user):
    other = make_user(display_name="Samira")
    theirs = make_post(thread=thread, author=other, source="line one\nline two")
    login(client, member)
    page = client.get(reverse("discussions:reply_to", kwargs={"thread_id": thread.pk, "post_id": theirs.pk})
                      + "?quote=1")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"&gt; [Samira wrote:](/t/post/{theirs.pk}/)" in html
    assert "&gt; line two" in html
    response = client.post(reverse("discussions:reply_to", kwargs={"thread_id": thread.pk, "post_id": theirs.pk}),
                           {"source": "Agreed, **strongly**."})
    new = Post.objects.latest("id")
    assert response.status_code == 302 and response.url == f"/t/post/{new.pk}/"
    assert new.parent_id == theirs.pk and new.author == member


def test_bottom_reply_form_answers_the_opening_post_or_the_chosen_parent(client, thread, make_post, member,
                                                                         root_of):
    reply = make_post(thread=thread)
    login(client, member)
    client.post(reverse("discussions:reply", kwargs={"thread_id": thread.pk}), {"source": "to the thread"})
    client.post(reverse("discussions:reply", kwargs={"thread_id": thread.pk}),
                {"source": "to the reply", "parent": str(reply.pk)})
    assert Post.objects.get(source="to the thread").parent_id == root_of(thread).pk
    assert Post.objects.get(source="to the reply").parent_id == reply.pk


@pytest.mark.parametrize("data, message", [
    ({"source": "   "}, "the post is empty"),
    ({"source": "a\x00b"}, "Null characters are not allowed"),
    ({"source": "a\x1bb"}, "control characters"),
    ({"source": "x", "parent": "999999"}, "does not exist"),
])
def test_bad_replies_show_the_error_and_save_nothing(client, thread, member, data, message):
    login(client, member)
    response = client.post(reverse("discussions:reply", kwargs={"thread_id": thread.pk}), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert thread.posts.count() == 1


def test_reply_to_a_post_of_another_thread_over_http_is_refused(client, thread, make_thread, member, root_of):
    other = make_thread()
    login(client, member)
    response = client.post(reverse("discussions:reply", kwargs={"thread_id": thread.pk}),
                           {"source": "x", "parent": str(root_of(other).pk)})
    assert response.status_code == 400 and "only reply to a post of this thread" in response.content.decode()
    response = client.get(reverse("discussions:reply_to", kwargs={"thread_id": thread.pk,
                                                                  "post_id": root_of(other).pk}))
    assert response.status_code == 404


def test_flood_over_http_is_rate_limited_with_a_clear_message(client, thread, member, settings):
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "post": "3/m"}  # the member's opening post counts too
    login(client, member)
    url = reverse("discussions:reply", kwargs={"thread_id": thread.pk})
    assert client.post(url, {"source": "one"}).status_code == 302
    assert client.post(url, {"source": "two"}).status_code == 302
    response = client.post(url, {"source": "three"})
    assert response.status_code == 429
    assert "posting too fast" in response.content.decode()
    assert "three" in response.content.decode()  # the text is not lost
    assert thread.posts.count() == 3


def test_new_thread_form_and_errors(client, make_category, member):
    category = make_category()
    login(client, member)
    page = client.get(category.get_absolute_url())
    assert "Start a new thread" in page.content.decode()
    url = reverse("discussions:thread_create", kwargs={"slug": category.slug})
    response = client.post(url, {"title": "x" * 201, "source": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "the limit is 200" in html and "the post is empty" in html
    assert not Thread.objects.exists()
    response = client.post(url, {"title": "مرحبا", "source": "نص **مهم**"})
    thread = Thread.objects.get()
    assert response.url == thread.get_absolute_url()


def test_forged_thread_id_is_404(client, member):
    login(client, member)
    assert client.get("/t/987654/").status_code == 404
    assert client.post("/t/987654/reply/", {"source": "x"}).status_code == 404
    assert client.get("/t/post/987654/").status_code == 404


def test_threads_of_hidden_categories_are_404(client, make_category, make_thread, make_user, member, give_mfa):
    hidden = make_category(visibility="restricted", allowed_roles=["representative"])
    thread = make_thread(category=hidden, author=give_mfa(make_user(role="admin")))
    login(client, member)
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert client.get(hidden.get_absolute_url()).status_code == 404


def test_visitors_are_sent_to_sign_in(client, thread):
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_public_threads_are_readable_by_visitors_with_public_reading(client, make_category, make_thread, settings):
    settings.FORUM_PUBLIC_READING = True
    thread = make_thread(category=make_category(visibility="public"), source="open to all")
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200 and "open to all" in response.content.decode()
    assert "Post reply" not in response.content.decode()


def test_missing_csrf_token_is_refused(thread, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(reverse("discussions:reply", kwargs={"thread_id": thread.pk}), {"source": "x"})
    assert response.status_code == 403
    assert thread.posts.count() == 1


def test_locked_thread_has_no_reply_form_and_refuses_replies(client, thread, make_user, give_mfa, member):
    services.thread_lock(actor=give_mfa(make_user(role="moderator")), thread=thread, locked=True)
    login(client, member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Post reply" not in html and "locked" in html
    response = client.post(reverse("discussions:reply", kwargs={"thread_id": thread.pk}), {"source": "x"})
    assert response.status_code == 403 and "locked" in response.content.decode()
    assert thread.posts.count() == 1


def test_edit_and_revision_history_with_escaped_diff(client, thread, member, root_of, make_user):
    post = root_of(thread)
    login(client, member)
    response = client.post(reverse("discussions:post_edit", kwargs={"post_id": post.pk}),
                           {"title": thread.title, "source": "new <script>alert(1)</script> text"})
    assert response.status_code == 302
    assert PostRevision.objects.filter(post=post).count() == 1
    html = client.get(thread.get_absolute_url()).content.decode()
    assert reverse("discussions:post_revisions", kwargs={"post_id": post.pk}) in html and "edited" in html
    history = client.get(reverse("discussions:post_revisions", kwargs={"post_id": post.pk})).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in history and "<script>alert" not in history
    assert 'class="diff-added"' in history and 'class="diff-removed"' in history
    other = login(Client(), make_user())
    response = other.post(reverse("discussions:post_edit", kwargs={"post_id": post.pk}),
                          {"title": "mine", "source": "hijack"})
    assert response.status_code == 403 and "only edit your own" in response.content.decode()
    post.refresh_from_db()
    assert "hijack" not in post.source


def test_delete_over_http(client, thread, make_post, member):
    mine = make_post(thread=thread, author=member)
    login(client, member)
    assert client.get(reverse("discussions:post_delete", kwargs={"post_id": mine.pk})).status_code == 200
    client.post(reverse("discussions:post_delete", kwargs={"post_id": mine.pk}))
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "deleted by its author" in html


def test_reactions_over_http_and_who_reacted(client, thread, root_of, member, make_user):
    post = root_of(thread)
    fan = make_user(display_name="Karim")
    login(client, fan)
    response = client.post(reverse("discussions:post_react", kwargs={"post_id": post.pk}), {"emoji": "👍"})
    assert response.status_code == 302
    html = client.get(thread.get_absolute_url()).content.decode()
    assert 'aria-pressed="true" title="Karim"' in html
    who = client.get(reverse("discussions:post_reactions", kwargs={"post_id": post.pk})).content.decode()
    assert "Karim" in who
    bad = client.post(reverse("discussions:post_react", kwargs={"post_id": post.pk}), {"emoji": "💩"})
    assert bad.status_code == 400 and "not available" in bad.content.decode()


def test_reactions_answer_json_to_the_script_and_refuse_bad_input_in_json(client, thread, root_of, make_user):
    post = root_of(thread)
    fan = make_user(display_name="Karim")
    login(client, fan)
    url = reverse("discussions:post_react", kwargs={"post_id": post.pk})
    response = client.post(url, {"emoji": "👍"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    thumbs = next(r for r in response.json()["reactions"] if r["emoji"] == "👍")
    assert thumbs == {"emoji": "👍", "count": 1, "mine": True, "who": "Karim"}
    again = client.post(url, {"emoji": "👍"}, HTTP_ACCEPT="application/json").json()["reactions"]
    assert next(r for r in again if r["emoji"] == "👍") == {"emoji": "👍", "count": 0, "mine": False, "who": ""}
    bad = client.post(url, {"emoji": "💩"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and "not available" in bad.json()["error"]
    post.refresh_from_db()
    assert not post.reaction_counts.get("💩")


def test_the_pages_one_reactions_form_toggles_the_post_its_button_names(client, thread, root_of, make_user):
    post = root_of(thread)
    fan = make_user(display_name="Karim")
    login(client, fan)
    url = reverse("discussions:react")
    response = client.post(url, {"r": f"{post.pk} 👍"})
    assert response.status_code == 302 and response.url == post.get_absolute_url()
    assert post.reactions.filter(user=fan, emoji="👍").exists()
    html = client.get(thread.get_absolute_url()).content.decode()
    assert f'value="{post.pk} 👍" aria-pressed="true" title="Karim"><span>Like</span><span class="count">1</span>' in html
    answer = client.post(url, {"r": f"{post.pk} 👍"}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    assert next(r for r in answer.json()["reactions"] if r["emoji"] == "👍") == {
        "emoji": "👍", "count": 0, "mine": False, "who": ""}
    assert not post.reactions.exists()


@pytest.mark.parametrize("value", ["", "👍", "12", "12 ", " 👍", "x 👍", "١٢ 👍", "-1 👍", "1.5 👍", "9" * 19 + " 👍"])
def test_a_reaction_value_that_cannot_be_read_is_refused_in_the_readers_language(client, thread, root_of, member,
                                                                                   value):
    login(client, member)
    url = reverse("discussions:react")
    response = client.post(url, {"r": value})
    assert response.status_code == 400 and "could not be read" in response.content.decode()
    as_json = client.post(url, {"r": value}, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 400 and "could not be read" in as_json.json()["error"]
    member.preferred_language = "ar"
    member.save(update_fields=["preferred_language"])
    arabic = client.post(url, {"r": value})
    assert "تعذّرت قراءة هذا التفاعل" in arabic.content.decode()
    assert not root_of(thread).reactions.exists()


def test_a_reaction_to_an_unknown_post_or_an_unknown_reaction_changes_nothing(client, thread, root_of, member):
    login(client, member)
    url = reverse("discussions:react")
    assert client.post(url, {"r": "999999 👍"}).status_code == 404
    post = root_of(thread)
    bad = client.post(url, {"r": f"{post.pk} 💩"})
    assert bad.status_code == 400 and "not available" in bad.content.decode()
    assert client.get(url).status_code == 405
    assert not post.reactions.exists()
    client.logout()
    anonymous = client.post(url, {"r": f"{post.pk} 👍"})
    assert anonymous.status_code == 302 and "/login" in anonymous.url
    assert not post.reactions.exists()


def test_the_reply_page_lets_one_react_to_the_post_answered_without_javascript(client, thread, root_of, member):
    post = root_of(thread)
    login(client, member)
    html = client.get(reverse("discussions:reply_to", kwargs={"thread_id": thread.pk, "post_id": post.pk})).content.decode()
    assert html.count('<form id="react" method="post" action="/t/react/" hidden>') == 1
    assert f'<a href="/t/post/{post.pk}/react/" class="react-add">' in html
    assert '<template id="react-choices"><button form="react" name="r" value=" 👍"' in html


def test_the_page_of_reactions_offers_the_categorys_choices_and_toggles_one(client, thread, root_of, member):
    """A card's "Add a reaction" without JavaScript: a page of the category's reactions, the one the
    reader gave pressed; choosing one posts the page's form and returns to the post."""
    post = root_of(thread)
    services.reaction_toggle(actor=member, post=post, emoji="❤️")
    login(client, member)
    url = reverse("discussions:post_react", kwargs={"post_id": post.pk})
    html = client.get(url).content.decode()
    assert '<form id="react" method="post" action="/t/react/" data-plain="1">' in html
    assert re.findall(rf'value="{post.pk} ([^"]+)"[^>]*? aria-pressed="(\w+)"', html) == [
        ("👍", "false"), ("❤️", "true"), ("👏", "false"), ("🤔", "false")]
    response = client.post(reverse("discussions:react"), {"r": f"{post.pk} 👏"})
    assert response.status_code == 302 and response.url == reverse("discussions:post", kwargs={"post_id": post.pk})
    assert set(post.reactions.filter(user=member).values_list("emoji", flat=True)) == {"❤️", "👏"}


def test_the_page_of_reactions_is_refused_where_one_may_not_react(client, thread, root_of, member, make_thread):
    post = root_of(thread)
    url = reverse("discussions:post_react", kwargs={"post_id": post.pk})
    assert "/login" in client.get(url).url  # a visitor signs in first
    login(client, member)
    thread.locked = True
    thread.save(update_fields=["locked"])
    refused = client.get(url)
    assert refused.status_code == 403 and 'name="r"' not in refused.content.decode()
    assert "locked" in refused.content.decode()
    assert client.get(reverse("discussions:post_react", kwargs={"post_id": 10**9})).status_code == 404


def test_post_fragment_renders_one_post_for_live_updates(client, thread, make_post, member, make_thread):
    reply = make_post(thread=thread, source="fresh")
    login(client, member)
    response = client.get(reverse("discussions:post_fragment", kwargs={"thread_id": thread.pk, "post_id": reply.pk}))
    html = response.content.decode()
    assert response.status_code == 200 and f'id="post-{reply.pk}"' in html and "fresh" in html
    assert "<html" not in html
    other = make_thread()
    assert client.get(reverse("discussions:post_fragment",
                              kwargs={"thread_id": other.pk, "post_id": reply.pk})).status_code == 404


def test_moderator_pins_over_http_and_locks_or_moves_only_under_a_rule(client, thread, make_user, give_mfa):
    moderator = give_mfa(make_user(role="moderator"))
    login(client, moderator)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Pin" in html
    # One way to lock or move: the moderation page, which asks for a rule (no rule-free buttons).
    assert reverse("moderation:thread", kwargs={"thread_id": thread.pk}) in html
    assert f"/threads/{thread.pk}/lock/" not in html and f"/threads/{thread.pk}/move/" not in html
    assert 'name="locked"' not in html
    client.post(reverse("discussions:thread_pin", kwargs={"thread_id": thread.pk}), {"pinned": "1"})
    thread.refresh_from_db()
    assert thread.pinned


def test_the_rule_free_lock_and_move_addresses_are_gone(client, thread, make_user, give_mfa, make_category):
    login(client, give_mfa(make_user(role="moderator")))
    base = thread.get_absolute_url()
    assert client.post(base + "lock/", {"locked": "1"}).status_code == 404
    assert client.post(base + "move/", {"category": make_category().pk}).status_code == 404
    thread.refresh_from_db()
    assert not thread.locked


def test_members_cannot_pin(client, thread, member):
    login(client, member)
    response = client.post(reverse("discussions:thread_pin", kwargs={"thread_id": thread.pk}), {"pinned": "1"})
    assert response.status_code == 403
    thread.refresh_from_db()
    assert not thread.pinned


def test_representative_sees_the_speak_for_choice_and_posts_show_it(client, thread, make_user, give_mfa):
    rep = give_mfa(make_user(role="representative"))
    login(client, rep)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Speak for my organisation" in html
    client.post(reverse("discussions:reply", kwargs={"thread_id": thread.pk}),
                {"source": "Our position", "on_behalf_of": "on"})
    html = client.get(thread.get_absolute_url()).content.decode()
    org = rep.memberships.get().organisation
    assert f"Speaking for <bdi>{org.name}</bdi>" in html


def test_editing_the_opening_post_edits_the_title_too(client, thread, member, root_of):
    login(client, member)
    url = reverse("discussions:post_edit", kwargs={"post_id": root_of(thread).pk})
    assert 'name="title"' in client.get(url).content.decode()
    response = client.post(url, {"title": "", "source": "changed"})
    assert response.status_code == 400 and "Give the thread a title" in response.content.decode()
    assert Thread.objects.get(pk=thread.pk).title == thread.title
    assert root_of(thread).source == "**نص** عربي"
    client.post(url, {"title": "عنوان جديد", "source": "changed"})
    assert Thread.objects.get(pk=thread.pk).title == "عنوان جديد"
    assert root_of(thread).source == "changed"


def test_preview_without_javascript_renders_and_saves_nothing(client, thread, member):
    login(client, member)
    response = client.post(reverse("discussions:reply", kwargs={"thread_id": thread.pk}),
                           {"source": "a **bold** idea", "preview": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>bold</strong>" in html and "a **bold** idea" in html  # preview and the text kept
    assert thread.posts.count() == 1


@pytest.mark.parametrize("source, reason", [("[" * 5000, "formatting characters"), ("x" * 30, "limit is 20")])
def test_preview_without_javascript_is_bounded_like_a_post_and_saves_nothing(client, thread, member, settings,
                                                                             source, reason):
    settings.FORUM_POST_MAX_CHARS = 20 if reason == "limit is 20" else settings.FORUM_POST_MAX_CHARS
    login(client, member)
    response = client.post(reverse("discussions:reply", kwargs={"thread_id": thread.pk}),
                           {"source": source, "preview": "1"})
    assert response.status_code == 400 and reason in response.content.decode()
    assert thread.posts.count() == 1


def test_preview_without_javascript_is_rate_limited_with_the_other_doors_429_and_saves_nothing(
        client, thread, member, settings):
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "preview": "1/m"}
    login(client, member)
    url = reverse("discussions:reply", kwargs={"thread_id": thread.pk})
    assert client.post(url, {"source": "one", "preview": "1"}).status_code == 200
    response = client.post(url, {"source": "two", "preview": "1"})
    assert response.status_code == 429 and "previews too fast" in response.content.decode()
    assert thread.posts.count() == 1


def test_observer_posts_carry_the_badge_and_expired_observers_are_refused(client, thread, make_user):
    from datetime import timedelta

    from django.utils import timezone

    from forum.accounts.models import ObserverGrant

    observer = make_user(role="observer", display_name="Envoy")
    ObserverGrant.objects.create(user=observer, scope="category", object_id=thread.category_id)
    login(client, observer)
    url = reverse("discussions:reply", kwargs={"thread_id": thread.pk})
    assert client.post(url, {"source": "A question from outside"}).status_code == 302
    html = client.get(thread.get_absolute_url()).content.decode()
    assert 'class="badge badge-observer">Observer</span>' in html
    observer.access_ends_at = timezone.now() - timedelta(minutes=1)
    observer.save()
    assert client.post(url, {"source": "Again"}).status_code == 404  # access ended: the thread is gone
    assert thread.posts.count() == 2


def test_posting_in_a_category_without_permission_is_refused_over_http(client, make_category, make_thread,
                                                                     make_user, member, give_mfa):
    category = make_category(start_policy="representatives", reply_policy="moderators")
    thread = make_thread(category=category, author=give_mfa(make_user(role="admin")))
    login(client, member)
    response = client.post(reverse("discussions:thread_create", kwargs={"slug": category.slug}),
                           {"title": "Mine", "source": "text"})
    assert response.status_code == 403 and "Only organisation representatives" in response.content.decode()
    response = client.post(reverse("discussions:reply", kwargs={"thread_id": thread.pk}), {"source": "x"})
    assert response.status_code == 403 and "Only moderators can write here" in response.content.decode()
    assert Thread.objects.count() == 1 and thread.posts.count() == 1


def test_hidden_post_shows_a_placeholder_and_not_its_text(client, thread, make_post, make_user, give_mfa,
                                                          member):
    post = make_post(thread=thread, source="personal details of a witness")
    services.post_hide(actor=give_mfa(make_user(role="moderator")), post=post, reason="risk")
    login(client, member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "hidden by a moderator" in html and "personal details" not in html


def _walk(client, base, url, rel):
    """Follow `rel` links from `url` (links may be relative to `base`); the post ids of each page."""
    pages = []
    while url:
        html = client.get(url).content.decode()
        pages.append([int(x) for x in re.findall(r'data-post-id="(\d+)"', html)])
        link = re.search(rf'<a href="([^"]*)" rel="{rel}"', html)
        url = link.group(1).replace("&amp;", "&") if link else None
        if url and url.startswith("?"):
            url = base + url
    return pages


def test_flat_view_keyset_pages_forward_and_back_show_every_post_once(client, thread, make_post, member,
                                                                      settings):
    settings.FORUM_POSTS_PER_PAGE = 4
    first = make_post(thread=thread, source="reply 0")
    for i in range(1, 9):
        make_post(thread=thread, parent=first if i % 2 else None, source=f"reply {i}")
    login(client, member)
    base = thread.get_absolute_url()
    forward = _walk(client, base, base + "?view=flat", "next")
    in_time_order = list(Post.objects.filter(thread=thread).order_by("id").values_list("pk", flat=True))
    assert [pk for page in forward for pk in page] == in_time_order
    assert [len(page) for page in forward] == [4, 4, 2]
    # And back again from the last page: the same pages, in reverse.
    last_url = thread.get_absolute_url() + f"?view=flat&after={forward[1][-1]}"
    backward = _walk(client, base, last_url, "prev")
    assert backward == list(reversed(forward))


def test_tree_view_says_in_reply_to_beyond_the_nesting_limit(client, thread, make_post, member):
    from forum.discussions.models import MAX_TREE_DEPTH

    parent, chain = None, []
    for i in range(MAX_TREE_DEPTH + 3):
        parent = make_post(thread=thread, parent=parent, source=f"level {i}")
        chain.append(parent)
    html = login(client, member).get(thread.get_absolute_url()).content.decode()
    deepest = chain[-1]
    assert Post.objects.get(pk=deepest.pk).depth == MAX_TREE_DEPTH
    card = html[html.index(f'id="post-{deepest.pk}"'):]
    card = card[:card.index("</article>")]
    assert "in reply to" in card
    assert f'href="/t/post/{chain[-2].pk}/"' in card


def test_hostile_names_are_escaped_on_the_thread_page(client, thread, make_post, make_user, make_organisation,
                                                      member):
    payload = '<img src=x onerror=alert(1)>"\'&'
    organisation = make_organisation(name=payload)
    author = make_user(role="member", display_name=payload, organisation=organisation)
    first = make_post(thread=thread, author=author, source="hello")
    make_post(thread=thread, parent=first, source="answer")
    html = login(client, member).get(thread.get_absolute_url() + "?view=flat").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


# --- Moderators without a second factor -----------------------------------------------------------

def _enrol_link(next_url: str) -> str:
    from urllib.parse import urlencode

    return reverse("mfa_index") + "?" + urlencode({"next": next_url})


def test_an_unenrolled_moderator_sees_the_tools_greyed_with_a_way_to_enrol_and_back(client, thread, make_user):
    login(client, make_user(role="moderator"))
    html = client.get(thread.get_absolute_url() + "?view=flat").content.decode()
    tools = html[html.index('class="moderation-tools moderation-tools-off"'):]
    tools = tools[:tools.index("</div>")]
    assert tools.count('aria-disabled="true"') == 3 and tools.count('aria-describedby="moderation-off-note"') == 3
    assert "Lock, move or split under a rule" in tools
    assert "stay off until you set up two-factor authentication" in tools
    assert f'href="{_enrol_link(thread.get_absolute_url() + "?view=flat")}"'.replace("&", "&amp;") in tools
    assert reverse("discussions:thread_pin", kwargs={"thread_id": thread.pk}) not in html
    assert reverse("moderation:thread", kwargs={"thread_id": thread.pk}) not in html
    assert reverse("moderation:thread", kwargs={"thread_id": thread.pk}) + "#delete" not in html


def test_members_and_enrolled_moderators_see_no_greyed_tools(client, thread, member, make_user, give_mfa):
    assert "moderation-tools-off" not in login(client, member).get(thread.get_absolute_url()).content.decode()
    html = login(Client(), give_mfa(make_user(role="moderator"))).get(thread.get_absolute_url()).content.decode()
    assert "moderation-tools-off" not in html
    assert reverse("discussions:thread_pin", kwargs={"thread_id": thread.pk}) in html


def test_an_unenrolled_moderator_pinning_is_sent_to_enrol_and_nothing_changes(client, thread, make_user):
    login(client, make_user(role="moderator"))
    page = "http://testserver" + thread.get_absolute_url()
    response = client.post(reverse("discussions:thread_pin", kwargs={"thread_id": thread.pk}), {"pinned": "1"},
                           HTTP_REFERER=page)
    assert response.status_code == 302 and response["Location"] == _enrol_link(page)
    thread.refresh_from_db()
    assert not thread.pinned


def test_an_unenrolled_moderator_cannot_read_hidden_text_or_deleted_threads(client, thread, make_user, give_mfa,
                                                                            make_post, member):
    from django.utils import timezone

    secret = make_post(thread=thread, author=member, source="the hidden words")
    services.post_edit(actor=member, post=secret, source="the hidden words, edited")
    services.post_hide(actor=give_mfa(make_user(role="moderator")), post=secret, reason="rule 3")
    login(client, make_user(role="moderator"))
    revisions = reverse("discussions:post_revisions", kwargs={"post_id": secret.pk})
    response = client.get(revisions)
    html = response.content.decode()
    assert response.status_code == 403 and "hidden words" not in html
    assert "Set up two-factor authentication first." in html
    assert f'href="{_enrol_link(revisions)}"' in html
    Thread.objects.filter(pk=thread.pk).update(deleted_at=timezone.now())
    assert client.get(thread.get_absolute_url()).status_code == 404
    enrolled = login(Client(), give_mfa(make_user(role="moderator")))
    assert "hidden words" in enrolled.get(revisions).content.decode()
    assert enrolled.get(thread.get_absolute_url()).status_code == 200


def test_an_unenrolled_moderator_cannot_reply_or_react_in_a_locked_thread(client, thread, make_user, give_mfa,
                                                                          root_of):
    services.thread_lock(actor=give_mfa(make_user(role="moderator")), thread=thread, locked=True)
    login(client, make_user(role="moderator"))
    reply = reverse("discussions:reply", kwargs={"thread_id": thread.pk})
    response = client.post(reply, {"source": "x"}, HTTP_REFERER="http://testserver" + thread.get_absolute_url())
    assert response.status_code == 403 and "Set up two-factor authentication first." in response.content.decode()
    assert _enrol_link("http://testserver" + thread.get_absolute_url()) in response.content.decode()
    post = root_of(thread)
    response = client.post(reverse("discussions:post_react", kwargs={"post_id": post.pk}), {"emoji": "👍"})
    assert response.status_code == 403
    assert thread.posts.count() == 1 and not post.reactions.exists()


def test_the_thread_pages_do_not_load_without_the_mfa_gate(monkeypatch):
    """A missing MFA gate must stop the pages, not turn moderation into a mere sign-in."""
    import importlib
    import sys

    from forum.discussions import views

    monkeypatch.setitem(sys.modules, "forum.accounts.decorators", None)
    try:
        with pytest.raises(ImportError):
            importlib.reload(views)
    finally:
        monkeypatch.undo()
        importlib.reload(views)
