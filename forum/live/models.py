"""Live sessions: scheduled rooms with chat and moderated Q&A.

Every change a room shows is a `RoomEvent` with the room's next sequence number (per room,
monotonic, without gaps), stored in the same transaction as the change itself and broadcast after
it commits. A client that reconnects says the last number it saw and is sent the stored events
after it (`docs/live-protocol.md`). When something is removed, the stored event that showed it is
rewritten in the same transaction (to a tombstone), so a replay never sends what was taken away.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forum.core.translated import in_active_language


class LiveSession(models.Model):
    """A scheduled dialogue session and its room."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Live now")
        CLOSED = "closed", _("Closed")

    class Mode(models.TextChoices):
        BOTH = "both", _("Chat and questions")
        CHAT = "chat", _("Chat only")
        QA = "qa", _("Questions only")

    class Audience(models.TextChoices):
        MEMBERS = "members", _("All members")
        ORGANISATIONS = "organisations", _("Chosen organisations")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    # The title and description per language; empty: the defaults above (`display_title`).
    title_ar = models.CharField(_("title in Arabic"), max_length=200, blank=True)
    title_fr = models.CharField(_("title in French"), max_length=200, blank=True)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    description_ar = models.TextField(_("description in Arabic"), max_length=5000, blank=True)
    description_fr = models.TextField(_("description in French"), max_length=5000, blank=True)
    description_en = models.TextField(_("description in English"), max_length=5000, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    organisers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="organised_live_sessions",
                                        verbose_name=_("organisers"))
    moderators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="moderated_live_sessions",
                                        verbose_name=_("session moderators"))
    category = models.ForeignKey("categories.Category", verbose_name=_("category for the transcript"),
                                 null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices, default=Audience.MEMBERS)
    organisations = models.ManyToManyField("organisations.Organisation", blank=True, related_name="+",
                                           verbose_name=_("organisations"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.SCHEDULED,
                             db_index=True)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.BOTH)
    off_the_record = models.BooleanField(
        _("off the record"), default=False,
        help_text=_("Chatham House rule: no transcript, no export, presence hidden, messages deleted "
                    "some days after the session closes."))
    questions_held = models.BooleanField(_("questions wait for moderator approval"), default=False)
    read_only = models.BooleanField(_("read only"), default=False)
    slow_mode_seconds = models.PositiveIntegerField(_("slow mode (seconds between messages)"), default=0)
    slow_mode_reason = models.CharField(_("slow mode reason"), max_length=200, blank=True)
    slow_mode_set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    # The sequence number of the room's latest event (0: none yet).
    last_seq = models.PositiveBigIntegerField(default=0, editable=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    transcript_thread = models.ForeignKey("discussions.Thread", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+", editable=False)
    # Off-the-record rooms: when their messages and questions were deleted.
    purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="live_session_ends_after_start")]

    def __str__(self):
        return self.display_title

    def get_absolute_url(self):
        return reverse("live:room", args=[self.pk])

    @property
    def display_title(self) -> str:
        """The title in the active language, else the default title."""
        return in_active_language(self, "title")

    @property
    def display_description(self) -> str:
        """The description in the active language, else the default description."""
        return in_active_language(self, "description")

    @property
    def chat_enabled(self) -> bool:
        return self.mode in (self.Mode.BOTH, self.Mode.CHAT)

    @property
    def questions_enabled(self) -> bool:
        return self.mode in (self.Mode.BOTH, self.Mode.QA)


class RoomEvent(models.Model):
    """One numbered event of a room, as members are sent it (the replay log)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=32)
    # The message or question the event is about (0: the room itself), so it can be rewritten.
    ref_id = models.PositiveBigIntegerField(default=0)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("room event")
        verbose_name_plural = _("room events")
        ordering = ["session", "seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="live_event_seq_unique")]
        indexes = [models.Index(fields=["session", "kind", "ref_id"], name="live_event_ref")]

    def __str__(self):
        return f"{self.session_id}#{self.seq} {self.kind}"


class ChatMessage(models.Model):
    """A chat message. `client_id` (chosen by the sender's client) makes a repeated send harmless."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField(_("sequence number"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    client_id = models.UUIDField()
    source = models.TextField(_("text"))
    html = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    removed_reason = models.CharField(max_length=200, blank=True)
    # Hidden by the moderators (forum.moderation): the room no longer shows it, the page shows
    # "hidden by the moderators: <rule>" in its place, its author still sees the text.
    hidden_at = models.DateTimeField(_("hidden by a moderator"), null=True, blank=True)
    # The rule's title per language ({"ar": ..., "en": ..., "decision": url}), or {"pending": true}
    # while flags await review (as Post.hidden_reason).
    hidden_reason = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["session", "seq"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        constraints = [
            models.UniqueConstraint(fields=["session", "author", "client_id"], name="live_message_client_unique"),
            models.UniqueConstraint(fields=["session", "seq"], name="live_message_seq_unique"),
        ]

    def __str__(self):
        return f"{self.session_id}#{self.seq}"


class Question(models.Model):
    """A question for the session's speakers; one upvote per person."""

    class State(models.TextChoices):
        HELD = "held", _("Awaiting approval")
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        HIDDEN = "hidden", _("Hidden")

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    client_id = models.UUIDField()
    source = models.TextField(_("question"))
    html = models.TextField(editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    pinned = models.BooleanField(_("pinned"), default=False)
    votes = models.PositiveIntegerField(_("votes"), default=0)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates")
    # The sequence number of the event that first showed it to the room (None while held).
    seq = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # Why it is hidden (as ChatMessage.hidden_reason) and the state it had before, to restore it.
    hidden_reason = models.JSONField(default=dict, blank=True, editable=False)
    state_before_hidden = models.CharField(max_length=10, choices=State.choices, blank=True, editable=False)

    class Meta:
        ordering = ["session", "created_at", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["session", "author", "client_id"], name="live_question_client_unique"),
        ]

    def __str__(self):
        return f"{self.session_id}?{self.pk}"


class QuestionVote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="vote_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("question vote")
        verbose_name_plural = _("question votes")
        constraints = [models.UniqueConstraint(fields=["question", "user"], name="live_vote_once")]

    def __str__(self):
        return f"{self.question_id}+{self.user_id}"
