"""Consultations: a thread of a special kind asking the member organisations one question (and
optional sub-questions) before a deadline. Each organisation submits one official position, signed
by one of its representatives, revisable until the deadline; every version is kept. After the
deadline the organisers publish a synthesis.

A consultation shares its thread's id (`thread` is the primary key), so its address and the
thread's name the same number.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Consultation(models.Model):
    thread = models.OneToOneField("discussions.Thread", primary_key=True, on_delete=models.CASCADE,
                                  related_name="consultation", verbose_name=_("thread"))
    question = models.TextField(_("question"), max_length=2000)
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Moderators designated to publish the synthesis (administrators always may).
    organisers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                        verbose_name=_("organisers"))
    synthesis_source = models.TextField(_("synthesis"), blank=True)
    synthesis_html = models.TextField(blank=True, editable=False)
    synthesis_published_at = models.DateTimeField(_("synthesis published"), null=True, blank=True)
    synthesis_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("synthesis by"))

    class Meta:
        ordering = ["-deadline"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self):
        return self.thread.title

    def get_absolute_url(self):
        return reverse("consultations:detail", kwargs={"consultation_id": self.pk})

    @property
    def is_open(self) -> bool:
        return timezone.now() < self.deadline


class SubQuestion(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="sub_questions")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.CharField(_("sub-question"), max_length=500)

    class Meta:
        ordering = ["consultation", "number"]
        verbose_name = _("sub-question")
        verbose_name_plural = _("sub-questions")
        constraints = [models.UniqueConstraint(fields=["consultation", "number"], name="subquestion_number_unique")]

    def __str__(self):
        return self.text


class Stance(models.TextChoices):
    IN_FAVOUR = "in_favour", _("In favour")
    RESERVATIONS = "reservations", _("With reservations")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class Position(models.Model):
    """An organisation's official position: one per organisation and consultation (a constraint)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="positions")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    # The representative who signed the current version.
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("signed by"))
    stance = models.CharField(_("stance"), max_length=16, choices=Stance.choices)
    source = models.TextField(_("text"))
    html = models.TextField(editable=False)
    # {"<sub-question number>": "answer"}: plain text, shown escaped.
    answers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last revised"))
    revision_count = models.PositiveIntegerField(default=1)
    hidden_at = models.DateTimeField(_("hidden by a moderator"), null=True, blank=True)
    # The rule's title per language, snapshotted by moderation ({"pending": true} while flags await review,
    # {"premoderation": true} while held before it was shown).
    hidden_reason = models.JSONField(default=dict, blank=True, editable=False)
    # Held before it was shown (a watched word, a pre-moderated category): only its organisation's
    # representatives and the category's moderators see it, and it does not count as a response,
    # until a moderator approves it. A rejected one stays held (hidden_reason says the rule).
    awaiting_review = models.BooleanField(_("awaiting review"), default=False, editable=False)

    class Meta:
        ordering = ["consultation", "created_at", "id"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "organisation"],
                                    name="consultation_one_position_per_organisation"),
            models.CheckConstraint(condition=Q(stance__in=["in_favour", "reservations", "against", "abstain"]),
                                   name="position_stance_valid"),
        ]

    def __str__(self):
        return f"{self.organisation} on {self.consultation_id}"

    def get_absolute_url(self):
        return f"{self.consultation.get_absolute_url()}#position-{self.pk}"


class PositionRevision(models.Model):
    """One submitted version of a position (the first and each revision), as it was signed."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    stance = models.CharField(max_length=16, choices=Stance.choices)
    source = models.TextField()
    html = models.TextField()
    answers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "-number"]
        verbose_name = _("position revision")
        verbose_name_plural = _("position revisions")
        constraints = [models.UniqueConstraint(fields=["position", "number"], name="position_revision_number_unique")]

    def __str__(self):
        return f"{self.position_id} v{self.number}"


class Reminder(models.Model):
    """The reminder sent to an organisation that had not responded: once per organisation and consultation."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="reminders")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("consultation reminder")
        verbose_name_plural = _("consultation reminders")
        constraints = [models.UniqueConstraint(fields=["consultation", "organisation"],
                                               name="consultation_reminder_once_per_organisation")]

    def __str__(self):
        return f"reminder {self.consultation_id} → {self.organisation_id}"
