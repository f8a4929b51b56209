"""Image attachments: upload, claim by a post, and serving to the readers of that post's thread only.

An upload is checked and re-encoded by `forum.core.images` (no EXIF/GPS/XMP/ICC survives), stored
under a random name, and belongs to its uploader alone until a post shows it
(`![alt](/t/attachments/<id>/)`) and `attachments_claim_for_post` links it to that post. From then
on whoever may read the thread may see it. Files are never served from a public media URL: the view
checks access on every request and answers with `nosniff`, `inline`, private caching and a sandbox
CSP of its own.

Actions (the authorisation matrix walks them):
- `upload_attachment`: members in good standing.
- `view_attachment`: the uploader while unattached; afterwards the readers of the post's thread
  (a deleted or hidden post's images only for the uploader and the category's moderators).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from forum.accounts import permissions as accounts
from forum.categories import permissions as categories
from forum.core import conf, images, richtext

from . import permissions
from .models import Attachment

ACTIONS = ("upload_attachment", "view_attachment")
SERVED_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


def max_pending() -> int:
    """How many uploads a member may make per day that no post shows yet."""
    return int(conf.FORUM_UPLOAD_MAX_PENDING)


def pending_hours() -> int:
    """How long an upload waits for a post before it may be pruned (and stops counting)."""
    return int(conf.FORUM_UPLOAD_PENDING_HOURS)


# --- Permissions --------------------------------------------------------------------------------
def check_upload_attachment(user) -> None:
    accounts.require_good_standing(user)


def check_view_attachment(user, attachment: Attachment) -> None:
    """Http404 for anyone who may not know the image exists; the thread's own rules otherwise."""
    is_uploader = accounts.is_authenticated(user) and attachment.uploader_id == user.pk
    post = attachment.post
    if post is None:
        if not is_uploader:
            raise Http404
        return
    permissions.check_view_post(user, post)
    if (post.deleted_at is not None or post.hidden_at is not None) and not is_uploader:
        if not categories.is_category_moderator(user, post.thread.category):
            raise Http404


def visible_attachments(user, qs=None):
    """Queryset form of check_view_attachment."""
    qs = Attachment.objects.all() if qs is None else qs
    own = Q(uploader_id=user.pk) if accounts.is_authenticated(user) else Q(pk__in=[])
    readable_posts = permissions.visible_posts(user).values("pk")
    live = Q(post__deleted_at__isnull=True, post__hidden_at__isnull=True)
    moderated = Q(post__thread__category_id__in=categories.moderated_visible_category_ids(user))
    return qs.filter((Q(post__isnull=True) & own) | (Q(post__in=readable_posts) & (live | own | moderated)))


# --- Services -----------------------------------------------------------------------------------
@transaction.atomic
def attachment_upload(*, uploader, file, filename: str | None = None) -> Attachment:
    """Store an uploaded image for `uploader`, re-encoded without metadata. Raises ValidationError."""
    check_upload_attachment(uploader)
    since = timezone.now() - timedelta(hours=pending_hours())
    pending = Attachment.objects.filter(uploader=uploader, post__isnull=True, created_at__gte=since).count()
    if pending >= max_pending():
        raise ValidationError(
            _("You have uploaded %(count)d images that no post shows yet; put them in a post or try again "
              "tomorrow.") % {"count": pending}, code="too_many_pending")
    clean = images.clean_image(file, filename=filename or getattr(file, "name", "") or "")
    attachment = Attachment(uploader=uploader, content_type=clean.content_type, size=clean.size,
                            width=clean.width, height=clean.height)
    # A random name: the member's own file name may say who or where they are.
    attachment.file.save(f"{uuid.uuid4().hex}.{clean.extension}", ContentFile(clean.content), save=False)
    try:
        attachment.full_clean(exclude=["file", "post"])
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    # If an outer transaction rolls back after this, the file stays as an orphan with no row
    # pointing at it: unreachable (random name, and only rows are served), never a leak.
    return attachment


def attachments_prune(*, older_than_hours: int | None = None) -> int:
    """Delete uploads no post took within the waiting time, files included; returns how many.

    For a periodic job (the lead wires a command or cron); nobody but the uploader ever saw them.
    """
    hours = pending_hours() if older_than_hours is None else older_than_hours
    cutoff = timezone.now() - timedelta(hours=hours)
    count = 0
    for attachment in Attachment.objects.filter(post__isnull=True, created_at__lt=cutoff).iterator():
        name = attachment.file.name
        attachment.delete()
        if name:
            Attachment.file.field.storage.delete(name)
        count += 1
    return count


def attachments_claim_for_post(*, post, author) -> int:
    """Link the uploads `author` shows in `post.source` to the post; returns how many were claimed.

    Only the author's own unattached uploads are claimed; others' images shown in a post keep
    their own post (and its readers). One UPDATE (atomic by itself), and no query at all when the
    post shows no upload: called by every post write, inside its transaction.
    """
    ids = richtext.attachment_ids(post.source)
    if not ids:
        return 0
    return Attachment.objects.filter(pk__in=ids, uploader_id=author.pk, post__isnull=True).update(post=post)


# --- Views --------------------------------------------------------------------------------------
class AttachmentUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Image (PNG, JPEG or WebP)"),
                           widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}))
    alt = forms.CharField(label=gettext_lazy("Describe the image (for readers who cannot see it)"),
                          required=False, max_length=200,
                          widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}))


@require_GET
def attachment_serve(request, attachment_id: int):
    """The image bytes, to those who may read the post that shows it."""
    attachment = get_object_or_404(Attachment.objects.select_related("post__thread__category"), pk=attachment_id)
    check_view_attachment(request.user, attachment)
    content_type = attachment.content_type if attachment.content_type in SERVED_TYPES else "application/octet-stream"
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type)
    extension = SERVED_TYPES.get(content_type, "bin")
    response["Content-Disposition"] = f'inline; filename="image-{attachment.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # Opened on its own, an image document runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    patch_vary_headers(response, ["Cookie"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def attachment_upload_view(request):
    """Upload an image. Without JS: a page that shows the Markdown to paste. With JS (Accept: JSON):
    `{"id", "url", "markdown"}` with 201, or `{"error"}` with 400/403."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = AttachmentUploadForm(request.POST or None, request.FILES or None)
    attachment = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                attachment = attachment_upload(uploader=request.user, file=form.cleaned_data["file"])
            except ValidationError as error:
                form.add_error("file", error)
            except PermissionDenied as denied:
                if wants_json:
                    return JsonResponse({"error": str(denied) or _("You may not upload images.")}, status=403)
                raise
        if attachment is None:
            status = 400
            if wants_json:
                messages = [str(m) for errors in form.errors.values() for m in errors]
                return JsonResponse({"error": " ".join(messages) or _("Please choose an image to upload.")},
                                    status=400)
        else:
            status = 201 if wants_json else 200
    context = {"form": form, "attachment": attachment, "max_megabytes": images.max_bytes() // (1024 * 1024)}
    if attachment is not None:
        context["url"] = richtext.attachment_path(attachment.pk)
        context["markdown"] = richtext.attachment_markdown(attachment.pk, form.cleaned_data.get("alt", ""))
        if wants_json:
            return JsonResponse({"id": attachment.pk, "url": context["url"], "markdown": context["markdown"]},
                                status=status)
    return render(request, "discussions/attachment_upload.html", context, status=status)
