import pytest
from django.test import Client
from django.urls import reverse

from forum.notifications import services
from forum.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

PROCESSOR = "forum.notifications.context_processors.unread_notifications"


@pytest.fixture(autouse=True)
def _badge_processor(settings):
    """The header badge's context processor (the lead wires it in settings; ensure it here)."""
    templates = [dict(t, OPTIONS=dict(t["OPTIONS"])) for t in settings.TEMPLATES]
    processors = templates[0]["OPTIONS"]["context_processors"]
    if PROCESSOR not in processors:
        templates[0]["OPTIONS"]["context_processors"] = [*processors, PROCESSOR]
        settings.TEMPLATES = templates


def _notify(recipient, actor, i=0, url="/t/post/1/"):
    return services.notify(recipient=recipient, kind="mention", actor=actor, url=url,
                           data={"thread_title": f"Water {i}", "excerpt": f"excerpt {i}"}, key=f"post:{i}")


def test_list_shows_each_notification_with_its_text_and_unread_styling(member_client, make_user):
    omar = make_user(display_name="Omar")
    _notify(member_client.user, omar, 1)
    read = _notify(member_client.user, omar, 2)
    services.mark_read(notification=read, actor=member_client.user)
    html = member_client.get(reverse("notifications:index")).content.decode()
    assert "<bdi>Omar</bdi> mentioned you in “<bdi>Water 1</bdi>”" in html
    assert html.count("notification-unread") == 1
    assert "excerpt 2" in html
    assert reverse("notifications:open", args=[read.pk]) in html


def test_list_shows_nothing_of_other_members(member_client, make_user):
    omar, sara = make_user(), make_user()
    _notify(sara, omar, 1)
    html = member_client.get(reverse("notifications:index")).content.decode()
    assert "Water 1" not in html
    assert "You have no notifications." in html


def test_list_costs_a_constant_number_of_queries(member_client, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("notifications:index")
    member_client.get(url)  # first request of the session records it (allauth usersessions)

    def measure(size):
        for i in range(size):
            _notify(member_client.user, make_user(), i + Notification.objects.count())
        with CaptureQueriesContext(connection) as ctx:
            response = member_client.get(url)
        assert response.content.decode().count("notification-unread") == Notification.objects.count()
        ours = [q["sql"] for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
        return len(ctx.captured_queries), len(ours)

    small, large = measure(2), measure(10)
    assert small == large
    # Which threads and which live sessions they are about (to leave out those the member may no longer
    # see: one query per registered subject), the list (actors joined), and the badge count (grouped).
    assert small[1] == 4


def test_badge_shows_the_unread_count_for_one_query(member_client, make_user, django_assert_num_queries):
    omar = make_user()
    for i in range(3):
        _notify(member_client.user, omar, i)
    from django.test import RequestFactory

    from forum.notifications.context_processors import unread_notifications

    request = RequestFactory().get("/")
    request.user = member_client.user
    with django_assert_num_queries(1):
        count = unread_notifications(request)["unread_notifications"]
        assert count() == 3 and count() == 3
    html = member_client.get(reverse("notifications:index")).content.decode()
    assert '<span class="badge">3</span>' in html


@pytest.mark.parametrize("unread", [3, 11, 100])
def test_the_members_home_counts_unread_notices_in_arabic(member_client, make_user, unread):
    """Arabic's plural rule takes `n % 100`: the home strip's count must be a real number (it was a
    lazy object, and the page failed from three unread notices on)."""
    omar = make_user()
    for i in range(unread):
        _notify(member_client.user, omar, i)
    response = member_client.get("/c/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="ar"' in html and f'<span class="strip-figure">{unread}</span>' in html


def test_badge_costs_nothing_for_visitors(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from forum.notifications.context_processors import unread_notifications

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_notifications(request) == {"unread_notifications": 0}


def test_opening_a_notification_marks_it_read_and_goes_to_the_post(member_client, make_user):
    n = _notify(member_client.user, make_user())
    response = member_client.get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/t/post/1/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_opening_another_members_notification_is_not_found(member_client, make_user):
    sara = make_user()
    n = _notify(sara, make_user())
    assert member_client.get(reverse("notifications:open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_a_notification_never_sends_the_reader_off_site(member_client, make_user):
    n = _notify(member_client.user, make_user(), url="https://evil.example/")
    response = member_client.get(reverse("notifications:open", args=[n.pk]))
    assert response["Location"] == reverse("notifications:index")


def test_mark_all_read_needs_post(member_client, make_user):
    _notify(member_client.user, make_user())
    assert member_client.get(reverse("notifications:mark_all_read")).status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    response = member_client.post(reverse("notifications:mark_all_read"), follow=True)
    assert "All notifications are marked as read." in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_pages_need_sign_in(client):
    for name in ("notifications:index", "notifications:settings"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_email_settings_page_saves_the_choice(member_client):
    response = member_client.get(reverse("notifications:settings"))
    assert 'value="immediate" ' in response.content.decode() and "checked" in response.content.decode()
    response = member_client.post(reverse("notifications:settings"), {"email": "daily"}, follow=True)
    assert "Your email settings are saved." in response.content.decode()
    assert NotificationPreference.objects.get(user=member_client.user).email == "daily"


@pytest.mark.parametrize("data", [{"email": "hourly"}, {}])
def test_email_settings_refuse_bad_input_and_change_nothing(member_client, data):
    response = member_client.post(reverse("notifications:settings"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert ("Choose one of the offered options" in body) or ("Choose how often you want email." in body)
    assert not NotificationPreference.objects.exists()


def test_unsubscribe_link_asks_first_then_unsubscribes_without_sign_in(make_user):
    lina = make_user(email="lina@example.org")
    url = reverse("notifications:unsubscribe", args=[services.unsubscribe_token(lina)])
    client = Client(enforce_csrf_checks=True)
    response = client.get(url)
    assert response.status_code == 200 and "Stop all notification email to this account?" in response.content.decode()
    assert not NotificationPreference.objects.exists()
    response = client.post(url)
    assert response.status_code == 200
    assert "you will get no more notification email" in response.content.decode()
    assert NotificationPreference.objects.get(user=lina).email == "never"


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_unsubscribe_link_shows_a_clear_error_and_changes_nothing(make_user, method):
    lina = make_user()
    token = services.unsubscribe_token(lina)
    url = reverse("notifications:unsubscribe", args=[token[:-3] + "abc"])
    response = getattr(Client(enforce_csrf_checks=True), method)(url)
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    assert not NotificationPreference.objects.exists()



def _token_signed_days_ago(user, days: float) -> str:
    """A genuine unsubscribe token, signed with the service's salt as if `days` ago."""
    import time

    from django.core import signing

    class SignerInThePast(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time() - days * 86400))

    return SignerInThePast(salt=services.UNSUBSCRIBE_SALT).sign_object({"u": user.pk}, compress=False)


@pytest.mark.parametrize("method", ["get", "post"])
def test_unsubscribe_link_still_works_just_before_its_lifetime_ends(make_user, method, settings):
    assert settings.FORUM_UNSUBSCRIBE_LINK_DAYS == 60
    lina = make_user()
    url = reverse("notifications:unsubscribe", args=[_token_signed_days_ago(lina, 59.9)])
    response = getattr(Client(enforce_csrf_checks=True), method)(url)
    assert response.status_code == 200
    assert NotificationPreference.objects.filter(user=lina, email="never").exists() == (method == "post")


@pytest.mark.parametrize("method", ["get", "post"])
def test_expired_unsubscribe_link_says_how_to_unsubscribe_and_changes_nothing(make_user, method, settings):
    settings.FORUM_UNSUBSCRIBE_LINK_DAYS = 7
    lina = make_user(email="lina.private@example.org", display_name="Lina Private")
    url = reverse("notifications:unsubscribe", args=[_token_signed_days_ago(lina, 8)])
    response = getattr(Client(enforce_csrf_checks=True), method)(url)
    page = response.content.decode()
    assert response.status_code == 410
    assert "This unsubscribe link has expired: these links work for 7 days" in page
    assert reverse("notifications:settings") in page
    assert "lina.private" not in page and "Lina Private" not in page
    assert not NotificationPreference.objects.exists()


def test_expired_unsubscribe_link_page_is_translated(make_user):
    lina = make_user()
    url = reverse("notifications:unsubscribe", args=[_token_signed_days_ago(lina, 61)])
    response = Client().get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 410
    assert "Ce lien de désinscription a expiré" in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_no_unsubscribe_page_shows_the_accounts_address_or_name(make_user, method):
    lina = make_user(email="lina.private@example.org", display_name="Lina Private")
    url = reverse("notifications:unsubscribe", args=[services.unsubscribe_token(lina)])
    page = getattr(Client(enforce_csrf_checks=True), method)(url).content.decode()
    assert "lina.private" not in page and "Lina Private" not in page


def _watched(recipient, actor, thread_id, i, title="Water"):
    return services.notify(recipient=recipient, kind="watched", actor=actor, url=f"/t/post/{i}/",
                           data={"thread_id": thread_id, "thread_title": title, "post_id": i,
                                 "excerpt": f"excerpt {i}"}, key=f"post:{i}")


def test_new_posts_in_one_followed_thread_read_as_one_row(member_client, make_user, make_thread):
    omar = make_user(display_name="Omar")
    water, roads = make_thread(author=omar, title="Water"), make_thread(author=omar, title="Roads")
    first = _watched(member_client.user, omar, water.pk, 1)
    for i in range(2, 6):
        _watched(member_client.user, omar, water.pk, i)
    _watched(member_client.user, omar, roads.pk, 6, title="Roads")
    _notify(member_client.user, omar, 9)  # a mention stays its own row
    html = member_client.get(reverse("notifications:index")).content.decode()
    assert "<bdi>5</bdi> new replies in “<bdi>Water</bdi>”" in html
    assert "<bdi>Omar</bdi> posted in “<bdi>Roads</bdi>”" in html
    assert "mentioned you in" in html
    assert html.count('class="notification notification-unread"') == 3
    # The row opens the first new post of the group.
    assert reverse("notifications:open", args=[first.pk]) in html


def test_grouped_rows_are_pluralised_with_the_six_arabic_forms(make_user, db):
    from django.utils import translation

    from forum.notifications import texts

    user, omar = make_user(), make_user(display_name="Omar")
    rows = [_watched(user, omar, 7, i) for i in range(1, 12)]
    with translation.override("ar"):
        two = texts.describe_group(rows[:2])
        three = texts.describe_group(rows[:3])
        eleven = texts.describe_group(rows[:11])
    with translation.override("fr"):
        french = texts.describe_group(rows[:3])
    assert two != three != eleven and "ردّان" in two and "ردود" in three and "ردًا" in eleven
    assert "nouvelles réponses" in french


def test_a_read_group_is_not_unread(member_client, make_user, make_thread):
    omar = make_user()
    thread = make_thread(author=omar)
    for i in range(1, 4):
        _watched(member_client.user, omar, thread.pk, i)
    services.mark_all_read(actor=member_client.user)
    html = member_client.get(reverse("notifications:index")).content.decode()
    assert 'class="notification notification-unread"' not in html and "new replies" in html


def test_grouped_list_costs_a_constant_number_of_queries(member_client, make_user, make_thread):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("notifications:index")
    member_client.get(url)
    omar = make_user()
    threads = [make_thread(author=omar) for _ in range(3)]

    def measure(size, start):
        for i in range(start, start + size):
            _watched(member_client.user, omar, threads[i % 3].pk, i)
        with CaptureQueriesContext(connection) as ctx:
            response = member_client.get(url)
        assert response.content.decode().count('class="notification notification-unread"') == 3
        return len(ctx.captured_queries)

    assert measure(3, 1) == measure(12, 100)


def test_mark_all_read_needs_post_and_the_csrf_token(member_client, make_user):
    _notify(member_client.user, make_user(), 1)
    assert member_client.get(reverse("notifications:mark_all_read")).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member_client.user)
    assert strict.post(reverse("notifications:mark_all_read")).status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    response = member_client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302 and Notification.objects.filter(read_at__isnull=True).count() == 0
