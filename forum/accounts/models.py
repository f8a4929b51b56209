from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email)
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", User.Role.ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Logs in by email; shown by display name only.

    The site role is one of admin, moderator, member, observer. Being an organisation's
    representative is a `organisations.Membership` of kind representative; category and session
    moderation are scopes held elsewhere. All access questions go through `permissions`.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MODERATOR = "moderator", _("Moderator")
        MEMBER = "member", _("Member")
        OBSERVER = "observer", _("Observer")

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    # NFKC + casefold of display_name: two names that look the same cannot both exist. Case folding
    # can triple a name's length (ß → ss, ΐ → ΐ), so the key holds three times the name's limit.
    display_name_key = models.CharField(max_length=180, blank=True, editable=False)
    bio = models.TextField(_("short bio"), max_length=500, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=8, blank=True,
                                          choices=settings.LANGUAGES)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    access_ends_at = models.DateTimeField(
        _("access ends"), null=True, blank=True,
        help_text=_("For observers: the moment their access ends."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(fields=["display_name_key"], condition=~Q(display_name_key=""),
                                    name="user_display_name_unique"),
            models.CheckConstraint(condition=Q(role__in=["admin", "moderator", "member", "observer"]),
                                   name="user_role_valid"),
        ]

    def __str__(self):
        return self.public_name

    @property
    def public_name(self) -> str:
        if self.deleted_at:
            return str(_("Former member"))
        return self.display_name or self.email.split("@", 1)[0]

    @property
    def is_observer(self) -> bool:
        return self.role == self.Role.OBSERVER

    def get_absolute_url(self):
        return reverse("accounts:profile", kwargs={"user_id": self.pk})


class ObserverGrant(models.Model):
    """What an observer may see: one category or one live session. Ends with the user's access."""

    class Scope(models.TextChoices):
        CATEGORY = "category", _("Category")
        SESSION = "session", _("Live session")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="observer_grants")
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("observer grant")
        verbose_name_plural = _("observer grants")
        constraints = [models.UniqueConstraint(fields=["user", "scope", "object_id"], name="observer_grant_unique")]

    def __str__(self):
        return f"{self.user} → {self.scope} {self.object_id}"


class RestrictionQuerySet(models.QuerySet):
    def in_force(self, now=None):
        """Restrictions that apply at `now`: started, not ended, not lifted, and confirmed when they
        waited for a second moderator. Warnings are included (they take nothing away)."""
        now = now or timezone.now()
        return (self.filter(lifted_at__isnull=True, pending_confirmation=False, starts_at__lte=now)
                .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now)))


class Restriction(models.Model):
    """A sanction on a user. Suspended or banned: no access; muted: read only; warned: nothing taken
    away, the member is told once. Site-wide, or in one category or live session.

    The suspension or ban of an organisation representative waits for a second moderator
    (`pending_confirmation`, see `services.restriction_confirm`) and has no effect until then.
    """

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning")
        MUTE = "mute", _("Mute (read only)")
        SUSPENSION = "suspension", _("Suspension")
        BAN = "ban", _("Ban")

    class Scope(models.TextChoices):
        SITE = "site", _("Whole site")
        CATEGORY = "category", _("Category")
        SESSION = "session", _("Live session")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="restrictions")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.SITE)
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    starts_at = models.DateTimeField(_("starts"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    pending_confirmation = models.BooleanField(
        _("awaiting a second moderator"), default=False,
        help_text=_("The suspension or ban of a representative takes effect once another moderator confirms it."))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    seen_at = models.DateTimeField(_("seen by the member"), null=True, blank=True)

    objects = RestrictionQuerySet.as_manager()

    class Meta:
        verbose_name = _("restriction")
        verbose_name_plural = _("restrictions")
        indexes = [models.Index(fields=["user", "kind"])]
        constraints = [
            models.CheckConstraint(condition=Q(scope="site", object_id__isnull=True) | ~Q(scope="site"),
                                   name="restriction_site_has_no_object"),
            models.CheckConstraint(condition=Q(kind__in=["warning", "mute", "suspension", "ban"]),
                                   name="restriction_kind_valid"),
            # A ban and a warning have no end; a pending restriction has not been confirmed yet.
            models.CheckConstraint(condition=~Q(kind__in=["ban", "warning"]) | Q(ends_at__isnull=True),
                                   name="restriction_ban_and_warning_have_no_end"),
            models.CheckConstraint(condition=Q(pending_confirmation=False) | Q(confirmed_at__isnull=True),
                                   name="restriction_pending_is_unconfirmed"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.user}"

    @property
    def takes_access(self) -> bool:
        """A site-wide suspension or ban: the member can no longer use the site."""
        return self.kind in (self.Kind.SUSPENSION, self.Kind.BAN) and self.scope == self.Scope.SITE
