"""The editor's server-rendered preview: exactly the HTML the post would be stored with.

POST /preview/ with `source` → an HTML fragment (200), or a translated error paragraph (400).
Mentions are resolved against active members through the user model's `display_name_key`
(`get_user_model()`: core does not import the accounts app).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import richtext


def mention_users():
    """Who a mention may link to: active members not deleted."""
    users = get_user_model().objects.filter(is_active=True)
    if hasattr(get_user_model(), "deleted_at"):
        users = users.filter(deleted_at__isnull=True)
    return users


@never_cache
@login_required
@require_POST
def preview(request):
    source = request.POST.get("source", "")
    limit = int(getattr(settings, "FORUM_POST_MAX_CHARS", 20000))
    if len(source) > limit:
        message = _("The text is %(length)d characters long; posts can be at most %(limit)d.") % {
            "length": len(source), "limit": limit}
        return HttpResponse(format_html('<p class="form-error" role="alert">{}</p>', message), status=400,
                            content_type="text/html; charset=utf-8")
    if not source.strip():
        return HttpResponse(format_html('<p class="muted">{}</p>', _("Nothing to preview yet.")),
                            content_type="text/html; charset=utf-8")
    html = richtext.render_preview(source, mentions=richtext.mention_map(source, mention_users()))
    return HttpResponse(html, content_type="text/html; charset=utf-8")
