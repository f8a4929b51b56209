from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """An append-only record of an accountable action: who did what to which object, and why.

    Append-only: nothing in the code updates or deletes an entry, the admin is read-only, and on
    PostgreSQL a trigger refuses UPDATE and DELETE on the table (migration 0002). That is why
    `actor` is a plain id without a database constraint and `on_delete=DO_NOTHING`: deleting a
    user (which the site never does, it anonymises; only a raw admin operation could) must not
    rewrite history by nulling the actor (an UPDATE the trigger refuses), and the id stays so the
    action can still be attributed. Pages read it with `select_related("actor")` (a LEFT JOIN), so a
    missing user reads as None, never as an error.

    `scope` is where the action took place: "category:<id>", "session:<id>", or "" for the whole
    site; services set it (by default read from the target, `services.scope_of`). Category
    moderators read the entries of their categories by it.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
    )
    verb = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("object type"), max_length=64, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_repr = models.CharField(_("object"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    scope = models.CharField(_("place"), max_length=40, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["scope", "id"], name="audit_scope_id_idx"),
            models.Index(fields=["actor", "id"], name="audit_actor_id_idx"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.target_repr}"
