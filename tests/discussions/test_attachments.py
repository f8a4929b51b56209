"""Image attachments: upload (re-encoded, no metadata), ownership, claiming, permission-checked serving."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from PIL import Image

from forum.discussions import attachments
from forum.discussions.attachments import (
    attachment_upload,
    attachments_claim_for_post,
    check_view_attachment,
    visible_attachments,
)
from forum.discussions.models import Attachment

GPS_IFD = 0x8825
SERVE_QUERIES = 6


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def jpeg_with_gps(size=(32, 24)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (33.0, 30.0, 45.0)
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "JPEG", exif=exif)
    return out.getvalue()


def image_file(name="home in Homs.jpg", data=None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else jpeg_with_gps(), content_type="image/jpeg")


@pytest.fixture
def uploader(make_user):
    return make_user(role="member")


@pytest.fixture
def shown_in_post(uploader, make_thread, root_of):
    """The real flow: an upload, then a thread whose opening post shows it; opening the thread
    claims the image for that post (attachments_claim_for_post, called by thread_create)."""
    def make(*, category=None, author=None):
        author = author or uploader
        attachment = attachment_upload(uploader=author, file=image_file())
        thread = make_thread(author=author, category=category,
                             source=f"Look: ![a photo](/t/attachments/{attachment.pk}/)")
        attachment.refresh_from_db()
        assert attachment.post == root_of(thread)
        return attachment

    return make


# --- Upload service -----------------------------------------------------------------------------
def test_upload_stores_a_reencoded_image_without_gps_under_a_random_name(uploader):
    attachment = attachment_upload(uploader=uploader, file=image_file())
    assert attachment.post is None and attachment.uploader == uploader
    assert attachment.content_type == "image/jpeg" and (attachment.width, attachment.height) == (32, 24)
    assert "Homs" not in attachment.file.name and attachment.file.name.endswith(".jpg")
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    assert attachment.size == len(stored)
    reopened = Image.open(io.BytesIO(stored))
    assert not reopened.getexif() and not reopened.getexif().get_ifd(GPS_IFD)
    assert b"PhoneMaker" not in stored


@pytest.mark.parametrize("name,data,code", [
    ("x.png", b"not an image at all", "not_image"),
    ("x.gif", None, "extension"),
    ("x.png", None, "mismatch"),
    ("x.jpg", b"", "empty"),
])
def test_refused_upload_saves_nothing(uploader, media_root, name, data, code):
    with pytest.raises(ValidationError) as info:
        attachment_upload(uploader=uploader, file=image_file(name=name, data=data))
    assert info.value.code == code
    assert Attachment.objects.count() == 0
    assert stored_files(media_root) == []


def test_too_large_upload_is_refused_and_nothing_saved(uploader, media_root, settings):
    settings.FORUM_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError) as info:
        attachment_upload(uploader=uploader, file=image_file())
    assert info.value.code == "too_large"
    assert Attachment.objects.count() == 0 and stored_files(media_root) == []


def test_suspended_member_cannot_upload(make_user, media_root):
    suspended = make_user(role="member", suspended=True)
    with pytest.raises(PermissionDenied):
        attachment_upload(uploader=suspended, file=image_file())
    assert Attachment.objects.count() == 0 and stored_files(media_root) == []


def test_pending_uploads_are_limited(uploader, settings):
    settings.FORUM_UPLOAD_MAX_PENDING = 2
    attachment_upload(uploader=uploader, file=image_file())
    attachment_upload(uploader=uploader, file=image_file())
    with pytest.raises(ValidationError) as info:
        attachment_upload(uploader=uploader, file=image_file())
    assert info.value.code == "too_many_pending" and "2" in info.value.message
    assert Attachment.objects.count() == 2


# --- Claiming ----------------------------------------------------------------------------------
def test_opening_a_thread_claims_only_the_authors_own_unattached_uploads(uploader, make_user, make_thread,
                                                                          root_of):
    mine = attachment_upload(uploader=uploader, file=image_file())
    theirs = attachment_upload(uploader=make_user(role="member"), file=image_file())
    thread = make_thread(author=uploader, source=f"![a](/t/attachments/{mine.pk}/) ![b](/t/attachments/{theirs.pk}/)"
                                                 f" `![c](/t/attachments/{mine.pk + 999}/)`")
    post = root_of(thread)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.post == post and theirs.post is None
    # Claiming again changes nothing: the image already belongs to the post.
    assert attachments_claim_for_post(post=post, author=uploader) == 0


def test_a_reply_claims_its_images_and_the_threads_readers_then_see_them(uploader, make_user, make_thread,
                                                                         make_post):
    thread = make_thread()
    attachment = attachment_upload(uploader=uploader, file=image_file())
    reader = make_user(role="member")
    with pytest.raises(Http404):
        check_view_attachment(reader, attachment)
    reply = make_post(thread=thread, author=uploader, source=f"Here: ![our office](/t/attachments/{attachment.pk}/)")
    attachment.refresh_from_db()
    assert attachment.post == reply
    check_view_attachment(reader, attachment)
    assert attachment in visible_attachments(reader)


def test_an_image_claimed_by_one_post_stays_with_it_when_another_post_shows_it(uploader, make_thread, make_post,
                                                                             root_of):
    attachment = attachment_upload(uploader=uploader, file=image_file())
    thread = make_thread(author=uploader, source=f"![a](/t/attachments/{attachment.pk}/)")
    make_post(thread=thread, author=uploader, source=f"Again: ![a](/t/attachments/{attachment.pk}/)")
    attachment.refresh_from_db()
    assert attachment.post == root_of(thread)


def test_editing_a_post_to_show_a_new_upload_claims_it(uploader, make_thread, root_of):
    from forum.discussions import services

    thread = make_thread(author=uploader, source="Photo to follow.")
    post = root_of(thread)
    attachment = attachment_upload(uploader=uploader, file=image_file())
    services.post_edit(actor=uploader, post=post, source=f"Photo: ![a](/t/attachments/{attachment.pk}/)")
    attachment.refresh_from_db()
    assert attachment.post == post


def test_a_moderator_editing_a_post_does_not_give_it_the_moderators_own_uploads(
        uploader, make_user, make_category, make_thread, root_of, give_mfa):
    from forum.discussions import services

    moderator = give_mfa(make_user(role="member"))
    category = make_category(moderators=[moderator])
    thread = make_thread(author=uploader, category=category, source="Text.")
    post = root_of(thread)
    theirs = attachment_upload(uploader=moderator, file=image_file())
    services.post_edit(actor=moderator, post=post, source=f"Text. ![m](/t/attachments/{theirs.pk}/)")
    theirs.refresh_from_db()
    assert theirs.post is None
    with pytest.raises(Http404):
        check_view_attachment(make_user(role="member"), theirs)


def test_a_refused_post_claims_nothing(uploader, make_thread, make_user, give_mfa):
    from forum.discussions import services

    thread = make_thread()
    attachment = attachment_upload(uploader=uploader, file=image_file())
    services.thread_lock(actor=give_mfa(make_user(role="admin")), thread=thread)
    with pytest.raises(PermissionDenied):
        services.post_create(author=uploader, thread=thread, source=f"![a](/t/attachments/{attachment.pk}/)")
    attachment.refresh_from_db()
    assert attachment.post is None


# --- Who may see it -----------------------------------------------------------------------------
def test_unattached_upload_is_visible_to_its_uploader_only(uploader, make_user):
    attachment = attachment_upload(uploader=uploader, file=image_file())
    check_view_attachment(uploader, attachment)
    other = make_user(role="member")
    with pytest.raises(Http404):
        check_view_attachment(other, attachment)
    admin = make_user(role="admin")
    with pytest.raises(Http404):
        check_view_attachment(admin, attachment)
    assert list(visible_attachments(uploader)) == [attachment]
    assert list(visible_attachments(other)) == []


def test_attached_image_follows_the_thread(shown_in_post, make_user, make_category, make_organisation):
    org = make_organisation()
    uploader = make_user(role="member", organisation=org)
    restricted = make_category(visibility="restricted", allowed_organisations=[org])
    attachment = shown_in_post(category=restricted, author=uploader)
    colleague = make_user(role="member", organisation=org)
    outsider = make_user(role="member")
    check_view_attachment(colleague, attachment)
    with pytest.raises(Http404):
        check_view_attachment(outsider, attachment)
    assert attachment in visible_attachments(colleague)
    assert attachment not in visible_attachments(outsider)


def test_image_of_a_deleted_post_is_hidden_from_readers_not_from_uploader_or_moderators(
        shown_in_post, uploader, make_user, make_category, give_mfa):
    moderator = give_mfa(make_user(role="member"))
    category = make_category(moderators=[moderator])
    attachment = shown_in_post(category=category)
    post = attachment.post
    post.deleted_at = timezone.now()
    post.save(update_fields=["deleted_at"])
    attachment.refresh_from_db()
    reader = make_user(role="member")
    with pytest.raises(Http404):
        check_view_attachment(reader, attachment)
    check_view_attachment(uploader, attachment)
    check_view_attachment(moderator, attachment)
    assert attachment not in visible_attachments(reader)
    assert attachment in visible_attachments(uploader)
    assert attachment in visible_attachments(moderator)


def test_image_of_a_deleted_post_stays_hidden_from_a_moderator_without_mfa(shown_in_post, make_user, make_category):
    moderator = make_user(role="member")
    attachment = shown_in_post(category=make_category(moderators=[moderator]))
    attachment.post.deleted_at = timezone.now()
    attachment.post.save(update_fields=["deleted_at"])
    with pytest.raises(Http404):
        check_view_attachment(moderator, attachment)
    assert attachment not in visible_attachments(moderator)


def test_check_and_queryset_agree(shown_in_post, uploader, make_user, make_category, make_organisation):
    org = make_organisation()
    restricted = make_category(visibility="restricted", allowed_organisations=[org])
    insider = make_user(role="member", organisation=org)
    users = [uploader, insider, make_user(role="member"), make_user(role="admin"), make_user(role="observer")]
    items = [
        attachment_upload(uploader=uploader, file=image_file()),
        shown_in_post(),
        shown_in_post(category=restricted, author=insider),
    ]
    hidden = shown_in_post()
    hidden.post.hidden_at = timezone.now()
    hidden.post.save(update_fields=["hidden_at"])
    items.append(hidden)
    for user in users:
        visible = set(visible_attachments(user).values_list("pk", flat=True))
        for item in items:
            item = Attachment.objects.select_related("post__thread__category").get(pk=item.pk)
            try:
                check_view_attachment(user, item)
                allowed = True
            except (Http404, PermissionDenied):
                allowed = False
            assert allowed == (item.pk in visible), (user.role, item.pk)


# --- Serving over HTTP --------------------------------------------------------------------------
def test_uploader_gets_the_image_with_safe_headers(client, uploader):
    attachment = attachment_upload(uploader=uploader, file=image_file())
    client.force_login(uploader)
    response = client.get(f"/t/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'inline; filename="image-{attachment.pk}.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert "sandbox" in response["Content-Security-Policy"]
    body = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(body)).size == (32, 24)


def test_others_and_anonymous_get_404_for_an_unattached_upload(client, uploader, make_user):
    attachment = attachment_upload(uploader=uploader, file=image_file())
    assert client.get(f"/t/attachments/{attachment.pk}/").status_code == 404
    client.force_login(make_user(role="member"))
    assert client.get(f"/t/attachments/{attachment.pk}/").status_code == 404
    assert client.get("/t/attachments/999999/").status_code == 404


def test_thread_reader_gets_an_attached_image_and_outsider_does_not(client, shown_in_post, make_user,
                                                                     make_category, make_organisation):
    org = make_organisation()
    author = make_user(role="member", organisation=org)
    attachment = shown_in_post(category=make_category(visibility="restricted", allowed_organisations=[org]),
                               author=author)
    client.force_login(make_user(role="member", organisation=org))
    assert client.get(f"/t/attachments/{attachment.pk}/").status_code == 200
    client.force_login(make_user(role="member"))
    assert client.get(f"/t/attachments/{attachment.pk}/").status_code == 404


def test_serving_only_answers_get(client, uploader):
    attachment = attachment_upload(uploader=uploader, file=image_file())
    client.force_login(uploader)
    assert client.post(f"/t/attachments/{attachment.pk}/").status_code == 405


def test_upload_page_without_js_shows_the_markdown_to_paste(client, uploader):
    client.force_login(uploader)
    page = client.get("/t/attachments/upload/")
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.content
    response = client.post("/t/attachments/upload/", {"file": image_file(), "alt": "Our [office]"})
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    markdown = f"![Our \\[office\\]](/t/attachments/{attachment.pk}/)"
    assert markdown.encode() in response.content.replace(b"&#x27;", b"'")
    assert f'src="/t/attachments/{attachment.pk}/"'.encode() in response.content


def test_upload_with_js_answers_json(client, uploader):
    client.force_login(uploader)
    response = client.post("/t/attachments/upload/", {"file": image_file()}, HTTP_ACCEPT="application/json")
    assert response.status_code == 201
    data = json.loads(response.content)
    assert data["url"] == f"/t/attachments/{data['id']}/"
    assert data["markdown"] == f"![](/t/attachments/{data['id']}/)"


def test_bad_upload_answers_a_translated_error_and_saves_nothing(client, uploader, media_root):
    client.force_login(uploader)
    bad = SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = client.post("/t/attachments/upload/", {"file": bad}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "not a PNG, JPEG or WebP image" in json.loads(response.content)["error"]
    page = client.post("/t/attachments/upload/", {"file": SimpleUploadedFile("x.png", b"nope")},
                       HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 400 and b'role="alert"' in page.content
    no_file = client.post("/t/attachments/upload/", {}, HTTP_ACCEPT="application/json")
    assert no_file.status_code == 400 and json.loads(no_file.content)["error"]
    assert Attachment.objects.count() == 0 and stored_files(media_root) == []


def test_suspended_member_upload_is_refused_over_http(client, make_user):
    client.force_login(make_user(role="member", suspended=True))
    response = client.post("/t/attachments/upload/", {"file": image_file()}, HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and json.loads(response.content)["error"]
    assert Attachment.objects.count() == 0


def test_upload_needs_sign_in(client, db):
    response = client.post("/t/attachments/upload/", {"file": image_file()})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Attachment.objects.count() == 0


# --- Waiting uploads ---------------------------------------------------------------------------
def test_only_recent_waiting_uploads_count_towards_the_limit(uploader, settings):
    settings.FORUM_UPLOAD_MAX_PENDING = 1
    old = attachment_upload(uploader=uploader, file=image_file())
    Attachment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    attachment_upload(uploader=uploader, file=image_file())  # the old one no longer counts
    with pytest.raises(ValidationError):
        attachment_upload(uploader=uploader, file=image_file())


def test_prune_deletes_old_unclaimed_uploads_and_their_files(uploader, shown_in_post, media_root):
    old = attachment_upload(uploader=uploader, file=image_file())
    recent = attachment_upload(uploader=uploader, file=image_file())
    claimed = shown_in_post()
    Attachment.objects.filter(pk__in=[old.pk, claimed.pk]).update(
        created_at=timezone.now() - timedelta(hours=48))
    old_file = media_root / old.file.name
    assert old_file.exists()

    assert attachments.attachments_prune() == 1

    assert set(Attachment.objects.values_list("pk", flat=True)) == {recent.pk, claimed.pk}
    assert not old_file.exists()
    assert (media_root / recent.file.name).exists() and (media_root / claimed.file.name).exists()


def test_serving_an_attached_image_costs_the_same_queries_in_a_short_or_long_thread(
        client, shown_in_post, make_user, make_post, django_assert_num_queries):
    attachment = shown_in_post()
    client.force_login(make_user(role="member"))
    url = f"/t/attachments/{attachment.pk}/"
    client.get(url)
    # session, user, attachment with post/thread/category, the reader's facts for the category check
    with django_assert_num_queries(SERVE_QUERIES):
        assert client.get(url).status_code == 200
    for _ in range(11):
        make_post(thread=attachment.post.thread)
    with django_assert_num_queries(SERVE_QUERIES):
        assert client.get(url).status_code == 200


# --- End to end over HTTP -----------------------------------------------------------------------
def test_upload_then_reply_shows_the_image_to_readers_only(client, uploader, make_user, make_category,
                                                           make_thread, make_organisation):
    from django.test import Client

    org = make_organisation()
    author = make_user(role="member", organisation=org)
    category = make_category(visibility="restricted", allowed_organisations=[org])
    thread = make_thread(category=category, author=make_user(role="member", organisation=org))
    client.force_login(author)
    uploaded = json.loads(client.post("/t/attachments/upload/", {"file": image_file(), "alt": "Our office"},
                                      HTTP_ACCEPT="application/json").content)
    image_url = uploaded["url"]
    colleague = Client()
    colleague.force_login(make_user(role="member", organisation=org))
    assert colleague.get(image_url).status_code == 404  # not in any post yet: the uploader's alone

    response = client.post(f"/t/{thread.pk}/reply/", {"source": f"Our new office: {uploaded['markdown']}"})
    assert response.status_code == 302

    page = colleague.get(thread.get_absolute_url()).content.decode()
    assert f'src="{image_url}"' in page
    assert colleague.get(image_url).status_code == 200
    outsider = Client()
    outsider.force_login(make_user(role="member"))
    assert outsider.get(image_url).status_code == 404


def test_prune_command_deletes_only_old_waiting_uploads(uploader, shown_in_post, media_root):
    from django.core.management import call_command

    old = attachment_upload(uploader=uploader, file=image_file())
    claimed = shown_in_post()
    Attachment.objects.filter(pk__in=[old.pk, claimed.pk]).update(created_at=timezone.now() - timedelta(hours=30))
    out = io.StringIO()
    call_command("prune_attachments", stdout=out)
    assert "1 waiting upload(s) deleted." in out.getvalue()
    assert set(Attachment.objects.values_list("pk", flat=True)) == {claimed.pk}
