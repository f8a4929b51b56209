from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something a member should know about. Text is rendered at display time in the reader's language."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply to you")
        MENTION = "mention", _("Mention")
        QUOTE = "quote", _("Quote")
        WATCHED = "watched", _("New post in a watched thread")
        NEW_THREAD = "new_thread", _("New thread in a watched category")
        SYSTEM = "system", _("Notice")
        LIVE_REMINDER = "live_reminder", _("Live session reminder")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    url = models.CharField(_("link"), max_length=300)
    # Snapshot of what the text needs (thread title, excerpt), so listing costs no join per row.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The email outbox (forum/notifications/outbox.py): set on creation, cleared once the
    # immediate email is sent or not wanted; a time in the future is a sender's lease.
    email_due_at = models.DateTimeField(null=True, blank=True)
    # What the notice is about ("post:42"): a member hears about one thing once, whatever the reasons.
    key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_due_at"], condition=Q(email_due_at__isnull=False),
                         name="notification_email_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], condition=~Q(key=""),
                                    name="notification_once_per_key"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id}"


class NotificationPreference(models.Model):
    """How a member wants email: at once, as a daily digest, or never."""

    class Email(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DAILY = "daily", _("Daily digest")
        NEVER = "never", _("Never")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference")
    email = models.CharField(_("email notifications"), max_length=10, choices=Email.choices,
                             default=Email.IMMEDIATE)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user_id}: {self.email}"
