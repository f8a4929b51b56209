"""The transcript of a closed session: Markdown export and a locked thread; never off the record."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from forum.audit.models import AuditEntry
from forum.discussions.models import Post, Thread
from forum.live import services
from forum.live.models import LiveSession
from forum.live.services import transcripts

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(make_session, make_category, make_user, give_mfa, say, ask, session_moderator, make_organisation):
    """A session with two messages (one removed), an answered and an open question; then closed.
    Its moderator is a global moderator (with a second factor), so may lock threads anywhere."""
    category = make_category(name="Records")
    session = make_session(title="Water *rights* [today]", category=category)
    moderator = give_mfa(make_user(role="moderator", display_name="Mod"))
    session.moderators.add(moderator)
    speaker = make_user(role="member", display_name="Lina_*", organisation=make_organisation(name="Wells"))
    say(session, speaker, "First **point**\nsecond line")
    removed = say(session, speaker, "Regretted words")
    services.message_delete(actor=speaker, session=session, message_id=removed.pk)
    answered = ask(session, speaker, "What about wells?")
    ask(session, speaker, "Still open?")
    services.question_answer(actor=moderator, session=session, question_id=answered.pk)
    services.session_close(actor=moderator, session=session)
    session.refresh_from_db()
    return session, moderator, category


def test_the_markdown_has_the_messages_and_answered_questions_only(room):
    session, moderator, _category = room
    text = transcripts.transcript_markdown(actor=moderator, session=session)
    assert text.startswith("# Water \\*rights\\* \\[today\\]")
    assert "> First **point**\n> second line" in text
    assert "Lina\\_\\* · Wells" in text  # names are literal text, never Markdown
    assert "What about wells?" in text
    assert "Regretted words" not in text and "Still open?" not in text


def test_publishing_makes_a_locked_thread_in_the_category_once(room):
    session, moderator, category = room
    thread = transcripts.transcript_publish(actor=moderator, session=session)
    assert thread.category == category and thread.locked and thread.author == moderator
    assert thread.title == "Transcript: Water *rights* [today]"
    opening = Post.objects.get(thread=thread, depth=0)
    assert "<strong>point</strong>" in opening.html and "Regretted" not in opening.source
    assert LiveSession.objects.get(pk=session.pk).transcript_thread == thread
    assert AuditEntry.objects.filter(verb="live_session.transcript_publish", actor=moderator).exists()
    with pytest.raises(ValidationError, match="already published"):
        transcripts.transcript_publish(actor=moderator, session=session)
    assert Thread.objects.filter(category=category).count() == 1


def test_a_long_transcript_is_split_into_replies_within_the_post_limits(room, settings, make_user, say):
    session, moderator, _category = room
    settings.FORUM_POST_MAX_CHARS = 400
    LiveSession.objects.filter(pk=session.pk).update(state="open")
    session.refresh_from_db()
    speaker = make_user(role="member")
    for i in range(12):
        say(session, speaker, f"Message number {i} " + "words " * 8)
    services.session_close(actor=moderator, session=session)
    session.refresh_from_db()
    thread = transcripts.transcript_publish(actor=moderator, session=session)
    posts = list(Post.objects.filter(thread=thread).order_by("pk"))
    assert len(posts) > 1 and all(len(p.source) <= 400 for p in posts)
    text = "\n".join(p.source for p in posts)
    assert all(f"Message number {i} " in text for i in range(12))


def test_off_the_record_sessions_have_no_transcript_and_no_export(room, client):
    session, moderator, _category = room
    LiveSession.objects.filter(pk=session.pk).update(off_the_record=True)
    session.refresh_from_db()
    with pytest.raises(PermissionDenied, match="off the record"):
        transcripts.transcript_markdown(actor=moderator, session=session)
    with pytest.raises(PermissionDenied, match="off the record"):
        transcripts.transcript_publish(actor=moderator, session=session)
    client.force_login(moderator)
    export = client.get(reverse("live:transcript", args=[session.pk]))
    assert export.status_code == 403 and "off the record" in export.content.decode()
    publish = client.post(reverse("live:transcript_publish", args=[session.pk]), {"category": session.category_id})
    assert publish.status_code == 403 and not Thread.objects.exists()


def test_no_transcript_before_the_session_closes(room, client):
    session, moderator, _category = room
    LiveSession.objects.filter(pk=session.pk).update(state="open")
    session.refresh_from_db()
    with pytest.raises(PermissionDenied, match="once the session has closed"):
        transcripts.transcript_markdown(actor=moderator, session=session)


def test_members_may_not_export_or_publish(room, client, make_user):
    session, _moderator, _category = room
    member = make_user(role="member")
    with pytest.raises(PermissionDenied):
        transcripts.transcript_markdown(actor=member, session=session)
    client.force_login(member)
    assert client.get(reverse("live:transcript", args=[session.pk])).status_code == 403
    assert client.post(reverse("live:transcript_publish", args=[session.pk]),
                       {"category": session.category_id}).status_code == 403
    assert not Thread.objects.exists()


def test_a_session_moderator_who_does_not_moderate_the_category_cannot_publish_there(room, session_moderator):
    session, _moderator, _category = room
    appointed = session_moderator(session)
    transcripts.transcript_markdown(actor=appointed, session=session)  # may export
    assert transcripts.publishable_categories(appointed, session) == []
    with pytest.raises(PermissionDenied):
        transcripts.transcript_publish(actor=appointed, session=session)
    assert not Thread.objects.exists()


def test_the_export_and_publish_pages(room, client):
    session, moderator, category = room
    client.force_login(moderator)
    export = client.get(reverse("live:transcript", args=[session.pk]))
    assert export.status_code == 200 and export["Content-Type"].startswith("text/markdown")
    assert "attachment" in export["Content-Disposition"] and "What about wells?" in export.content.decode()
    page = client.get(reverse("live:transcript_publish", args=[session.pk]))
    assert page.status_code == 200 and f'value="{category.pk}"' in page.content.decode()
    response = client.post(reverse("live:transcript_publish", args=[session.pk]), {"category": category.pk})
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    room_page = client.get(session.get_absolute_url()).content.decode()
    assert thread.get_absolute_url() in room_page


def test_the_transcript_takes_the_session_title_in_the_readers_language(room):
    """Issue #10: the export and the published thread use the title of the language they are
    written in (the moderator's), not the default."""
    from django.utils import translation

    session, moderator, _category = room
    session.title_fr = "Les droits de l'eau"
    session.save()
    with translation.override("fr"):
        assert transcripts.transcript_markdown(actor=moderator, session=session).startswith("# Les droits de l'eau")
        thread = transcripts.transcript_publish(actor=moderator, session=session)
    assert "Les droits de l'eau" in thread.title
