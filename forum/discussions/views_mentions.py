"""Mention suggestions for the editor (static/js/mentions.js).

GET /t/<thread id>/mentions/?q=kar (a reply) or /t/categories/<category id>/mentions/?q=kar (a new
thread) → `{"names": ["Karim Haddad", …]}`: display names only, at most
FORUM_MENTION_SUGGESTIONS_MAX. Refusals are `{"error": "<translated reason>"}`: 404 for a place the
member may not see, 403 for one they may not write in, 400 for a query over 60 characters, 429 when
asking too fast, 503 when the rate counter (Redis) is down. Without JavaScript nothing asks: the
editor's help explains `@[Full Name]`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from forum.categories.models import Category
from forum.core.availability import TemporarilyUnavailable

from . import mentions
from .models import Thread
from .views import refusal_status


def _suggest(request, **place):
    try:
        names = mentions.mention_suggestions(writer=request.user, query=request.GET.get("q", ""), **place)
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc) or _("You do not have permission to open this page.")},
                            status=refusal_status(exc))
    except TemporarilyUnavailable as exc:
        return JsonResponse({"error": _("Suggestions are temporarily unavailable.")}, status=refusal_status(exc))
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=refusal_status(exc))
    return JsonResponse({"names": names})


@never_cache
@login_required
@require_GET
def thread_mentions(request, thread_id):
    thread = get_object_or_404(Thread.objects.select_related("category"), pk=thread_id)
    return _suggest(request, thread=thread)


@never_cache
@login_required
@require_GET
def category_mentions(request, category_id):
    category = get_object_or_404(Category, pk=category_id)
    return _suggest(request, category=category)
