from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forum.accounts.names import validate_title_fields
from forum.core.translated import in_active_language


class Category(models.Model):
    """A place for threads. One level deep: a category may have subcategories, which have none."""

    class Visibility(models.TextChoices):
        MEMBERS = "members", _("Members")
        PUBLIC = "public", _("Public (when public reading is on)")
        RESTRICTED = "restricted", _("Restricted")

    class Policy(models.TextChoices):
        MEMBERS = "members", _("Members")
        REPRESENTATIVES = "representatives", _("Representatives")
        MODERATORS = "moderators", _("Moderators")

    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="children")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=80, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    # The name and description per language; empty: the default above is shown (`display_name`).
    name_ar = models.CharField(_("name in Arabic"), max_length=120, blank=True)
    name_fr = models.CharField(_("name in French"), max_length=120, blank=True)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    description_ar = models.TextField(_("description in Arabic"), blank=True)
    description_fr = models.TextField(_("description in French"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    visibility = models.CharField(_("visibility"), max_length=12, choices=Visibility.choices,
                                  default=Visibility.MEMBERS)
    # For restricted categories: who may see it (either list may admit).
    allowed_organisations = models.ManyToManyField("organisations.Organisation", blank=True,
                                                   related_name="+", verbose_name=_("organisations"))
    allowed_roles = models.JSONField(_("roles"), default=list, blank=True,
                                     help_text=_("Role names, e.g. representative, moderator."))
    start_policy = models.CharField(_("who may start threads"), max_length=16, choices=Policy.choices,
                                    default=Policy.MEMBERS)
    reply_policy = models.CharField(_("who may reply"), max_length=16, choices=Policy.choices,
                                    default=Policy.MEMBERS)
    is_consultation = models.BooleanField(_("consultation (agree/disagree reactions)"), default=False)
    premoderate = models.BooleanField(
        _("pre-moderation (new threads and replies wait for a moderator's approval)"), default=False)
    moderators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="moderated_categories",
                                        verbose_name=_("category moderators"))
    thread_count = models.PositiveIntegerField(default=0, editable=False)
    post_count = models.PositiveIntegerField(default=0, editable=False)
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="category_not_own_parent"),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("categories:detail", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        """The name in the active language, else the default name."""
        return in_active_language(self, "name")

    @property
    def display_description(self) -> str:
        """The description in the active language, else the default description."""
        return in_active_language(self, "description")


    def clean(self):
        """The display names' rule for names of things: no bidi overrides or invisible characters."""
        super().clean()
        validate_title_fields(self, ("name", "name_ar", "name_fr", "name_en"))
