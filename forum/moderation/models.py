"""Moderation: the community guidelines (rules), members' flags, the review queue's items, the
actions moderators take and the appeals against them.

An item under review is named generically (`kind` + `object_id`: a post, a chat message, a
question), so the one queue holds the content of every app; only posts are wired today (see
`forum/moderation/items.py`). The content itself is never changed here: the services call the
owning app's services (`forum.discussions.services.post_hide`, ...).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Rule(models.Model):
    """One community guideline, in each language; actions and flags cite it."""

    title_en = models.CharField(_("title (English)"), max_length=120)
    title_ar = models.CharField(_("title (Arabic)"), max_length=120)
    title_fr = models.CharField(_("title (French)"), max_length=120)
    body_en = models.TextField(_("text (English)"), blank=True)
    body_ar = models.TextField(_("text (Arabic)"), blank=True)
    body_fr = models.TextField(_("text (French)"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in force"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("community rule")
        verbose_name_plural = _("community rules")

    def __str__(self):
        return self.title

    def _in(self, field: str, language: str | None = None) -> str:
        language = (language or get_language() or "en").split("-")[0]
        return getattr(self, f"{field}_{language}", "") or getattr(self, f"{field}_en", "")

    @property
    def title(self) -> str:
        """The title in the active language (English when that one is empty)."""
        return self._in("title")

    @property
    def body(self) -> str:
        return self._in("body")

    def titles(self) -> dict[str, str]:
        """{"ar": ..., "en": ..., "fr": ...}: what a hidden post's placeholder snapshots."""
        return {code: self._in("title", code) for code, _name in settings.LANGUAGES}


class Reason(models.TextChoices):
    SPAM = "spam", _("Spam")
    HARASSMENT = "harassment", _("Harassment or abuse")
    OFF_TOPIC = "off_topic", _("Off-topic")
    ILLEGAL = "illegal", _("Illegal content")
    ENDANGERS = "endangers", _("Endangers someone (reveals a person's identity or location)")
    OTHER = "other", _("Other")


# How much a reason weighs in the queue's order (higher first).
SEVERITY = {Reason.ENDANGERS: 5, Reason.ILLEGAL: 4, Reason.HARASSMENT: 3, Reason.SPAM: 2,
            Reason.OFF_TOPIC: 1, Reason.OTHER: 1}


class Kind(models.TextChoices):
    POST = "post", _("Post")
    MESSAGE = "message", _("Chat message")
    QUESTION = "question", _("Question")
    POSITION = "position", _("Organisation position")


class ReviewItem(models.Model):
    """One piece of content in the review queue, with all its flags: what moderators claim and act on.

    `flaggers`, `severity` and `score` are kept by the flag service (one small update per flag), so
    the queue sorts in SQL: score = 10 × distinct flaggers + the highest reason's severity; older
    first on equal scores."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for review")
        DISMISSED = "dismissed", _("Flags dismissed")
        ACTIONED = "actioned", _("Action taken")
        APPROVED = "approved", _("Approved and published")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    # Where it is, for scope and filters: a category (posts) or a live session (messages, questions).
    category = models.ForeignKey("categories.Category", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("category"))
    session_id = models.PositiveBigIntegerField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("author"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    flaggers = models.PositiveIntegerField(_("people who flagged"), default=0)
    severity = models.PositiveSmallIntegerField(default=0)
    score = models.PositiveIntegerField(default=0, db_index=True)
    reasons = models.JSONField(default=list, blank=True)  # the distinct reasons given, for filters
    held = models.BooleanField(_("hidden pending review"), default=False)
    first_flagged_at = models.DateTimeField(_("first flagged"))
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("claimed by"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "first_flagged_at", "id"]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="review_item_once_per_object")]
        indexes = [models.Index(fields=["state", "-score", "first_flagged_at"], name="review_queue_order")]

    def __str__(self):
        return f"{self.kind} #{self.object_id}"

    def get_absolute_url(self):
        return reverse("moderation:item", kwargs={"item_id": self.pk})


class Flag(models.Model):
    """One member's report about one item; one per person per item (a database constraint)."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for review")
        DISMISSED = "dismissed", _("Reviewed: no action")
        ACTIONED = "actioned", _("Reviewed: action taken")

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("reported by"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    text = models.TextField(_("details"), blank=True, max_length=1000)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("flagged"), auto_now_add=True)

    class Meta:
        ordering = ["item", "created_at", "id"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(fields=["item", "reporter"], name="flag_once_per_person"),
            models.CheckConstraint(condition=~Q(reason="other") | ~Q(text=""), name="flag_other_has_text"),
        ]

    def __str__(self):
        return f"{self.reason} on {self.item}"


class Action(models.Model):
    """What a moderator did about an item or its author, under which rule: the transparency page
    counts these (by month, kind and rule) and appeals answer them."""

    class Kind(models.TextChoices):
        DISMISS = "dismiss", _("Flags dismissed")
        HIDE = "hide", _("Hidden from readers")
        RESTORE = "restore", _("Restored")
        DELETE = "delete", _("Deleted")
        WARN = "warn", _("Author warned")
        MUTE = "mute", _("Author muted")
        SUSPEND = "suspend", _("Author suspended")
        BAN = "ban", _("Author banned")
        EDIT = "edit", _("Edited for policy")
        LOCK = "lock", _("Thread locked")
        UNLOCK = "unlock", _("Thread unlocked")
        MOVE = "move", _("Thread moved")
        SPLIT = "split", _("Thread split")
        DELETE_THREAD = "delete_thread", _("Thread deleted")
        RESTORE_THREAD = "restore_thread", _("Thread restored")

    item = models.ForeignKey(ReviewItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    kind = models.CharField(_("action"), max_length=16, choices=Kind.choices)
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="actions", verbose_name=_("rule"))
    note = models.TextField(_("note"), blank=True, max_length=2000)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("moderator"))
    # Whom it concerns (the content's author): who is told, who may appeal.
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The restriction imposed by a mute or suspension (accounts.Restriction), to lift on appeal.
    restriction_id = models.PositiveBigIntegerField(null=True, blank=True)
    # What undoing it on appeal needs (a move's category of origin, the split's new thread).
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")

    def __str__(self):
        return f"{self.kind} ({self.item})"


class Appeal(models.Model):
    """The author's one appeal against an action, decided by another moderator."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        UPHELD = "upheld", _("Decision upheld")
        OVERTURNED = "overturned", _("Decision overturned")

    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="appeal")
    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    statement = models.TextField(_("statement"), max_length=4000)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decision_note = models.TextField(_("decision note"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self):
        return f"appeal of {self.action_id}"


# Why an item is in the queue without a member's flag (besides the flag reasons above).
HOLD_REASONS = {
    "premoderation": _("Pre-moderated place"),
    "new_member": _("A new member's first posts"),
    "watched_word": _("Watched word"),
}


class WatchedWord(models.Model):
    """A word or a pattern administrators watch for in posts, titles, chat messages and questions.

    A plain word is matched as a whole word on Arabic-normalised text (`forum.core.arabic`), so
    its hamza, taa marbuta, alef maqsura, diacritics and tatweel variants all match; a pattern is a
    regular expression (validated when saved, with a length limit) matched on the same text."""

    class Kind(models.TextChoices):
        WORD = "word", _("Word or phrase")
        PATTERN = "pattern", _("Pattern (regular expression)")

    class Act(models.TextChoices):
        BLOCK = "block", _("Refuse the text")
        HOLD = "hold", _("Hold it for a moderator's approval")
        FLAG = "flag", _("Publish it and flag it for review")

    text = models.CharField(_("word or pattern"), max_length=500)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.WORD)
    action = models.CharField(_("action"), max_length=8, choices=Act.choices, default=Act.FLAG)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["action", "text", "id"]
        verbose_name = _("watched word")
        verbose_name_plural = _("watched words")
        constraints = [models.UniqueConstraint(fields=["kind", "text"], name="watched_word_once")]

    def __str__(self):
        return self.text
