"""The editor's server-rendered preview: exactly the HTML the post would be stored with.

POST /preview/ with `source` → an HTML fragment (200); or a translated reason in a fragment: 400 for
bad text (too long, too complex), 403 for someone who may not post anywhere (a suspended member, an
observer whose access ended), 429 when asking too fast, 503 when the rate counter (Redis) is down. Nothing is rendered when refused. The rules
are `services.post_preview`'s (in discussions because the posting permission is this app's), and so
are the statuses (`views.refusal_status`), as for the no-JavaScript "Preview" button.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from forum.core.availability import TemporarilyUnavailable

from . import services
from .views import refusal_status


def _fragment(css: str, message: str, *, status: int = 200, alert: bool = False) -> HttpResponse:
    template = '<p class="{}" role="alert">{}</p>' if alert else '<p class="{}">{}</p>'
    return HttpResponse(format_html(template, css, message), status=status,
                        content_type="text/html; charset=utf-8")


@never_cache
@login_required
@require_POST
def preview(request):
    source = request.POST.get("source", "")
    try:
        html = services.post_preview(actor=request.user, source=source)
    except PermissionDenied as exc:
        message = str(exc) or _("You do not have permission to open this page.")
        return _fragment("form-error", message, status=refusal_status(exc), alert=True)
    except TemporarilyUnavailable as exc:
        return _fragment("form-error", _("The preview is temporarily unavailable. Your text is kept: please "
                                         "try again in a moment."), status=refusal_status(exc), alert=True)
    except ValidationError as exc:
        return _fragment("form-error", " ".join(exc.messages), status=refusal_status(exc), alert=True)
    if not html:
        return _fragment("muted", _("Nothing to preview yet."))
    return HttpResponse(html, content_type="text/html; charset=utf-8")
