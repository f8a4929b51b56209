"""Live session pages: the list, the session form, the room (readable and usable without JavaScript),
the presenter view, the history for the client's resync, the calendar file and the transcript.

Glue only: selectors read, `forum.live.permissions` answers "may this user", services write. The room
page is complete without JavaScript (history, a plain form to send a message and to ask a question,
through the same services as the socket); `static/js/live-room.js` enhances it from the `data-*`
attributes of the room element.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forum.accounts import enrolment
from forum.accounts.decorators import privileged_required
from forum.accounts.permissions import SecondFactorRequired
from forum.core import conf
from forum.organisations.services import absolute_url

from . import calendar, forms, permissions, selectors, selectors_pages
from . import services as live_services
from .models import ChatMessage, LiveSession, Question
from .services import sessions as session_services
from .services import transcripts

HISTORY_LIMIT = 100

# How a refusal of a room service (a RoomError code, docs/live-protocol.md) is answered over HTTP.
BAD_INPUT = {"empty", "too_long", "invalid"}
TOO_FAST = {"slow_mode", "rate_limited"}


@functools.cache
def _static_exists(path: str) -> bool:
    """Whether live-client's script or style sheet is there (the page works without them)."""
    from django.contrib.staticfiles import finders

    return bool(finders.find(path))


def _allows(check, *args) -> bool:
    try:
        check(*args)
    except (PermissionDenied, Http404):
        return False
    return True


def _refused(request, error: PermissionDenied, status: int = 403):
    """The reason, translated; someone who needs a second factor also gets the way to enrol and back."""
    reason = str(getattr(error, "message", "") or (error.args[0] if error.args else ""))
    enrol_url = enrolment.enrol_url_for(request) if isinstance(error, SecondFactorRequired) else None
    return render(request, "live/refused.html", {"reason": reason, "enrol_url": enrol_url}, status=status)


def _session_or_login(request, session_id):
    """The session, or a redirect to sign in for visitors (they may be members not signed in yet)."""
    if not request.user.is_authenticated:
        return None, redirect_to_login(request.get_full_path())
    return selectors_pages.session_for_page(session_id=session_id, viewer=request.user), None


def _room_status(error) -> int:
    code = getattr(error, "code", None)
    if code in TOO_FAST:
        return 429
    if code in BAD_INPUT or isinstance(error, ValidationError):
        return 400
    return 403


def _error_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(getattr(error, "message", "") or (error.args[0] if error.args else _("You cannot do this.")))


# --- The list ---------------------------------------------------------------------------------------

@require_GET
def session_list(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    lists = selectors_pages.session_lists_for_viewer(viewer=request.user)
    try:
        permissions.check_manage_sessions(request.user)
        can_create = True
    except SecondFactorRequired:
        can_create = True  # the form's page asks them to enrol a second factor first
    except PermissionDenied:
        can_create = False
    return render(request, "live/session_list.html", {"lists": lists, "can_create": can_create})


# --- Create and edit ---------------------------------------------------------------------------------

def _session_data(form) -> dict:
    data = dict(form.cleaned_data)
    data["organisations"] = list(data.get("organisations") or [])
    return data


@privileged_required
@require_http_methods(["GET", "POST"])
def session_create(request):
    try:
        permissions.check_manage_sessions(request.user)
    except PermissionDenied as e:
        return _refused(request, e)
    form = forms.SessionForm(request.POST or None, actor=request.user,
                             initial={"audience": LiveSession.Audience.MEMBERS, "mode": LiveSession.Mode.BOTH})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                session = session_services.session_create(actor=request.user, **_session_data(form))
            except ValidationError as e:
                forms.add_service_errors(form, e)
            except PermissionDenied as e:
                return _refused(request, e)
            else:
                messages.success(request, _("The session is scheduled."))
                return redirect(session)
    return render(request, "live/session_form.html", {"form": form, "session": None}, status=status)


@privileged_required
@require_http_methods(["GET", "POST"])
def session_edit(request, session_id):
    session = selectors_pages.session_for_page(session_id=session_id, viewer=request.user)
    try:
        permissions.check_edit_session(request.user, session)
    except PermissionDenied as e:
        return _refused(request, e)
    form = forms.SessionForm(request.POST or None, actor=request.user,
                             initial=forms.SessionForm.initial_for(session))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                session_services.session_update(actor=request.user, session=session, **_session_data(form))
            except ValidationError as e:
                forms.add_service_errors(form, e)
            except PermissionDenied as e:
                return _refused(request, e)
            else:
                messages.success(request, _("The session was saved."))
                return redirect(session)
    return render(request, "live/session_form.html", {"form": form, "session": session}, status=status)


# --- The room -----------------------------------------------------------------------------------------

def _sorted_questions(questions):
    """Pinned first, then by votes, then oldest first (what the room and the presenter show)."""
    return sorted(questions, key=lambda q: (not q["pinned"], -q["votes"], q["asked_at"] or "", q["id"]))


def _rule_title(reason: dict) -> str:
    """The rule a hidden message cites, in the reader's language ("" while pending review)."""
    language = (get_language() or "en").split("-")[0]
    return reason.get(language) or reason.get("en") or next(
        (v for k, v in reason.items() if k not in ("decision", "pending") and isinstance(v, str) and v), "")


def _flaggable(history: dict, user, you: dict) -> None:
    """Booleans for the page: which messages and questions the viewer may flag (not their own), and
    the rule of each hidden message in the reader's language."""
    for frame in [*history["messages"], *history["questions"]]:
        frame["may_flag"] = you["flag"] and frame["author"]["id"] not in (None, user.pk) and "hidden" not in frame
    for frame in history["messages"]:
        if "hidden" in frame:
            frame["hidden_pending"] = bool(frame["hidden"].get("pending"))
            frame["hidden_rule"] = _rule_title(frame["hidden"])
            frame["hidden_decision"] = frame["hidden"].get("decision") if frame["hidden_own"] else None


def _room_context(request, session, *, message_form=None, question_form=None, observer_form=None,
                  room_error: str = "") -> dict:
    user = request.user
    history = selectors.history(session=session, user=user, limit=HISTORY_LIMIT, placeholders=True)
    you = permissions.you(user, session)
    _flaggable(history, user, you)
    can_edit = _allows(permissions.check_edit_session, user, session)
    can_moderate = permissions.can_moderate_session(user, session)
    you = permissions.you(user, session)
    context = {
        "session": session,
        "room_error": room_error,
        "editable_ids": _editable_ids(user, session, history["messages"], you),
        "edit_minutes": conf.FORUM_LIVE_EDIT_MINUTES,
        "history": history,
        "questions": _sorted_questions(history["questions"]),
        "you": you,
        "can_edit": can_edit,
        "can_moderate": can_moderate,
        "can_transcript": _allows(transcripts.check_transcript, user, session),
        "message_form": message_form or forms.MessageForm(initial={"client_id": uuid.uuid4()}),
        "question_form": question_form or forms.QuestionForm(initial={"client_id": uuid.uuid4()}),
        "message_max": conf.FORUM_LIVE_MESSAGE_MAX_CHARS,
        "question_max": conf.FORUM_LIVE_QUESTION_MAX_CHARS,
        "socket_url": f"/ws/rooms/{session.pk}/",
        "room_script": _static_exists("js/live-room.js"),
        "room_css": _static_exists("css/live-room.css"),
    }
    if can_edit and session.state != LiveSession.State.CLOSED:
        context["observers"] = list(session_services.session_observers(session))
        context["observer_form"] = observer_form or forms.ObserverInviteForm(
            queryset=session_services.invitable_observers(session))
    return context


def _editable_ids(user, session, messages, you) -> set[int]:
    """The messages shown whose author may still edit them (the room's "Edit" links without JavaScript;
    the same rule as `permissions.check_edit_message`, which the edit itself goes through)."""
    if session.state != LiveSession.State.OPEN or you["muted"] or not getattr(user, "pk", None):
        return set()
    since = permissions.edit_window_start()
    return {m["id"] for m in messages
            if m["author"]["id"] == user.pk and m["sent_at"] and datetime.fromisoformat(m["sent_at"]) > since}


@require_GET
def room(request, session_id):
    session, login = _session_or_login(request, session_id)
    if login:
        return login
    return render(request, "live/room.html", _room_context(request, session))


def _room_write(request, session_id, *, form_class, form_key: str, write):
    """A plain POST of the room page (no JavaScript): the same service as the socket, then back to
    the room; a refusal shows the room again with the reason on the form and nothing changed."""
    session = selectors_pages.session_for_page(session_id=session_id, viewer=request.user)
    form = form_class(request.POST)
    status, room_error = 400, ""
    if form.is_valid():
        try:
            write(session, form.cleaned_data)
        except (PermissionDenied, ValidationError) as e:
            # On the form when it is still offered; else (the room closed meanwhile) above the room.
            form.add_error(None, _error_text(e))
            room_error = _error_text(e)
            status = _room_status(e)
        else:
            return redirect(reverse("live:room", args=[session.pk]) + ("#messages" if form_key == "message_form"
                                                                        else "#questions"))
    context = _room_context(request, session, room_error=room_error, **{form_key: form})
    offered = context["you"]["send"] if form_key == "message_form" else context["you"]["ask"]
    if offered:
        context["room_error"] = ""  # the form shows it
    return render(request, "live/room.html", context, status=status)


@login_required
@require_POST
def message_send(request, session_id):
    return _room_write(request, session_id, form_class=forms.MessageForm, form_key="message_form",
                       write=lambda session, data: live_services.message_send(
                           actor=request.user, session=session, client_id=data["client_id"], body=data["body"]))


@login_required
@require_http_methods(["GET", "POST"])
def message_edit(request, session_id, message_id):
    """Edit one's own chat message without JavaScript: GET the form, POST the socket's `edit` service,
    then back to the message in the room. Asked for JSON (`Accept: application/json`), GET answers
    `{"id", "source"}`: the text the room script's inline editor starts from."""
    session = selectors_pages.session_for_page(session_id=session_id, viewer=request.user)
    message = get_object_or_404(ChatMessage, pk=message_id, session=session)
    message.session = session
    wants_json = request.method == "GET" and "application/json" in request.headers.get("Accept", "")
    try:
        permissions.check_edit_message(request.user, message)
    except PermissionDenied as e:
        if wants_json:
            return JsonResponse({"error": getattr(e, "code", "forbidden"), "message": _error_text(e)},
                                status=_room_status(e))
        return _refused(request, e, status=_room_status(e))
    if wants_json:
        return JsonResponse({"id": message.pk, "source": message.source}, json_dumps_params={"ensure_ascii": False})
    form = forms.MessageEditForm(request.POST if request.method == "POST" else None,
                                 initial={"body": message.source})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                live_services.message_edit(actor=request.user, session=session, message_id=message.pk,
                                           body=form.cleaned_data["body"])
            except (PermissionDenied, ValidationError) as e:
                form.add_error(None, _error_text(e))
                status = _room_status(e)
            else:
                return redirect(reverse("live:room", args=[session.pk]) + f"#room-message-{message.pk}")
    return render(request, "live/message_edit.html", {
        "session": session, "message": message, "form": form, "message_max": conf.FORUM_LIVE_MESSAGE_MAX_CHARS,
        "edit_minutes": conf.FORUM_LIVE_EDIT_MINUTES}, status=status)


@login_required
@require_POST
def question_ask(request, session_id):
    def ask(session, data):
        question, _created = live_services.question_ask(actor=request.user, session=session,
                                                        client_id=data["client_id"], body=data["body"])
        if question.state == Question.State.HELD:
            messages.info(request, _("Your question waits for a moderator's approval."))

    return _room_write(request, session_id, form_class=forms.QuestionForm, form_key="question_form", write=ask)


@login_required
@require_POST
def question_vote(request, session_id, question_id):
    """Upvote a question (or take the vote back with `undo=1`) without JavaScript."""
    session = selectors_pages.session_for_page(session_id=session_id, viewer=request.user)
    write = live_services.question_unvote if request.POST.get("undo") == "1" else live_services.question_vote
    try:
        write(actor=request.user, session=session, question_id=question_id)
    except PermissionDenied as e:
        if getattr(e, "code", None) not in ("already_voted",):
            return _refused(request, e, status=_room_status(e))
    return redirect(reverse("live:room", args=[session.pk]) + f"#question-{question_id}")


@privileged_required
@require_POST
def session_state(request, session_id):
    """Open or close the session (its moderators), without JavaScript."""
    session = selectors_pages.session_for_page(session_id=session_id, viewer=request.user)
    action = request.POST.get("state")
    try:
        if action == "open":
            live_services.session_open(actor=request.user, session=session)
        elif action == "close":
            live_services.session_close(actor=request.user, session=session)
        else:
            return _refused(request, PermissionDenied(_("Choose to open or to close the session.")), status=400)
    except PermissionDenied as e:
        return _refused(request, e, status=_room_status(e))
    return redirect(session)


@require_GET
@never_cache
def history_json(request, session_id):
    """The room as the client reloads it after `resync` (members only): the latest sequence number,
    the messages (after `after`, or the last 100) and the visible questions, as protocol frames, and
    `removed`: the ids of the messages removed after `after` (the client takes them off the screen)."""
    if not request.user.is_authenticated:
        raise Http404
    session = get_object_or_404(LiveSession, pk=session_id)
    permissions.check_view_session(request.user, session)
    after = request.GET.get("after")
    try:
        after_seq = int(after) if after not in (None, "") else None
    except ValueError:
        return JsonResponse({"error": "invalid", "message": _("“after” must be a sequence number.")}, status=400)
    if after_seq is not None and after_seq < 0:
        return JsonResponse({"error": "invalid", "message": _("“after” must be a sequence number.")}, status=400)
    history = selectors.history(session=session, user=request.user, limit=HISTORY_LIMIT)
    messages_shown = history["messages"]
    removed = selectors.removed_since(session=session, after_seq=after_seq, seq=history["seq"]) \
        if after_seq is not None else []
    cut = len(messages_shown) >= HISTORY_LIMIT  # older messages exist beyond the page
    if after_seq is not None:
        # Complete: every message after `after` is here (the client may merge); else replace.
        complete = not cut or (bool(messages_shown) and messages_shown[0]["seq"] <= after_seq + 1)
        messages_shown = [m for m in messages_shown if m["seq"] > after_seq]
    else:
        complete = not cut
    payload = {
        "room": session.pk, "seq": history["seq"], "state": session.state, "read_only": session.read_only,
        "mode": session.mode,
        "slow_mode": {"seconds": session.slow_mode_seconds, "reason": session.slow_mode_reason},
        "messages": messages_shown, "questions": history["questions"], "complete": complete,
        "removed": removed,
    }
    return JsonResponse(payload, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False})


@require_GET
def present(request, session_id):
    """The presenter view: large type, the pinned question (or the most voted open one)."""
    session, login = _session_or_login(request, session_id)
    if login:
        return login
    history = selectors.history(session=session, user=request.user, limit=HISTORY_LIMIT)
    shown = [q for q in _sorted_questions(history["questions"]) if q["state"] == Question.State.OPEN]
    return render(request, "live/session_present.html", {
        "session": session, "current": shown[0] if shown else None, "next_questions": shown[1:4],
        "history": history, "socket_url": f"/ws/rooms/{session.pk}/",
        "presenter_script": _static_exists("js/live-present.js"),
    })


@require_GET
def calendar_ics(request, session_id):
    session, login = _session_or_login(request, session_id)
    if login:
        return login
    url = absolute_url(session.get_absolute_url())
    body = calendar.session_ics(session, url=url, host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
    return response


# --- Observers ------------------------------------------------------------------------------------

@privileged_required
@require_POST
def observer_invite(request, session_id):
    session = selectors_pages.session_for_page(session_id=session_id, viewer=request.user)
    try:
        permissions.check_edit_session(request.user, session)
    except PermissionDenied as e:
        return _refused(request, e)
    form = forms.ObserverInviteForm(request.POST, queryset=session_services.invitable_observers(session))
    if form.is_valid():
        try:
            session_services.session_observer_invite(actor=request.user, session=session,
                                                     user=form.cleaned_data["observer"])
        except ValidationError as e:
            forms.add_service_errors(form, e)
        except PermissionDenied as e:
            return _refused(request, e)
        else:
            messages.success(request, _("%(name)s may now join this session, until it closes.")
                             % {"name": form.cleaned_data["observer"].public_name})
            return redirect(reverse("live:room", args=[session.pk]) + "#observers")
    return render(request, "live/room.html", _room_context(request, session, observer_form=form), status=400)


@privileged_required
@require_POST
def observer_revoke(request, session_id, user_id):
    session = selectors_pages.session_for_page(session_id=session_id, viewer=request.user)
    observer = get_object_or_404(session_services.session_observers(session), pk=user_id)
    try:
        session_services.session_observer_revoke(actor=request.user, session=session, user=observer)
    except PermissionDenied as e:
        return _refused(request, e)
    messages.success(request, _("%(name)s can no longer join this session.") % {"name": observer.public_name})
    return redirect(reverse("live:room", args=[session.pk]) + "#observers")


# --- Transcript -----------------------------------------------------------------------------------

@privileged_required
@require_http_methods(["GET", "POST"])
def transcript_publish(request, session_id):
    session = selectors_pages.session_for_page(session_id=session_id, viewer=request.user)
    try:
        transcripts.check_transcript(request.user, session)
    except PermissionDenied as e:
        return _refused(request, e)
    choices = transcripts.publishable_categories(request.user, session)
    error, status = "", 200
    if request.method == "POST":
        chosen = next((c for c in choices if str(c.pk) == request.POST.get("category", "")), None)
        try:
            if chosen is None:
                raise ValidationError(_("Choose one of the categories where you may publish the transcript."))
            thread = transcripts.transcript_publish(actor=request.user, session=session, category=chosen)
        except ValidationError as e:
            error, status = " ".join(e.messages), 400
        except PermissionDenied as e:
            return _refused(request, e)
        else:
            messages.success(request, _("The transcript is published as a locked thread."))
            return redirect(thread)
    return render(request, "live/transcript_publish.html", {
        "session": session, "categories": choices, "error": error,
        "selected": request.POST.get("category") or session.category_id,
    }, status=status)


@login_required
@require_GET
def transcript_markdown(request, session_id):
    session = selectors_pages.session_for_page(session_id=session_id, viewer=request.user)
    try:
        text = transcripts.transcript_markdown(actor=request.user, session=session)
    except PermissionDenied as e:
        return _refused(request, e)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}-transcript.md"'
    return response
