from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum.accounts.names import validate_title_fields


class Organisation(models.Model):
    """A member organisation of the federation."""

    name = models.CharField(_("name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    slug = models.SlugField(_("short name"), max_length=80, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    active = models.BooleanField(_("active"), default=True)
    seat_limit = models.PositiveIntegerField(_("seat limit"), default=25)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organisations:detail", kwargs={"slug": self.slug})

    def clean(self):
        """The display names' rule for names of things: no bidi overrides or invisible characters."""
        super().clean()
        validate_title_fields(self, ("name", "name_ar"))


class Membership(models.Model):
    """A user's place in an organisation: representative (speaks for it, invites) or member."""

    class Kind(models.TextChoices):
        REPRESENTATIVE = "representative", _("Representative")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # One organisation per person keeps "speaking for my organisation" unambiguous.
            models.UniqueConstraint(fields=["user"], name="membership_one_organisation_per_user"),
            models.CheckConstraint(condition=Q(kind__in=["representative", "member"]), name="membership_kind_valid"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.organisation} ({self.kind})"


class Invitation(models.Model):
    """An invitation to join, redeemed once through a signed link before it expires."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        REPRESENTATIVE = "representative", _("Representative")
        OBSERVER = "observer", _("Observer")
        MODERATOR = "moderator", _("Moderator")

    email = models.EmailField(_("email address"))
    # The name the inviter knows the person by; pre-fills the signup form, which they may change.
    name = models.CharField(_("name"), max_length=60, blank=True)
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"),
                                     null=True, blank=True, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    inviter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("invited by"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="invitations_sent")
    key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # For observers: when their access ends once they have joined.
    access_ends_at = models.DateTimeField(_("observer access ends"), null=True, blank=True)
    # The invitee's language: the email is written in it and it becomes their preferred language.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True,
                                help_text=_("Empty: the site's default language."))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                                    name="invitation_one_open_per_email"),
        ]

    def __str__(self):
        return self.email

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        """Not used, not revoked and not expired: the link can still be redeemed."""
        return self.used_at is None and self.revoked_at is None and not self.is_expired

    @property
    def status(self) -> str:
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "open"


class JoinRequest(models.Model):
    """A request to join, when the admin has turned requests on; waits for an admin's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    email = models.EmailField(_("email address"))
    display_name = models.CharField(_("display name"), max_length=60)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    # Set by the admin before approving: the organisation the person will join.
    organisation = models.ForeignKey(Organisation, verbose_name=_("joins organisation"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="join_requests")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True,
                                help_text=_("Empty: the site's default language."))
    message = models.TextField(_("message"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=Q(status="pending"),
                                    name="join_request_one_pending_per_email"),
        ]

    def __str__(self):
        return self.email
