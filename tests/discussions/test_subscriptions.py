"""Watch / track / mute a thread or a category, as a service and through its page."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from forum.discussions import subscriptions
from forum.discussions.models import Subscription

pytestmark = pytest.mark.django_db


def test_levels_can_be_set_changed_and_removed(make_thread, make_user):
    lina = make_user()
    thread = make_thread()
    for level in ("watch", "track", "mute"):
        subscriptions.subscription_set(actor=lina, thread=thread, level=level)
        assert subscriptions.thread_level(lina, thread) == level
    assert subscriptions.subscription_set(actor=lina, thread=thread, level="") is None
    assert subscriptions.thread_level(lina, thread) == ""
    assert not Subscription.objects.filter(user=lina).exists()


def test_an_unknown_level_is_refused_and_nothing_changes(make_thread, make_user):
    lina = make_user()
    thread = make_thread()
    subscriptions.subscription_set(actor=lina, thread=thread, level="track")
    with pytest.raises(ValidationError) as error:
        subscriptions.subscription_set(actor=lina, thread=thread, level="spy")
    assert "Choose watch, track, mute or none." in str(error.value)
    assert subscriptions.thread_level(lina, thread) == "track"


def test_a_thread_one_cannot_read_cannot_be_watched(make_thread, make_user, make_category, make_organisation, give_mfa):
    category = make_category(visibility="restricted", allowed_organisations=[make_organisation()])
    thread = make_thread(category=category, author=give_mfa(make_user(role="admin")))
    outsider = make_user()
    with pytest.raises(Http404):
        subscriptions.subscription_set(actor=outsider, thread=thread, level="watch")
    with pytest.raises(Http404):
        subscriptions.subscription_set(actor=outsider, category=category, level="watch")
    assert not Subscription.objects.filter(user=outsider).exists()


def test_thread_subscription_page_shows_and_saves_the_level(client, make_thread, member):
    thread = make_thread()
    client.force_login(member)
    url = reverse("discussions:thread_subscription", args=[thread.pk])
    page = client.get(url).content.decode()
    assert thread.title in page and 'name="level"' in page
    response = client.post(url, {"level": "watch"})
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    assert subscriptions.thread_level(member, thread) == "watch"
    response = client.post(url, {"level": "", "next": "/notifications/"})
    assert response["Location"] == "/notifications/"
    assert subscriptions.thread_level(member, thread) == ""


def test_thread_subscription_page_refuses_a_bad_level_and_an_outside_next(client, make_thread, member):
    thread = make_thread()
    client.force_login(member)
    url = reverse("discussions:thread_subscription", args=[thread.pk])
    response = client.post(url, {"level": "spy"})
    assert response.status_code == 400
    assert "Choose watch, track, normal or mute." in response.content.decode()
    assert not Subscription.objects.filter(user=member).exists()
    response = client.post(url, {"level": "mute", "next": "https://evil.example/"})
    assert response["Location"] == thread.get_absolute_url()


def test_category_subscription_page(client, make_category, member):
    category = make_category()
    client.force_login(member)
    url = reverse("discussions:category_subscription", args=[category.pk])
    assert "Watch: tell me about every new thread" in client.get(url).content.decode()
    client.post(url, {"level": "watch"})
    assert subscriptions.category_level(member, category) == "watch"


def test_subscription_pages_need_sign_in_and_hide_unreadable_threads(client, make_thread, make_user,
                                                                    make_category, make_organisation, member, give_mfa):
    thread = make_thread()
    url = reverse("discussions:thread_subscription", args=[thread.pk])
    assert "/accounts/login/" in client.get(url)["Location"]
    hidden = make_thread(category=make_category(visibility="restricted",
                                                allowed_organisations=[make_organisation()]),
                         author=give_mfa(make_user(role="admin")))
    client.force_login(member)
    assert client.get(reverse("discussions:thread_subscription", args=[hidden.pk])).status_code == 404
    assert client.post(reverse("discussions:thread_subscription", args=[hidden.pk]),
                       {"level": "watch"}).status_code == 404
    assert client.get(reverse("discussions:thread_subscription", args=[999999])).status_code == 404


def test_the_compact_control_posts_to_the_subscription_page(rf, make_thread, member):
    from django.template.loader import render_to_string

    thread = make_thread()
    request = rf.get(thread.get_absolute_url())
    request.user = member
    html = render_to_string("notifications/_subscription_select.html",
                            {"thread": thread, "level": "track", "user": member, "request": request})
    assert f'action="/t/{thread.pk}/subscription/"' in html
    assert '<option value="track" selected>' in html
    assert f'name="next" value="{thread.get_absolute_url()}"' in html


def test_the_control_tag_shows_the_members_level(rf, make_thread, make_user, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    lina = make_user()
    thread = make_thread(author=lina)  # the author watches her thread
    request = rf.get("/")
    template = Template("{% load subscription_tags %}{% subscription_control thread=thread %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"thread": thread, "user": lina, "request": request}))
    assert '<option value="watch" selected>' in html
    with django_assert_num_queries(0):
        html = template.render(Context({"thread": thread, "user": AnonymousUser(), "request": request}))
    assert "<form" not in html
