"""User text in page titles and translated sentences is isolated (issue #10 §1): an Arabic name or
title in the French interface (and the reverse) cannot drag the punctuation around it."""

import pytest
from django.urls import reverse

from forum.discussions import services

FSI, PDI = "\u2068", "\u2069"


def _french(client, user):
    user.preferred_language = "fr"
    user.save(update_fields=["preferred_language"])
    client.force_login(user)
    client.cookies["django_language"] = "fr"
    return client


@pytest.mark.django_db
def test_thread_page_title_isolates_the_title(client, make_thread, make_user):
    member = make_user(display_name="Léa")
    thread = make_thread(author=member, title="خطة التوثيق")
    html = _french(client, member).get(thread.get_absolute_url()).content.decode()
    assert f"<title>{FSI}خطة التوثيق{PDI} · Madaniya</title>" in html


@pytest.mark.django_db
def test_reply_and_category_and_profile_titles_isolate_user_text(client, make_thread, make_user, make_category):
    rim = make_user(display_name="ريم العلي")
    category = make_category(name="العدالة")
    thread = make_thread(author=rim, category=category, title="Plan 2")
    client = _french(client, rim)
    html = client.get(reverse("discussions:reply", args=[thread.pk])).content.decode()
    assert f"{FSI}Plan 2{PDI}" in html.split("</title>")[0]
    html = client.get(category.get_absolute_url()).content.decode()
    assert f"<title>{FSI}العدالة{PDI} · Madaniya</title>" in html
    html = client.get(reverse("accounts:profile", kwargs={"user_id": rim.pk})).content.decode()
    assert f"<title>{FSI}ريم العلي{PDI} · Madaniya</title>" in html


@pytest.mark.django_db
def test_in_reply_to_isolates_the_name(client, make_thread, make_user):
    rim = make_user(display_name="ريم العلي")
    thread = make_thread(author=rim, title="Plan")
    root = thread.posts.order_by("id").first()
    answer = services.post_create(author=rim, thread=thread, source="نعم", parent=root)
    lea = make_user(display_name="Léa")
    services.post_create(author=lea, thread=thread, source="Oui", parent=answer)
    html = _french(client, lea).get(thread.get_absolute_url() + "?view=flat").content.decode()
    assert "<bdi>ريم العلي</bdi>" in html.split('class="in-reply-to"')[1].split("</a>")[0]
